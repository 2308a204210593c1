/**
 * The SHA-256 of a file while it is being written, on a thread of its own that reads it from the
 * page cache just behind the writer. Hashed in line, a download's 0.7 s of CPU per GiB for SHA-256
 * took turns with receiving and writing on one thread; here they run on two cores, the writer's
 * only extra work is one shared counter per write, and what is hashed is what is on disk. A
 * resumed download's first part is hashed the same way, while the rest arrives.
 */
import { Worker } from 'node:worker_threads';

// Shared state (BigInt64Array, read and written atomically): bytes in the file, how it ended.
const WRITTEN = 0;
const ENDED = 1;
// ENDED values.
const OPEN = 0n;
const CLOSED = 1n;
const ABANDONED = 2n;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { path, shared, signal } = workerData;
const state = new BigInt64Array(shared);
// A counter bumped after every change to state, so the thread never sleeps through one.
const wake = new Int32Array(signal);
const hash = createHash('sha256');
const buffer = Buffer.allocUnsafe(1 << 20);
let fd;
let hashed = 0;
try {
    for (;;) {
        const seen = Atomics.load(wake, 0);
        const written = Number(Atomics.load(state, ${WRITTEN}));
        const ended = Atomics.load(state, ${ENDED});
        if (ended === ${ABANDONED}n) break;
        if (hashed < written) {
            fd ??= openSync(path, 'r');
            const got = readSync(fd, buffer, 0, Math.min(buffer.length, written - hashed), hashed);
            if (got === 0) throw new Error(path + ' is shorter than the ' + written + ' bytes written to it');
            hash.update(buffer.subarray(0, got));
            hashed += got;
        } else if (ended === ${CLOSED}n) {
            parentPort.postMessage({ digest: hash.digest('hex'), bytes: hashed });
            break;
        } else {
            Atomics.wait(wake, 0, seen);
        }
    }
} catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
} finally {
    if (fd !== undefined) closeSync(fd);
}
`;

export class FileSha256Thread {
    readonly #worker: Worker;
    readonly #state = new BigInt64Array(new SharedArrayBuffer(2 * 8));
    #written: number;
    readonly #wake = new Int32Array(new SharedArrayBuffer(4));
    readonly #result: Promise<string>;

    /** `bytes`: how much of the file at `path` is there already, to be hashed first (a resumed download). */
    constructor(path: string, bytes = 0) {
        this.#written = bytes;
        this.#state[WRITTEN] = BigInt(bytes);
        this.#worker = new Worker(SOURCE, { eval: true, workerData: { path, shared: this.#state.buffer, signal: this.#wake.buffer } });
        this.#result = new Promise<string>((resolve, reject) => {
            this.#worker.once('message', (message: { digest?: string; bytes?: number; error?: string }) => {
                if (message.digest !== undefined && message.bytes === this.#written) resolve(message.digest);
                else reject(new Error(`the file's SHA-256 could not be computed: ${message.error ?? `${message.bytes ?? 0} bytes hashed, ${this.#written} written`}`));
            });
            this.#worker.once('error', reject);
            this.#worker.once('exit', (code) => reject(new Error(`the hashing thread ended (${code})`)));
        });
        // Awaited by digest(); a download abandoned before that must leave no stray rejection.
        this.#result.catch(() => undefined);
    }

    /** `bytes` more were written to the end of the file (and the write has returned). */
    grew(bytes: number): void {
        this.#written += bytes;
        Atomics.store(this.#state, WRITTEN, BigInt(this.#written));
        this.#signal();
    }

    /** The SHA-256 of every byte the file was said to hold, once the thread has read them all. */
    async digest(): Promise<string> {
        if (Atomics.compareExchange(this.#state, ENDED, OPEN, CLOSED) !== OPEN) throw new Error('the hashing thread was abandoned');
        this.#signal();
        try {
            return await this.#result;
        } finally {
            void this.#worker.terminate();
        }
    }

    /** Stop without a result (the download failed, was cancelled, or starts over). */
    abandon(): void {
        Atomics.compareExchange(this.#state, ENDED, OPEN, ABANDONED);
        this.#signal();
        void this.#worker.terminate();
    }

    #signal(): void {
        Atomics.add(this.#wake, 0, 1);
        Atomics.notify(this.#wake, 0);
    }
}
