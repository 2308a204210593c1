/**
 * The SHA-256 of bytes that pass through one block memory, range by range in the order handed
 * over. When the memory is shared (a SharedArrayBuffer, or a shared WebAssembly memory) the hashing
 * runs on a thread of its own, reading the same bytes: nothing is copied or handed over, one short
 * message per range. The backup archive's thread seals, hashes the plaintext and reads the phone;
 * on two cores this gives the archive's own SHA-256 (about 0.7 s per GiB) to the other core. The
 * virtual phone's `sha256sum` runs on it too (../virtual/hash-thread.ts).
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface RangeHash {
    /** Hash memory[start, end) after every range handed over before; resolves once the range may be reused. */
    update(start: number, end: number): Promise<void>;
    /** The SHA-256 of every range, in hex; call once, after the last update. */
    digest(): Promise<string>;
    close(): Promise<void>;
}

class InlineRangeHash implements RangeHash {
    readonly #memory: Uint8Array;
    readonly #hash = createHash('sha256');

    constructor(memory: Uint8Array) {
        this.#memory = memory;
    }

    update(start: number, end: number): Promise<void> {
        this.#hash.update(this.#memory.subarray(start, end));
        return Promise.resolve();
    }

    digest(): Promise<string> {
        return Promise.resolve(this.#hash.digest('hex'));
    }

    close(): Promise<void> {
        return Promise.resolve();
    }
}

/** The thread: plain JavaScript, as a worker cannot load Revive's TypeScript modules when it runs from source. */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const memory = new Uint8Array(workerData);
parentPort.on('message', (range) => {
    if (range === null) return parentPort.postMessage({ digest: hash.digest('hex') });
    hash.update(memory.subarray(range[0], range[1]));
    parentPort.postMessage({});
});
`;

class ThreadRangeHash implements RangeHash {
    readonly #worker: Worker;
    /** Settles the oldest update first: the thread answers in the order it was asked. */
    readonly #waiting: { resolve: (digest: string) => void; reject: (error: unknown) => void }[] = [];
    #failure: unknown;
    #closed = false;

    constructor(memory: SharedArrayBuffer) {
        this.#worker = new Worker(SOURCE, { eval: true, workerData: memory });
        this.#worker.on('message', (answer: { digest?: string }) => this.#waiting.shift()?.resolve(answer.digest ?? ''));
        this.#worker.once('error', (error) => this.#fail(error));
        this.#worker.once('exit', (code) => {
            if (!this.#closed) this.#fail(new Error(`the hash thread ended (${code})`));
        });
    }

    #fail(error: unknown): void {
        this.#failure ??= error;
        for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
    }

    #ask(message: [number, number] | null): Promise<string> {
        if (this.#failure !== undefined) return Promise.reject(this.#failure);
        return new Promise<string>((resolve, reject) => {
            this.#waiting.push({ resolve, reject });
            this.#worker.postMessage(message);
        });
    }

    async update(start: number, end: number): Promise<void> {
        await this.#ask([start, end]);
    }

    digest(): Promise<string> {
        return this.#ask(null);
    }

    async close(): Promise<void> {
        this.#closed = true;
        await this.#worker.terminate();
    }
}

/** On a thread when `memory` is shared, else in line. */
export function rangeHash(memory: Uint8Array): RangeHash {
    return memory.buffer instanceof SharedArrayBuffer ? new ThreadRangeHash(memory.buffer) : new InlineRangeHash(memory);
}
