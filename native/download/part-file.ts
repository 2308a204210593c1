/**
 * A download's bytes into its part file, hashed in the same pass: each slice that arrived is hashed
 * and written at once with a synchronous write, while it is still in the CPU's cache. Measured on
 * 1 GiB: copying slices into 4 MiB batches first cost 2-4 s of system time more (every byte passed
 * through memory twice more); a write per slice of up to 256 KiB costs less than curl's own writes.
 * A synchronous write to the page cache holds the event loop for well under a millisecond and needs
 * no queue, no callback, and no copy held until a thread-pool write finishes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Hash } from 'node:crypto';

export class PartFile {
    readonly #fd: number;
    readonly #hash: Hash;
    #open = true;

    /** `append`: after the bytes already there (a resumed download); otherwise the file starts empty. */
    constructor(path: string, append: boolean, hash: Hash) {
        this.#fd = openSync(path, append ? 'a' : 'w');
        this.#hash = hash;
    }

    /** Hash and write `chunk`; the caller may reuse its memory once this returns. */
    take(chunk: Uint8Array): void {
        this.#hash.update(chunk);
        for (let at = 0; at < chunk.length; ) at += writeSync(this.#fd, chunk, at, chunk.length - at);
    }

    close(): void {
        if (!this.#open) return;
        this.#open = false;
        closeSync(this.#fd);
    }
}
