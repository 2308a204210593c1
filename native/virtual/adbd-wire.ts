/**
 * The adb wire format as the device side sees it: 24-byte headers (six u32 LE) and payloads.
 * Input is treated as a byte stream (USB delivers header and payload as separate transfers plus
 * the odd ZLP; TCP delivers arbitrary slices), output is header and payload as separate sends,
 * which is what USB hosts expect and what TCP does not mind.
 */
import type { DevicePipe } from './pipe.js';

export const AdbCmd = {
    CNXN: 0x4e584e43,
    AUTH: 0x48545541,
    OPEN: 0x4e45504f,
    OKAY: 0x59414b4f,
    CLSE: 0x45534c43,
    WRTE: 0x45545257,
    STLS: 0x534c5453,
} as const;
export type AdbCmd = (typeof AdbCmd)[keyof typeof AdbCmd];

export const ADB_VERSION_MIN = 0x01000000;
export const ADB_VERSION_SKIP_CHECKSUM = 0x01000001;
/** Payloads larger than this are refused: 1 MiB is the current AOSP maximum. */
export const ADB_MAX_PAYLOAD = 1024 * 1024;

export interface AdbMessage {
    readonly command: number;
    readonly arg0: number;
    readonly arg1: number;
    readonly payload: Uint8Array;
}

export function byteSum(data: Uint8Array): number {
    let sum = 0;
    for (let i = 0; i < data.length; i++) sum += data[i] ?? 0;
    return sum >>> 0;
}

export function encodeHeader(message: AdbMessage, withChecksum: boolean): Uint8Array {
    const header = new Uint8Array(24);
    const view = new DataView(header.buffer);
    view.setUint32(0, message.command >>> 0, true);
    view.setUint32(4, message.arg0 >>> 0, true);
    view.setUint32(8, message.arg1 >>> 0, true);
    view.setUint32(12, message.payload.length, true);
    view.setUint32(16, withChecksum ? byteSum(message.payload) : 0, true);
    view.setUint32(20, (message.command ^ 0xffffffff) >>> 0, true);
    return header;
}

export class AdbProtocolError extends Error {
    override readonly name = 'AdbProtocolError';
}

/** A message as received: its payload as the views of the transfers it came in, in order. */
export interface ReceivedMessage {
    readonly command: number;
    readonly arg0: number;
    readonly arg1: number;
    readonly pieces: readonly Uint8Array[];
}

/** A received payload in one piece (copied only when it came in several). */
export function joinPieces(pieces: readonly Uint8Array[]): Uint8Array {
    return pieces.length === 1 ? (pieces[0] as Uint8Array) : Buffer.concat(pieces);
}

/**
 * Cuts whole adb messages out of the pipe's transfers, read as one byte stream. A transfer is the
 * device's own (the pipe's contract), so a payload is handed on as views of the transfers it came
 * in, never copied: a 1 MiB WRTE arrives over TCP as some sixteen reads, and gathering them
 * cost the phone's one thread a copy and a fresh MiB per message to collect.
 */
export class MessageReader {
    readonly #pipe: DevicePipe;
    readonly #signal: AbortSignal;
    /** What is left of the last transfer. */
    #rest: Uint8Array = new Uint8Array(0);
    /** Called with the byte count of every host→device transfer (fault injection hooks here). */
    onBytes: ((count: number) => void) | undefined;

    constructor(pipe: DevicePipe, signal: AbortSignal) {
        this.#pipe = pipe;
        this.#signal = signal;
    }

    /** The next `length` bytes as views of the transfers they are in. */
    async #pieces(length: number): Promise<Uint8Array[]> {
        const pieces: Uint8Array[] = [];
        for (let left = length; left > 0; ) {
            while (this.#rest.length === 0) {
                this.#rest = await this.#pipe.receive(this.#signal);
                if (this.#rest.length > 0) this.onBytes?.(this.#rest.length);
            }
            const take = Math.min(left, this.#rest.length);
            pieces.push(this.#rest.subarray(0, take));
            this.#rest = this.#rest.subarray(take);
            left -= take;
        }
        return pieces;
    }

    async next(): Promise<ReceivedMessage> {
        const header = joinPieces(await this.#pieces(24));
        const view = new DataView(header.buffer, header.byteOffset, 24);
        const command = view.getUint32(0, true);
        const arg0 = view.getUint32(4, true);
        const arg1 = view.getUint32(8, true);
        const length = view.getUint32(12, true);
        const magic = view.getUint32(20, true);
        if (magic !== (command ^ 0xffffffff) >>> 0) throw new AdbProtocolError('bad adb header magic');
        if (length > ADB_MAX_PAYLOAD) throw new AdbProtocolError(`adb payload of ${length} bytes is too large`);
        return { command, arg0, arg1, pieces: await this.#pieces(length) };
    }
}
