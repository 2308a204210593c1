/**
 * Recovery sideload, host side (`sideload-host:SIZE:BLOCKSIZE`): the phone asks for 64 KiB blocks
 * by 8-digit index, in any order and possibly twice; each is read from disk at its offset (never
 * the whole file in memory). `DONEDONE` ends it; `FAILFAIL` means recovery refused the package.
 * Before the phone is touched, the package must be a complete zip (end-of-central-directory found,
 * yauzl opens it) with an update-binary.
 */
import { logNote } from '../jobs/log-note.js';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Adb } from '@yume-chan/adb';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { inspectZip } from '../integrity/zip-inspect.js';

export const SIDELOAD_BLOCK_SIZE = 64 * 1024;
const EOCD_SIGNATURE = 0x06054b50;

/** The zip's end-of-central-directory record must be in its last 64 KiB + 22 bytes. */
async function hasEndOfCentralDirectory(path: string, size: number): Promise<boolean> {
    const tail = Math.min(size, 65_535 + 22);
    if (tail < 22) return false;
    const handle = await open(path, 'r');
    try {
        const buffer = Buffer.alloc(tail);
        await handle.read(buffer, 0, tail, size - tail);
        for (let i = tail - 22; i >= 0; i--) if (buffer.readUInt32LE(i) === EOCD_SIGNATURE) return true;
        return false;
    } finally {
        await handle.close();
    }
}

/** Refuse anything recovery would refuse for being broken; returns the package size. */
export async function checkSideloadPackage(zipPath: string): Promise<{ size: number }> {
    const name = basename(zipPath);
    const size = await stat(zipPath).then((s) => s.size, () => -1);
    if (size < 0) {
        throw ReviveError.of('file-enoent', { file: zipPath });
    }
    if (!(await hasEndOfCentralDirectory(zipPath, size))) {
        throw ReviveError.of('sideload-not-zip', { file: name, path: zipPath, size });
    }
    const facts = await inspectZip(zipPath);
    if (!facts.hasUpdateBinary) {
        throw ReviveError.of('sideload-not-flashable', { file: name, path: zipPath });
    }
    return { size };
}

export type SideloadOutcome = 'done' | 'failed';

export interface SideloadTimeouts {
    /** Longest silence while the phone still has blocks to ask for. */
    readonly stallMs?: number;
    /** Longest wait for recovery's verdict once every block was sent (it verifies and installs). */
    readonly installMs?: number;
}

const DEFAULT_STALL_MS = 60_000;
const DEFAULT_INSTALL_MS = 20 * 60_000;

/**
 * `work`, unless the signal fires or `ms` pass first. The timer keeps the process alive while it
 * waits: a phone that goes silent ends in a clear error, never in a process with nothing left to do.
 */
function within<T>(work: Promise<T>, ms: number, signal: AbortSignal | undefined, onTimeout: () => Error, onAbort: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const done = (): void => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', abort);
        };
        const abort = (): void => {
            done();
            reject(onAbort());
        };
        const timer = setTimeout(() => {
            done();
            reject(onTimeout());
        }, ms);
        if (signal?.aborted) return abort();
        signal?.addEventListener('abort', abort, { once: true });
        work.then(
            (value) => {
                done();
                resolve(value);
            },
            (error: unknown) => {
                done();
                reject(error instanceof Error ? error : new Error(String(error)));
            },
        );
    });
}

class ExactReader {
    readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
    #pending = new Uint8Array(0);

    constructor(stream: ReadableStream<Uint8Array>) {
        this.#reader = stream.getReader();
    }

