/**
 * A new file written in large blocks past the page cache (O_DIRECT) where the system allows it,
 * with the SHA-256 of what was written (range-hash.ts, from the same blocks).
 * A backup archive is written once and not read again soon; through the page cache every byte is
 * first copied into freshly allocated cache pages, which on the project's 2-core VM cost 3–4 s of
 * kernel CPU per 2 GiB (as much as sealing and both SHA-256s together) against 0.2 s written
 * direct (`dd oflag=direct` and this module measured alike). Where O_DIRECT is refused
 * (files/direct-io.ts) the same blocks go through the page cache, synced in the background so the
 * sync at the end stays short.
 */
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { alignedMemory, openDirect, writeDirect, writeFully } from '../files/direct-io.js';
import { rangeHash, type RangeHash } from '../integrity/range-hash.js';

/** Bytes per write: a multiple of every block size O_DIRECT asks offsets and lengths to keep. */
const BLOCK = 4 << 20;
/** Blocks being filled or written: two writes can be on libuv's threads while the next fills. */
const BLOCKS = 4;
/** Bytes written through the page cache between background syncs. */
const SYNC_EVERY = 64 << 20;

export interface WrittenFile {
    readonly sizeBytes: number;
    /** SHA-256 of the file as written, in hex. */
    readonly sha256: string;
}

export class DirectFile {
    /** The file as created (0600, never an existing one): the page-cache way, the tail and the syncs. */
    readonly #handle: FileHandle;
    #direct: FileHandle | undefined;
    readonly #memory: Uint8Array;
    readonly #hash: RangeHash;
    readonly #onFailure: (error: unknown) => void;
    readonly #free: number[] = [];
    /** Bytes that came while every block was busy, not yet copied (the caller hands over fresh buffers and then waits for `room`). */
    readonly #pending: Uint8Array[] = [];
    readonly #writes = new Set<Promise<void>>();
    #pendingBytes = 0;
    #filling: number | undefined;
    #filled = 0;
    #position = 0;
    #unsynced = 0;
    #syncing: Promise<void> | undefined;
    #wake: (() => void) | undefined;
    #failure: unknown;

    private constructor(handle: FileHandle, direct: FileHandle | undefined, memory: Uint8Array, onFailure: (error: unknown) => void) {
        this.#handle = handle;
        this.#direct = direct;
        this.#memory = memory;
        this.#hash = rangeHash(memory);
        this.#onFailure = onFailure;
        for (let i = 0; i < BLOCKS; i++) this.#free.push(i);
    }

    /** A new file at `path` (never an existing one), mode 0600; `onFailure` hears of the first failed write or sync. */
    static async create(path: string, onFailure: (error: unknown) => void): Promise<DirectFile> {
        const handle = await open(path, 'wx', 0o600);
        try {
            // Shared where it can be, so the hashing thread reads the blocks where they are.
            const aligned = alignedMemory(BLOCK * BLOCKS, { preferShared: true });
            // A second descriptor not to be had for any reason: the one just created writes through the page cache.
            const direct = aligned ? await openDirect(path, constants.O_WRONLY).catch(() => undefined) : undefined;
            return new DirectFile(handle, direct, aligned ?? new Uint8Array(BLOCK * BLOCKS), onFailure);
        } catch (error) {
            // No thread or memory to be had: the file just made is not left behind.
            await handle.close().catch(() => undefined);
            await rm(path, { force: true });
            throw error;
        }
    }

    /** Whether blocks go past the page cache (false once the system refused it). */
    get direct(): boolean {
        return this.#direct !== undefined;
    }

