/**
 * A download's bytes into its part file: each slice that arrived is written at once with a
 * synchronous write, then queued for the hashing thread (./sha256-thread.ts), which hashes it on
 * another core where it lies (in the thread's ring, which the socket read into). Measured on 1 GiB:
 * copying slices into 4 MiB batches first cost 2-4 s of system time more (every byte passed
 * through memory twice more); a write per slice of up to 256 KiB costs less than curl's own
 * writes. A synchronous write to the page cache holds the event loop for well under a millisecond
 * and needs no queue, no callback, and no copy held until a thread-pool write finishes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Sha256Thread } from './sha256-thread.js';

export class PartFile {
    readonly #fd: number;
    readonly #hash: Sha256Thread;
    #open = true;

    /** `append`: after the bytes already there (a resumed download); otherwise the file starts empty. */
    constructor(path: string, append: boolean, hash: Sha256Thread) {
        this.#fd = openSync(path, append ? 'a' : 'w');
        this.#hash = hash;
    }

    /** Write `chunk` and have it hashed; the caller may reuse its memory once this returns. */
    take(chunk: Uint8Array): void {
        for (let at = 0; at < chunk.length; ) at += writeSync(this.#fd, chunk, at, chunk.length - at);
        this.#hash.update(chunk);
    }

    close(): void {
        if (!this.#open) return;
        this.#open = false;
        closeSync(this.#fd);
    }
}