    /** Exactly n bytes, or undefined if the stream ended first. */
    async read(n: number): Promise<Uint8Array | undefined> {
        while (this.#pending.length < n) {
            const { value, done } = await this.#reader.read();
            if (done) return undefined;
            const joined = new Uint8Array(this.#pending.length + value.length);
            joined.set(this.#pending, 0);
            joined.set(value, this.#pending.length);
            this.#pending = joined;
        }
        const out = this.#pending.subarray(0, n);
        this.#pending = this.#pending.subarray(n);
        return out;
    }

    release(): void {
        this.#reader.releaseLock();
    }
}

/**
 * Serve one sideload to a phone in sideload mode. Resolves 'done' (DONEDONE) or 'failed' (FAILFAIL);
 * throws a ReviveError when the connection ends without either (unplug, reboot).
 */
export async function serveSideload(adb: Adb, zipPath: string, size: number, ctx: JobContext = {}, timeouts: SideloadTimeouts = {}): Promise<SideloadOutcome> {
    const name = basename(zipPath);
    const blocks = Math.ceil(size / SIDELOAD_BLOCK_SIZE);
    const step = `sideload:${name}`;
    const stallMs = timeouts.stallMs ?? DEFAULT_STALL_MS;
    const installMs = timeouts.installMs ?? DEFAULT_INSTALL_MS;
    const socket = await adb.createSocket(`sideload-host:${size}:${SIDELOAD_BLOCK_SIZE}`);
    const reader = new ExactReader(socket.readable as unknown as ReadableStream<Uint8Array>);
    const writer = socket.writable.getWriter();
    const handle = await open(zipPath, 'r');
    const served = new Set<number>();
    let sentBytes = 0;
    let receivedBytes = 0;
    const report = (): void => ctx.onProgress?.({ step, bytesDone: receivedBytes, bytesSent: sentBytes, bytesTotal: size, toPhone: true, cancellable: false });
    const allSent = (): boolean => served.size >= blocks;
    const cancelled = (): ReviveError =>
        allSent()
            ? ReviveError.of('cancelled', { variant: 'sideload-installing', what: name })
            : ReviveError.of('cancelled', { variant: 'sideload', what: name, blocksSent: served.size, blocksTotal: blocks });
    const stalled = (): ReviveError =>
        allSent()
            ? ReviveError.of('sideload-no-verdict', { file: name, path: zipPath, blocksSent: served.size, blocksTotal: blocks, minutes: Math.round(installMs / 60_000) })
            : ReviveError.of('sideload-stalled', { file: name, path: zipPath, blocksSent: served.size, blocksTotal: blocks, seconds: Math.round(stallMs / 1000) });
    const wait = <T>(work: Promise<T>): Promise<T> => within(work, allSent() ? installMs : stallMs, ctx.signal, stalled, cancelled);
    try {
        for (;;) {
            const request = await wait(reader.read(8));
            if (!request) {
                throw ReviveError.of('sideload-interrupted', { file: name, path: zipPath, blocksSent: served.size, blocksTotal: blocks });
            }
            const text = new TextDecoder().decode(request);
            // Recovery reads a block before it asks for another: every block served before this
            // request is on the phone now (the one just written may still be on its way).
            receivedBytes = sentBytes;
            report();
            if (text === 'DONEDONE') return 'done';
            if (text === 'FAILFAIL') return 'failed';
            if (!/^\d{8}$/.test(text)) throw ReviveError.of('sideload-protocol', { variant: 'request', request: text, file: name });
            const index = Number(text);
            const offset = index * SIDELOAD_BLOCK_SIZE;
            if (offset >= size) throw ReviveError.of('sideload-protocol', { variant: 'past-end', block: index, file: name });
            const length = Math.min(SIDELOAD_BLOCK_SIZE, size - offset);
            const block = new Uint8Array(length);
            await handle.read(block, 0, length, offset);
            await wait(writer.write(block));
            const wasAllSent = allSent();
            if (!served.has(index)) sentBytes += length;
            served.add(index);
            report();
            if (!wasAllSent && allSent()) logNote(ctx, 'sideload-all-sent', { file: name, minutes: Math.round(installMs / 60_000) });
        }
    } catch (error) {
        if (error instanceof ReviveError) throw error;
        throw ReviveError.of('sideload-interrupted', { file: name, path: zipPath, blocksSent: served.size, blocksTotal: blocks }, { cause: error });
    } finally {
        await handle.close();
        // After an unplug these throw too, and a silent phone may never confirm the close: the
        // error that matters is already on its way.
        try {
            writer.releaseLock();
            reader.release();
        } catch {
            // nothing more to release
        }
        await within(Promise.resolve(socket.close()), 2000, undefined, () => new Error('close timed out'), () => new Error('aborted')).catch(() => undefined);
    }
}