    /** Bytes for the file, copied before the next write is due; keep `data` unchanged until then. Dropped once a write failed. */
    write(data: Uint8Array): void {
        if (this.#failure !== undefined || data.length === 0) return;
        this.#pending.push(data);
        this.#pendingBytes += data.length;
        this.#pump();
    }

    /**
     * True while bytes wait for a block: the producer should wait for `room`. Not only once a
     * block's worth waits: the sealer's output is a fresh buffer per chunk, and one kept waiting
     * while more are made lives through garbage collections into the old generation (a 2 GiB
     * backup kept about 4 MiB of them waiting nearly all the time), whose collections cost more.
     */
    get backlogged(): boolean {
        return this.#pendingBytes > 0 && this.#failure === undefined;
    }

    /** Resolves once the producer may go on; rejects with the failure of a write. */
    async room(): Promise<void> {
        while (this.backlogged) await this.#changed();
        if (this.#failure !== undefined) throw this.#failure;
    }

    #changed(): Promise<void> {
        return new Promise<void>((resolve) => (this.#wake = resolve));
    }

    #notify(): void {
        const wake = this.#wake;
        this.#wake = undefined;
        wake?.();
    }

    /** No more writes start; false when they had stopped already. */
    #stop(reason: unknown): boolean {
        if (this.#failure !== undefined) return false;
        this.#failure = reason;
        this.#pending.length = 0;
        this.#pendingBytes = 0;
        return true;
    }

    #fail(error: unknown): void {
        if (!this.#stop(error)) return;
        this.#onFailure(error);
        this.#notify();
    }

    /** Copy waiting bytes into free blocks; each block that fills is written. */
    #pump(): void {
        while (this.#pending.length > 0 && this.#failure === undefined) {
            if (this.#filling === undefined) {
                const block = this.#free.pop();
                if (block === undefined) return;
                this.#filling = block;
                this.#filled = 0;
            }
            const data = this.#pending[0] as Uint8Array;
            const take = Math.min(BLOCK - this.#filled, data.length);
            this.#memory.set(take === data.length ? data : data.subarray(0, take), this.#filling * BLOCK + this.#filled);
            this.#filled += take;
            this.#pendingBytes -= take;
            if (take === data.length) this.#pending.shift();
            else this.#pending[0] = data.subarray(take);
            if (this.#filled === BLOCK) this.#submit();
        }
    }

    #submit(): void {
        const block = this.#filling as number;
        const length = this.#filled;
        const position = this.#position;
        this.#filling = undefined;
        this.#filled = 0;
        this.#position += length;
        const start = block * BLOCK;
        const write = Promise.all([this.#writeBlock(this.#memory.subarray(start, start + length), position), this.#hash.update(start, start + length)]).then(
            () => {
                this.#writes.delete(write);
                this.#free.push(block);
                this.#pump();
                this.#notify();
            },
            (error: unknown) => {
                this.#writes.delete(write);
                this.#fail(error);
            },
        );
        this.#writes.add(write);
    }

    async #writeBlock(bytes: Uint8Array, position: number): Promise<void> {
        const direct = this.#direct;
        if (direct) {
            if (await writeDirect(direct, bytes, position)) return;
            if (this.#direct === direct) {
                this.#direct = undefined;
                await direct.close().catch(() => undefined);
            }
        }
        await writeFully(this.#handle, bytes, position);
        this.#unsynced += bytes.length;
        if (this.#unsynced >= SYNC_EVERY && !this.#syncing) {
            this.#unsynced = 0;
            this.#syncing = this.#handle.datasync().then(
                () => (this.#syncing = undefined),
                (error: unknown) => this.#fail(error),
            );
        }
    }

    /** Write what is left, wait until all of it is on the disk (fsync), close; the file's size and SHA-256. */
    async finish(): Promise<WrittenFile> {
        while (this.#pendingBytes > 0 && this.#failure === undefined) await this.#changed();
        await Promise.all([...this.#writes]);
        await this.#syncing;
        if (this.#failure !== undefined) throw this.#failure;
        // The last block is not a whole one: it goes through the page cache, as O_DIRECT takes
        // whole disk blocks only.
        if (this.#filling !== undefined) {
            const start = this.#filling * BLOCK;
            await Promise.all([writeFully(this.#handle, this.#memory.subarray(start, start + this.#filled), this.#position), this.#hash.update(start, start + this.#filled)]);
            this.#position += this.#filled;
            this.#filling = undefined;
        }
        const sha256 = await this.#hash.digest();
        await this.#handle.sync();
        await this.close();
        return { sizeBytes: this.#position, sha256 };
    }

    /** Stop and close the file; the caller removes it. Safe after `finish` failed, and more than once. */
    async close(): Promise<void> {
        this.#stop(new Error('the file was closed'));
        await Promise.allSettled([...this.#writes, this.#syncing]);
        const direct = this.#direct;
        this.#direct = undefined;
        await direct?.close().catch(() => undefined);
        await this.#handle.close().catch(() => undefined);
        await this.#hash.close();
    }
}
