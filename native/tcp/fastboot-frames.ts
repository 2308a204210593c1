/**
 * fastboot over TCP (v1): a 4-byte `FB01` handshake each way, then every packet framed as an
 * 8-byte big-endian length followed by the bytes. Shared by our client and the virtual phone's endpoint.
 */

export const HANDSHAKE = new TextEncoder().encode('FB01');
export const FRAME_HEADER_BYTES = 8;

/** The handshake's version, or undefined when the 4 bytes are not `FB` + two decimal digits. */
export function parseHandshake(bytes: Uint8Array): number | undefined {
    if (bytes.length !== 4 || bytes[0] !== 0x46 || bytes[1] !== 0x42) return undefined;
    const digits = String.fromCharCode(bytes[2] ?? 0, bytes[3] ?? 0);
    return /^\d\d$/.test(digits) ? Number.parseInt(digits, 10) : undefined;
}

export function encodeFrameHeader(length: number): Uint8Array {
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    new DataView(header.buffer).setBigUint64(0, BigInt(length), false);
    return header;
}

export interface FrameSegment {
    readonly data: Uint8Array;
    /** The first segment of its frame. */
    readonly first: boolean;
    /** The last segment of its frame. */
    readonly last: boolean;
}

/**
 * Splits a byte stream into frames. Frames up to `wholeLimit` come out whole (a command or reply is
 * one transfer); larger ones (download data) come out in segments as they arrive, so a 512 MiB
 * frame never sits in memory.
 */
export class FrameDecoder {
    readonly #wholeLimit: number;
    #header: Uint8Array = new Uint8Array(0);
    #left = -1;
    #frameLength = 0;
    #parts: Uint8Array[] = [];

    constructor(wholeLimit = 1024 * 1024) {
        this.#wholeLimit = wholeLimit;
    }

    push(chunk: Uint8Array): FrameSegment[] {
        const out: FrameSegment[] = [];
        let at = 0;
        while (at < chunk.length || this.#left === 0) {
            if (this.#left < 0) {
                const need = FRAME_HEADER_BYTES - this.#header.length;
                const take = chunk.subarray(at, at + need);
                this.#header = concat(this.#header, take);
                at += take.length;
                if (this.#header.length < FRAME_HEADER_BYTES) break;
                const length = new DataView(this.#header.buffer, this.#header.byteOffset, 8).getBigUint64(0, false);
                if (length > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`a fastboot TCP frame claims ${length} bytes`);
                this.#frameLength = Number(length);
                this.#left = this.#frameLength;
                this.#header = new Uint8Array(0);
                this.#parts = [];
                continue;
            }
            const take = chunk.subarray(at, at + this.#left);
            at += take.length;
            this.#left -= take.length;
            if (this.#frameLength <= this.#wholeLimit) {
                if (take.length > 0) this.#parts.push(take);
                if (this.#left === 0) {
                    out.push({ data: this.#parts.length === 1 ? (this.#parts[0] as Uint8Array) : concat(...this.#parts), first: true, last: true });
                    this.#left = -1;
                }
            } else {
                const first = this.#left + take.length === this.#frameLength;
                if (take.length > 0 || this.#left === 0) out.push({ data: take, first, last: this.#left === 0 });
                if (this.#left === 0) this.#left = -1;
            }
        }
        return out;
    }
}

function concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
        out.set(part, at);
        at += part.length;
    }
    return out;
}
