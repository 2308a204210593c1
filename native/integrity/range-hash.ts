/**
 * The SHA-256 of bytes that pass through one block memory, range by range in the order handed
 * over. When the memory is shared (a SharedArrayBuffer, or a shared WebAssembly memory) the hashing
 * runs on a thread of its own, reading the same bytes: nothing is copied or handed over, one short
 * message per range. The backup archive's thread seals, hashes the plaintext and reads the phone;
 * on two cores this gives the archive's own SHA-256 (about 0.7 s per GiB) to the other core. A
 * push hashes its send buffers on it (../adb/sync-send.ts), and the virtual phone's `sha256sum`
 * runs on it too (../virtual/hash-thread.ts), and reads a stretch of
 * a file there itself when that is what it is handed (a `dd if=FILE` before the pipe).
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';

/** A stretch of a file, hashed where the hash runs: read there, into memory of its own. */
export interface FileSpan {
    readonly path: string;
    readonly start: number;
    /** At most this many bytes: fewer where the file ends first. */
    readonly length: number;
}

/** Reads of a FileSpan, a MiB at a time. */
const SPAN_READ = 1024 * 1024;

export interface RangeHash {
    /** Hash memory[start, end) after every range handed over before; resolves once the range may be reused. */
    update(start: number, end: number): Promise<void>;
    /** Hash each [start, end) pair of `bounds` in order, as one update: one message for many ranges. */
    updateEach(bounds: readonly number[]): Promise<void>;
    /** Hash a stretch of a file after every range handed over before, read by the hash itself. */
    updateFromFile(span: FileSpan): Promise<void>;
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
        return this.updateEach([start, end]);
    }

    updateEach(bounds: readonly number[]): Promise<void> {
        for (let i = 0; i + 1 < bounds.length; i += 2) this.#hash.update(this.#memory.subarray(bounds[i], bounds[i + 1]));
        return Promise.resolve();
    }

    async updateFromFile(span: FileSpan): Promise<void> {
        const handle = await open(span.path, 'r');
        try {
            const buffer = Buffer.allocUnsafe(Math.min(SPAN_READ, span.length));
            for (let at = 0; at < span.length; ) {
                const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, span.length - at), span.start + at);
                if (bytesRead === 0) break;
                this.#hash.update(buffer.subarray(0, bytesRead));
                at += bytesRead;
            }
        } finally {
            await handle.close();
        }
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
const { closeSync, openSync, readSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const memory = new Uint8Array(workerData.memory);
let spanBuffer;
function hashSpan(span) {
    spanBuffer ??= Buffer.allocUnsafe(workerData.spanRead);
    const fd = openSync(span.path, 'r');
    try {
        for (let at = 0; at < span.length; ) {
            const read = readSync(fd, spanBuffer, 0, Math.min(spanBuffer.length, span.length - at), span.start + at);
            if (read === 0) break;
            hash.update(spanBuffer.subarray(0, read));
            at += read;
        }
    } finally {
        closeSync(fd);
    }
}
parentPort.on('message', (range) => {
    if (range === null) return parentPort.postMessage({ digest: hash.digest('hex') });
    if (Array.isArray(range)) {
        for (let i = 0; i + 1 < range.length; i += 2) hash.update(memory.subarray(range[i], range[i + 1]));
        return parentPort.postMessage({});
    }
    try {
        hashSpan(range);
        parentPort.postMessage({});
    } catch (error) {
        parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
});
`;

class ThreadRangeHash implements RangeHash {
    readonly #worker: Worker;
    /** Settles the oldest update first: the thread answers in the order it was asked. */
    readonly #waiting: { resolve: (digest: string) => void; reject: (error: unknown) => void }[] = [];
    #failure: unknown;
    #closed = false;

    constructor(memory: SharedArrayBuffer) {
        this.#worker = new Worker(SOURCE, { eval: true, workerData: { memory, spanRead: SPAN_READ } });
        this.#worker.on('message', (answer: { digest?: string; error?: string }) => {
            const waiting = this.#waiting.shift();
            if (answer.error === undefined) waiting?.resolve(answer.digest ?? '');
            else waiting?.reject(new Error(answer.error));
        });
        this.#worker.once('error', (error) => this.#fail(error));
        this.#worker.once('exit', (code) => {
            if (!this.#closed) this.#fail(new Error(`the hash thread ended (${code})`));
        });
    }

    #fail(error: unknown): void {
        this.#failure ??= error;
        for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
    }

    #ask(message: readonly number[] | FileSpan | null): Promise<string> {
        if (this.#failure !== undefined) return Promise.reject(this.#failure);
        return new Promise<string>((resolve, reject) => {
            this.#waiting.push({ resolve, reject });
            this.#worker.postMessage(message);
        });
    }

    async update(start: number, end: number): Promise<void> {
        await this.#ask([start, end]);
    }

    async updateEach(bounds: readonly number[]): Promise<void> {
        await this.#ask(bounds);
    }

    async updateFromFile(span: FileSpan): Promise<void> {
        await this.#ask({ path: span.path, start: span.start, length: span.length });
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
