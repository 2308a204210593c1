/**
 * The archive's bytes on their way to the disk, on a thread of their own: the plaintext (the tar
 * stream) is sealed there (age's STREAM), hashed as written (the archive's own SHA-256, so nobody
 * reads 2 GiB back to learn it), written in large writev batches and synced in the background, so
 * the fsync before the file is named waits only for the last stretch. The thread that reads the
 * phone keeps the other core: a backup is then as fast as the slower of the two halves, not their
 * sum. Plaintext moves in batches whose buffers are handed over and back, never cloned.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { AgeFileStart } from './age/index.js';
import { CHUNK_SIZE, TAG_SIZE } from './age/stream.js';

/** Plaintext bytes per hand-over to the thread. */
const BATCH = 1 << 20;
/** Batches on their way before the producer waits: bounds memory (and how far it runs ahead). */
const IN_FLIGHT = 8;
/** Sealed bytes gathered for one writev. */
const WRITE_BATCH = 4 << 20;
/** Bytes written between background syncs. */
const SYNC_EVERY = 64 << 20;

/**
 * The thread. Plain JavaScript, because a worker cannot load Revive's TypeScript modules when it
 * runs from source; the sealing is age/stream.ts's StreamSealer (a chunk is sealed once more bytes
 * show it is not the last; nonce = 11-byte big-endian counter || last flag), and the archive tests
 * open what it writes with that module's opener and with Debian's age. Writes run on libuv's
 * threads while this one seals the next batch.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createCipheriv, createHash } = require('node:crypto');
const fs = require('node:fs');
const { fd, header, payloadKey, chunkSize, tagSize, writeBatch, syncEvery } = workerData;
const key = Buffer.from(payloadKey);
const hash = createHash('sha256');
const held = Buffer.allocUnsafe(chunkSize);
const nonce = Buffer.alloc(12);
let heldBytes = 0;
let counter = 0n;
let sealed = [];
let sealedBytes = 0;
// Batches whose bytes are sealed but not yet written: handed back once they are, which bounds
// how far the sender runs ahead of the disk.
let unwritten = [];
let writing = false;
let written = 0;
let unsynced = 0;
let syncing = false;
let ending = false;
let failed = false;

function fail(error) {
    if (failed) return;
    failed = true;
    parentPort.postMessage({ t: 'failed', code: error && error.code, message: error && error.message ? error.message : String(error) });
}
function queue(buffer) {
    hash.update(buffer);
    sealed.push(buffer);
    sealedBytes += buffer.length;
}
function seal(plain, last) {
    nonce.writeBigUInt64BE(counter++, 3);
    nonce[11] = last ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: tagSize });
    queue(cipher.update(plain));
    cipher.final();
    queue(cipher.getAuthTag());
}
// A full chunk is sealed once a byte after it shows it is not the last; the one chunk that ends
// a batch waits in 'held' (the only copy) for the next batch or the end.
function take(plain) {
    let offset = 0;
    if (heldBytes > 0) {
        if (heldBytes === chunkSize) {
            seal(held, false);
            heldBytes = 0;
        } else {
            const use = Math.min(chunkSize - heldBytes, plain.length);
            held.set(plain.subarray(0, use), heldBytes);
            heldBytes += use;
            offset = use;
            if (heldBytes === chunkSize && offset < plain.length) {
                seal(held, false);
                heldBytes = 0;
            }
        }
    }
    while (plain.length - offset > chunkSize) {
        seal(plain.subarray(offset, offset + chunkSize), false);
        offset += chunkSize;
    }
    if (offset < plain.length) {
        held.set(plain.subarray(offset), heldBytes);
        heldBytes += plain.length - offset;
    }
}
function startWrite() {
    if (writing || failed || sealedBytes === 0) return;
    writing = true;
    const buffers = sealed;
    const bytes = sealedBytes;
    const done = unwritten;
    sealed = [];
    sealedBytes = 0;
    unwritten = [];
    writeAll(buffers, bytes, (error) => {
        writing = false;
        if (error) return fail(error);
        written += bytes;
        unsynced += bytes;
        for (const buffer of done) parentPort.postMessage({ t: 'free', buffer }, [buffer]);
        if (unsynced >= syncEvery && !syncing) {
            unsynced = 0;
            syncing = true;
            fs.fdatasync(fd, (syncError) => {
                syncing = false;
                if (syncError) fail(syncError);
                else if (ending) finish();
            });
        }
        if (sealedBytes >= writeBatch || ending) startWrite();
        if (ending) finish();
    });
}
function writeAll(buffers, left, callback) {
    fs.writev(fd, buffers, (error, done) => {
        if (error) return callback(error);
        if (done === 0) return callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
        if (done === left) return callback();
        // A short write (a disk filling up): the rest goes again, and that write says why it cannot.
        let rest = buffers;
        let skip = done;
        while (skip >= rest[0].length) {
            skip -= rest[0].length;
            rest = rest.slice(1);
        }
        writeAll([rest[0].subarray(skip), ...rest.slice(1)], left - done, callback);
    });
}
function finish() {
    if (failed || syncing || writing || sealedBytes > 0) return;
    fs.fsyncSync(fd);
    parentPort.postMessage({ t: 'done', sizeBytes: written, sha256: hash.digest('hex') });
}
parentPort.on('message', (message) => {
    try {
        if (message.t === 'data') {
            if (failed) return parentPort.postMessage({ t: 'free', buffer: message.buffer }, [message.buffer]);
            take(new Uint8Array(message.buffer, 0, message.length));
            unwritten.push(message.buffer);
            if (sealedBytes >= writeBatch) startWrite();
        } else if (message.t === 'end' && !failed) {
            seal(held.subarray(0, heldBytes), true);
            ending = true;
            startWrite();
            finish();
        }
    } catch (error) {
        fail(error);
    }
});
queue(Buffer.from(header));
`;

type ThreadMessage = { t: 'free'; buffer: ArrayBuffer } | { t: 'done'; sizeBytes: number; sha256: string } | { t: 'failed'; code?: string; message: string };

export interface WrittenFile {
    readonly sizeBytes: number;
    readonly sha256: string;
}

export class ArchiveFile {
    readonly #handle: FileHandle;
    readonly #worker: Worker;
    readonly #onFailure: (error: unknown) => void;
    readonly #free: ArrayBuffer[] = [];
    readonly #written: Promise<WrittenFile>;
    #current: Uint8Array | undefined;
    #filled = 0;
    #inFlight = 0;
    #wake: (() => void) | undefined;
    #failure: unknown;
    #closed = false;

    private constructor(handle: FileHandle, start: AgeFileStart, onFailure: (error: unknown) => void) {
        this.#handle = handle;
        this.#onFailure = onFailure;
        this.#worker = new Worker(SOURCE, {
            eval: true,
            workerData: { fd: handle.fd, header: start.header, payloadKey: start.payloadKey, chunkSize: CHUNK_SIZE, tagSize: TAG_SIZE, writeBatch: WRITE_BATCH, syncEvery: SYNC_EVERY },
        });
        this.#written = new Promise<WrittenFile>((resolve, reject) => {
            this.#worker.on('message', (message: ThreadMessage) => {
                if (message.t === 'free') {
                    this.#inFlight--;
                    if (this.#free.length < IN_FLIGHT) this.#free.push(message.buffer);
                    this.#wake?.();
                } else if (message.t === 'done') {
                    resolve({ sizeBytes: message.sizeBytes, sha256: message.sha256 });
                } else {
                    const error = Object.assign(new Error(message.message), { code: message.code });
                    this.#fail(error);
                    reject(error);
                }
            });
            this.#worker.once('error', (error) => {
                this.#fail(error);
                reject(error);
            });
            this.#worker.once('exit', (code) => {
                const error = new Error(`the archive thread ended (${code})`);
                if (!this.#closed) this.#fail(error);
                reject(error);
            });
        });
        this.#written.catch(() => undefined);
    }

    /** A new file (never an existing one), mode 0600, starting with `start.header`; `onFailure` hears of the first failed write or sync. */
    static async create(path: string, start: AgeFileStart, onFailure: (error: unknown) => void): Promise<ArchiveFile> {
        return new ArchiveFile(await open(path, 'wx', 0o600), start, onFailure);
    }

    #fail(error: unknown): void {
        if (this.#failure !== undefined) return;
        this.#failure = error;
        this.#wake?.();
        this.#onFailure(error);
    }

    #send(): void {
        const current = this.#current;
        if (!current || this.#filled === 0) return;
        this.#inFlight++;
        this.#worker.postMessage({ t: 'data', buffer: current.buffer, length: this.#filled }, [current.buffer as ArrayBuffer]);
        this.#current = undefined;
        this.#filled = 0;
    }

    /** Plaintext for the archive; copied, so the caller may reuse `data`. Dropped once a write failed. */
    push(data: Uint8Array): void {
        if (this.#failure !== undefined) return;
        let offset = 0;
        while (offset < data.length) {
            // Never waits: the producer waits in `room` before it pushes more.
            this.#current ??= new Uint8Array(this.#free.pop() ?? new ArrayBuffer(BATCH));
            const take = Math.min(BATCH - this.#filled, data.length - offset);
            this.#current.set(data.subarray(offset, offset + take), this.#filled);
            this.#filled += take;
            offset += take;
            if (this.#filled === BATCH) this.#send();
        }
    }

    /** True while so much is on its way that the producer should wait for `room`. */
    get backlogged(): boolean {
        return this.#inFlight >= IN_FLIGHT && this.#failure === undefined;
    }

    /** Resolves once a batch can be handed over; rejects with the failure of a write. */
    async room(): Promise<void> {
        while (this.backlogged) await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        if (this.#failure !== undefined) throw this.#failure;
    }

    /** Seal the end, write what is left, wait until it is on the disk, close. */
    async finish(): Promise<WrittenFile> {
        if (this.#failure !== undefined) throw this.#failure;
        this.#send();
        this.#worker.postMessage({ t: 'end' });
        const written = await this.#written;
        this.#closed = true;
        await this.#worker.terminate();
        await this.#handle.close();
        return written;
    }

    /** Stop the thread and close the file; the caller removes it. Safe after `finish` failed. */
    async close(): Promise<void> {
        this.#closed = true;
        await this.#worker.terminate();
        await this.#handle.close().catch(() => undefined);
    }
}
