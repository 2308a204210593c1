/**
 * Memory for large adb packet payloads, used again once a reader has given it back. A 2 GiB file
 * read over adb arrives as about 2000 packets of up to 1 MiB; a fresh buffer for each is memory
 * the system has to hand over page by page and the garbage collector has to take back. Only a
 * reader that knows nothing else holds a payload gives it back (the backup's file reader, whose
 * consumer copies every chunk before it asks for the next); all other payloads are left to the
 * garbage collector as before. The library's own readers never give any back.
 */

/** Payloads at least this long come from the pool; short ones (headers, OKAYs, listings) do not. */
const POOLED_FROM = 64 * 1024;
/** Buffers kept for reuse: more than the packets a transfer has on their way at once. */
const KEEP = 16;

export class PayloadPool {
    readonly #size: number;
    readonly #ours = new WeakSet<ArrayBufferLike>();
    readonly #free: ArrayBuffer[] = [];

    /** `size`: the largest payload the connection accepts. */
    constructor(size: number) {
        this.#size = size;
    }

    /** A buffer of `length` bytes, not zeroed (every byte is written before it is read). */
    take(length: number): Uint8Array {
        if (length < POOLED_FROM || length > this.#size) return Buffer.allocUnsafe(length);
        let memory = this.#free.pop();
        if (!memory) {
            memory = new ArrayBuffer(this.#size);
            this.#ours.add(memory);
        }
        return Buffer.from(memory, 0, length);
    }

    /** `payload` (or any view of it) will not be read again by anyone: its memory may be reused. Others are ignored. */
    giveBack(payload: Uint8Array): void {
        const memory = payload.buffer;
        if (!this.#ours.has(memory) || this.#free.length >= KEEP || this.#free.includes(memory as ArrayBuffer)) return;
        this.#free.push(memory as ArrayBuffer);
    }
}
