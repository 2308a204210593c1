/**
 * The archive's bytes on their way to the disk: the plaintext (the tar stream) sealed in line
 * (age's STREAM, age/stream.ts) and written by direct-file.ts in 4 MiB blocks past the page cache
 * on libuv's threads, hashed as written on a thread of their own (the archive's SHA-256, so nobody
 * reads 2 GiB back to learn it). Sealed here rather than on a thread of its own: that thread did not lower the
 * total CPU, and on two cores shared with the phone the total is what sets the time.
 */
import type { AgeFileStart } from './age/index.js';
import { StreamSealer } from './age/stream.js';
import { DirectFile, type WrittenFile } from './direct-file.js';

export class ArchiveFile {
    readonly #file: DirectFile;
    readonly #sealer: StreamSealer;
    /** Each sealed piece is a fresh buffer from the cipher: the file may keep it until it copies it. */
    readonly #out = (sealed: Buffer): void => this.#file.write(sealed);

    private constructor(file: DirectFile, start: AgeFileStart) {
        this.#file = file;
        this.#sealer = new StreamSealer(start.payloadKey);
        this.#out(start.header);
    }

    /** A new file (never an existing one), mode 0600, starting with `start.header`; `onFailure` hears of the first failed write or sync. */
    static async create(path: string, start: AgeFileStart, onFailure: (error: unknown) => void): Promise<ArchiveFile> {
        return new ArchiveFile(await DirectFile.create(path, onFailure), start);
    }

    /** Plaintext for the archive; copied, so the caller may reuse `data`. Dropped once a write failed. */
    push(data: Uint8Array): void {
        this.#sealer.update(data, this.#out);
    }

    /** True while so much is on its way that the producer should wait for `room`. */
    get backlogged(): boolean {
        return this.#file.backlogged;
    }

    /** Resolves once more can be pushed; rejects with the failure of a write. */
    room(): Promise<void> {
        return this.#file.room();
    }

    /** Seal the end, write what is left, wait until it is on the disk, close. */
    async finish(): Promise<WrittenFile> {
        this.#sealer.final(this.#out);
        return this.#file.finish();
    }

    /** Close the file; the caller removes it. Safe after `finish` failed. */
    close(): Promise<void> {
        return this.#file.close();
    }
}
