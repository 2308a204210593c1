/**
 * XXH32, incrementally: the LZ4 frame format's header, block and content checksums. lz4js has
 * only a one-shot hash, and a content checksum covers gigabytes that arrive block by block.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
    return (x << r) | (x >>> (32 - r));
}

function round(acc: number, lane: number): number {
    return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

function u32(bytes: Uint8Array, at: number): number {
    return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

export class Xxh32 {
    readonly #v = new Int32Array(4);
    readonly #buffer = new Uint8Array(16);
    #buffered = 0;
    #total = 0;
    readonly #seed: number;

    constructor(seed = 0) {
        this.#seed = seed;
        this.#v[0] = seed + P1 + P2;
        this.#v[1] = seed + P2;
        this.#v[2] = seed;
        this.#v[3] = seed - P1;
    }

    #stripe(bytes: Uint8Array, at: number): void {
        const v = this.#v;
        v[0] = round(v[0]!, u32(bytes, at));
        v[1] = round(v[1]!, u32(bytes, at + 4));
        v[2] = round(v[2]!, u32(bytes, at + 8));
        v[3] = round(v[3]!, u32(bytes, at + 12));
    }

    update(bytes: Uint8Array): this {
        this.#total += bytes.length;
        let at = 0;
        if (this.#buffered > 0) {
            const take = Math.min(16 - this.#buffered, bytes.length);
            this.#buffer.set(bytes.subarray(0, take), this.#buffered);
            this.#buffered += take;
            at = take;
            if (this.#buffered < 16) return this;
            this.#stripe(this.#buffer, 0);
            this.#buffered = 0;
        }
        for (; at + 16 <= bytes.length; at += 16) this.#stripe(bytes, at);
        if (at < bytes.length) {
            this.#buffer.set(bytes.subarray(at), 0);
            this.#buffered = bytes.length - at;
        }
        return this;
    }

    /** The hash as an unsigned 32-bit number. */
    digest(): number {
        const v = this.#v;
        let h = this.#total >= 16 ? (rotl(v[0]!, 1) + rotl(v[1]!, 7) + rotl(v[2]!, 12) + rotl(v[3]!, 18)) | 0 : (this.#seed + P5) | 0;
        h = (h + this.#total) | 0;
        let at = 0;
        for (; at + 4 <= this.#buffered; at += 4) h = Math.imul(rotl((h + Math.imul(u32(this.#buffer, at), P3)) | 0, 17), P4);
        for (; at < this.#buffered; at++) h = Math.imul(rotl((h + Math.imul(this.#buffer[at]!, P5)) | 0, 11), P1);
        h = Math.imul(h ^ (h >>> 15), P2);
        h = Math.imul(h ^ (h >>> 13), P3);
        return (h ^ (h >>> 16)) >>> 0;
    }
}

export function xxh32(bytes: Uint8Array, seed = 0): number {
    return new Xxh32(seed).update(bytes).digest();
}
