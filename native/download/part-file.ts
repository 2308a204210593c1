/**
 * A download's bytes into its part file, hashed in the same pass, while they are still in the CPU's
 * cache. Where the system allows it (Linux, a file system that takes O_DIRECT) the connection reads
 * straight into 4 MiB slots this file lends it (`readBuffer`), and each full slot goes to the disk
 * with O_DIRECT on libuv's thread pool while the next one fills: no byte is copied into the page
 * cache, which was the largest cost after SHA-256 — 0.3-0.4 s of system time per GiB when it goes
 * well, up to 1.2 s when the memory it takes is fresh. Measured on 1 GiB from a loopback server on
 * this project's 2-core VM, the whole `revive fetch`, 8 alternating runs at a load average of 9-10:
 * 2.64 s and 1.27 s of CPU (0.33 s of it the kernel's) against 4.25 s and 1.71 s (0.71 s) with
 * buffered writes; curl, which does not hash, took 1.30 s of CPU in the same hour. The last,
 * partial slot is written through the page cache (O_DIRECT wants whole blocks). One write at a
 * time: each extends the file, which ext4 does one by one anyway.
 *
 * Where O_DIRECT is refused at the open (files/direct-io.ts) or a resumed part's size is not a
 * whole number of blocks, each slice is hashed and written at once with a synchronous write of up
 * to 256 KiB: that holds the event loop for well under a millisecond and needs no queue. Also
 * measured, for whoever tries again: buffered writes of 1-4 MiB now and then cost 0.6-2.3 s of
 * system time per GiB where 64-256 KiB writes cost 0.3-0.4 s; buffered writes on the thread pool
 * from a ring of read buffers cost 0.3-0.5 s more CPU per GiB in hand-offs between threads than
 * they saved, as did the hashing thread taken out in 4304371.
 */
