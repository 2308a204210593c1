/**
 * A download's bytes into its part file, hashed in the same pass: copied into 4 MiB batches, each
 * hashed and written with one synchronous write. A 1 GiB download is then 256 writes, not one per
 * packet; being synchronous, a write holds the event loop for about a millisecond (the page cache
 * takes it) and needs no queue, callback or buffer copy held until a thread-pool write finishes.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Hash } from 'node:crypto';

const BATCH_BYTES = 4 * 1024 * 1024;

export class PartFile {
    readonly #fd: number;
    readonly #hash: Hash;
    readonly #batch = Buffer.allocUnsafe(BATCH_BYTES);
    #used = 0;
    #open = true;

    /** `append`: after the bytes already there (a resumed download); otherwise the file starts empty. */
    constructor(path: string, append: boolean, hash: Hash) {
        this.#fd = openSync(path, append ? 'a' : 'w');
        this.#hash = hash;
    }

    /** Take `chunk` (copied: the caller may reuse its memory once this returns). */
    take(chunk: Uint8Array): void {
        for (let at = 0; at < chunk.length; ) {
            const n = Math.min(chunk.length - at, BATCH_BYTES - this.#used);
            this.#batch.set(chunk.subarray(at, at + n), this.#used);
            this.#used += n;
            at += n;
            if (this.#used === BATCH_BYTES) this.#flush();
        }
    }

    #flush(): void {
        const bytes = this.#batch.subarray(0, this.#used);
        this.#hash.update(bytes);
        for (let at = 0; at < bytes.length; ) at += writeSync(this.#fd, bytes, at, bytes.length - at);
        this.#used = 0;
    }

    /** Write what is held and close; `keep: false` (a failed write) closes without writing more. */
    close(keep = true): void {
        if (!this.#open) return;
        this.#open = false;
        try {
            if (keep) this.#flush();
        } finally {
            closeSync(this.#fd);
        }
    }
}