import { closeSync, constants, openSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { alignedMemory, DIRECT_BLOCK, openDirectSync, platformHasDirect, writeDirect, writeFully, writeFullySync } from '../files/direct-io.js';

export interface PartFile {
    /** The memory the next read from the connection should go into. */
    readBuffer(): Uint8Array;
    /**
     * Hash `chunk` and write it (or queue it for writing). `chunk` may be reused once this returns.
     * Returns a promise when no more should be read until writes finish (rejected if one fails).
     */
    take(chunk: Uint8Array): Promise<void> | undefined;
    /** Every byte taken is in the file (rejects with a write's failure). */
    finish(): Promise<void>;
    /**
     * Write what was taken (so a resumed download starts after every byte that arrived; after a
     * failed write, nothing more) and close the file.
     */
    close(): Promise<void>;
    /** Why a write failed (a full or failing disk), once one has. */
    readonly failure: Error | undefined;
}

const SLOT_BYTES = 4 << 20;
const SLOTS = 4;
const BUFFERED_READ_BYTES = 256 * 1024;

/**
 * The part file at `path`, for a download that already has `start` bytes there (0: the file starts
 * empty); `hash` has hashed those.
 */
export function openPartFile(path: string, start: number, hash: Hash): PartFile {
    const memory = platformHasDirect && start % DIRECT_BLOCK === 0 ? alignedMemory(SLOT_BYTES * SLOTS) : undefined;
    if (memory) {
        const fd = openDirectSync(path, constants.O_WRONLY | constants.O_CREAT | (start > 0 ? 0 : constants.O_TRUNC), 0o644);
        if (fd !== undefined) return new DirectPartFile(path, fd, start, hash, memory);
    }
    return new BufferedPartFile(path, start, hash);
}

class BufferedPartFile implements PartFile {
    readonly #fd: number;
    readonly #hash: Hash;
    readonly #buffer = Buffer.allocUnsafe(BUFFERED_READ_BYTES);
    #position: number;
    #failure: Error | undefined;
    #open = true;

    constructor(path: string, start: number, hash: Hash) {
        this.#fd = openSync(path, start > 0 ? 'r+' : 'w');
        this.#hash = hash;
        this.#position = start;
    }

    get failure(): Error | undefined {
        return this.#failure;
    }

    readBuffer(): Uint8Array {
        return this.#buffer;
    }

    take(chunk: Uint8Array): undefined {
        if (this.#failure) throw this.#failure;
        this.#hash.update(chunk);
        try {
            writeFullySync(this.#fd, chunk, this.#position);
        } catch (error) {
            this.#failure = error instanceof Error ? error : new Error(String(error));
            throw this.#failure;
        }
        this.#position += chunk.length;
        return undefined;
    }

    finish(): Promise<void> {
        return this.#failure ? Promise.reject(this.#failure) : Promise.resolve();
    }

    close(): Promise<void> {
        if (this.#open) {
            this.#open = false;
            closeSync(this.#fd);
        }
        return Promise.resolve();
    }
}

class DirectPartFile implements PartFile {
    readonly #path: string;
    readonly #fd: number;
    readonly #hash: Hash;
    readonly #slots: Buffer[];
    /** Slots written (or being written) to the file, not to be filled again before that is done. */
    readonly #busy = new Array<boolean>(SLOTS).fill(false);
    /** The slot being filled, and how far. */
    #head = 0;
    #filled = 0;
    /** File offset of the head slot's first byte. */
    #position: number;
    /** Full slots waiting to be written, with their file offsets; the first one is in flight. */
    #queue: Array<{ slot: number; at: number }> = [];
    /** Bytes taken while every slot was busy (a slice from memory of its own larger than the room left). */
    #overflow: Uint8Array[] = [];
    #failure: Error | undefined;
    #open = true;
    #writing = false;
    /** A descriptor without O_DIRECT, once a direct write was refused. */
    #fallback: number | undefined;
    #waiters: Array<{ when: 'room' | 'idle'; resolve: () => void; reject: (error: Error) => void }> = [];

    constructor(path: string, fd: number, start: number, hash: Hash, memory: Uint8Array) {
        this.#path = path;
        this.#fd = fd;
        this.#hash = hash;
        this.#position = start;
        this.#slots = Array.from({ length: SLOTS }, (_, i) => Buffer.from(memory.buffer, memory.byteOffset + i * SLOT_BYTES, SLOT_BYTES));
    }

    get failure(): Error | undefined {
        return this.#failure;
    }

    readBuffer(): Uint8Array {
        return (this.#slots[this.#head] as Buffer).subarray(this.#filled);
    }

    take(chunk: Uint8Array): Promise<void> | undefined {
        if (this.#failure) throw this.#failure;
        if (!this.#open) throw new Error('the part file is closed');
        this.#hash.update(chunk);
        const slot = this.#slots[this.#head] as Buffer;
        if (this.#hasRoom() && chunk.buffer === slot.buffer && chunk.byteOffset === slot.byteOffset + this.#filled) {
            // Read where it belongs: nothing to copy.
            this.#advance(chunk.length);
        } else {
            // A slice of a read that also held the response's framing, or memory not lent by this file:
            // copied into the slots, and what does not fit yet kept until a slot is written.
            const rest = this.#copyIn(chunk);
            if (rest.length > 0) this.#overflow.push(Uint8Array.from(rest));
        }
        return this.#hasRoom() ? undefined : this.#wait('room');
    }

    finish(): Promise<void> {
        if (this.#failure) return Promise.reject(this.#failure);
        this.#drain();
        if (this.#queue.length > 0) return this.#wait('idle').then(() => this.finish());
        // The partial last slot, through the page cache: O_DIRECT writes whole blocks only.
        if (this.#filled > 0) {
            const fd = openSync(this.#path, 'r+');
            try {
                const tail = (this.#slots[this.#head] as Buffer).subarray(0, this.#filled);
                writeFullySync(fd, tail, this.#position);
                this.#position += tail.length;
                this.#filled = 0;
            } catch (error) {
                this.#failure = error instanceof Error ? error : new Error(String(error));
                return Promise.reject(this.#failure);
            } finally {
                closeSync(fd);
            }
        }
        return Promise.resolve();
    }

    async close(): Promise<void> {
        if (!this.#open) return;
        // After a failed write none is in flight: the descriptor is never closed under one.
        await this.finish().catch(() => undefined);
        this.#open = false;
        closeSync(this.#fd);
        if (this.#fallback !== undefined) closeSync(this.#fallback);
    }

    /** `bytes` more of the head slot are filled; a full slot goes to the disk and the next is filled. */
    #advance(bytes: number): void {
        this.#filled += bytes;
        if (this.#filled < SLOT_BYTES) return;
        this.#busy[this.#head] = true;
        this.#queue.push({ slot: this.#head, at: this.#position });
        this.#position += SLOT_BYTES;
        this.#head = (this.#head + 1) % SLOTS;
        this.#filled = 0;
        this.#write();
    }

    /** Copy `chunk` into the slots as far as free ones go; returns what did not fit. */
    #copyIn(chunk: Uint8Array): Uint8Array {
        let rest = chunk;
        while (rest.length > 0 && !this.#busy[this.#head]) {
            const bytes = Math.min(rest.length, SLOT_BYTES - this.#filled);
            // Within the same slot this moves bytes back over framing: `set` copies as memmove does.
            (this.#slots[this.#head] as Buffer).set(rest.subarray(0, bytes), this.#filled);
            rest = rest.subarray(bytes);
            this.#advance(bytes);
        }
        return rest;
    }

    /** Copy bytes kept while every slot was busy into the slots, as far as free ones go. */
    #drain(): void {
        while (this.#overflow.length > 0 && !this.#busy[this.#head]) {
            const rest = this.#copyIn(this.#overflow[0] as Uint8Array);
            if (rest.length === 0) this.#overflow.shift();
            else this.#overflow[0] = rest;
        }
    }

    #hasRoom(): boolean {
        return this.#overflow.length === 0 && !this.#busy[this.#head];
    }

    /** One write at a time, in order. */
    #write(): void {
        const next = this.#queue[0];
        if (!next || this.#writing || this.#failure) return;
        this.#writing = true;
        const slot = this.#slots[next.slot] as Buffer;
        const fallback = this.#fallback;
        const written = fallback === undefined ? writeDirect(this.#fd, slot, next.at) : writeFully(fallback, slot, next.at).then(() => true);
        written.then(
            (done) => {
                this.#writing = false;
                if (!done) {
                    // Refused at the write: the page cache from here on.
                    try {
                        this.#fallback = openSync(this.#path, 'r+');
                    } catch (reopen) {
                        this.#failed(reopen);
                        return;
                    }
                    this.#write();
                    return;
                }
                this.#queue.shift();
                this.#busy[next.slot] = false;
                this.#drain();
                this.#write();
                this.#wake();
            },
            (error: unknown) => {
                this.#writing = false;
                this.#failed(error);
            },
        );
    }

    #failed(error: unknown): void {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
        this.#queue = [];
        this.#wake();
    }

    #wait(when: 'room' | 'idle'): Promise<void> {
        return new Promise((resolve, reject) => this.#waiters.push({ when, resolve, reject }));
    }

    #wake(): void {
        const idle = this.#queue.length === 0;
        const room = this.#hasRoom();
        const waiting = this.#waiters;
        this.#waiters = [];
        for (const waiter of waiting) {
            if (this.#failure) waiter.reject(this.#failure);
            else if (waiter.when === 'idle' ? idle : room) waiter.resolve();
            else this.#waiters.push(waiter);
        }
    }
}
