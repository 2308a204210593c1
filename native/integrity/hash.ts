/** Streaming SHA-256 of regular files only: one read per file, progress in bytes, abortable between chunks. */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';

export interface FileDigest {
    readonly path: string;
    readonly sizeBytes: number;
    readonly sha256: string;
}

const CHUNK = 1 << 20;

export async function hashFile(path: string, ctx: JobContext = {}, step = `verify:${basename(path)}`): Promise<FileDigest> {
    const handle = await openRegularFile(path);
    const hash = createHash('sha256');
    let done = 0;
    try {
        const sizeBytes = (await handle.stat()).size;
        ctx.onProgress?.({ step, bytesDone: 0, bytesTotal: sizeBytes, cancellable: true });
        const buffer = Buffer.allocUnsafe(CHUNK);
        // Reads stop at the size the file had when opened: a file that grows cannot keep us here.
        while (done < sizeBytes) {
            ctx.signal?.throwIfAborted();
            const { bytesRead } = await handle.read(buffer, 0, Math.min(CHUNK, sizeBytes - done), done);
            if (bytesRead === 0) break;
            hash.update(buffer.subarray(0, bytesRead));
            done += bytesRead;
            ctx.onProgress?.({ step, bytesDone: done, bytesTotal: sizeBytes, cancellable: true });
        }
    } finally {
        await handle.close();
    }
    return { path, sizeBytes: done, sha256: hash.digest('hex') };
}

/**
 * Open a file for reading only when it is a regular file: a device (/dev/zero), a pipe or a folder
 * is refused before it is read (checked before opening, so a pipe cannot block, and again on the
 * opened handle, so nothing can be swapped in between).
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
    let before;
    try {
        before = await stat(path);
    } catch (error) {
        throw ReviveError.of('file-missing', { file: path, variant: 'file' }, { cause: error });
    }
    const notAFile = (): ReviveError =>
        ReviveError.of('not-a-file', { file: path });
    if (!before.isFile()) throw notAFile();
    const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const after = await handle.stat();
    if (!after.isFile() || after.ino !== before.ino || after.dev !== before.dev) {
        await handle.close();
        throw notAFile();
    }
    return handle;
}

export function hashBytes(data: Uint8Array): string {
    return createHash('sha256').update(data).digest('hex');
}

/** A file changed this recently may change again within its file system's timestamp granularity unseen. */
const SETTLED_MS = 2000;
const SHARED_MAX = 32;
const shared = new Map<string, Promise<FileDigest>>();

/** Resolve with `promise`, or reject as soon as `signal` aborts (the promise runs on for whoever else waits). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return promise;
    signal.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
        const abort = (): void => reject(signal.reason);
        signal.addEventListener('abort', abort, { once: true });
        promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
    });
}

/**
 * The SHA-256 of a file that several jobs of this process check: the counter checks one ROM for
 * every phone, each job twice (before it starts and again just before sending), and one hash serves
 * them all while the file is the same on disk — same device, inode, size, and modification and change
 * times to the nanosecond (any write moves the change time). A hash under way is shared too, so jobs
 * started together read the file once. A file changed in the last two seconds is hashed every time.
 */
export async function hashFileShared(path: string, ctx: JobContext = {}, step = `verify:${basename(path)}`): Promise<FileDigest> {
    let info;
    try {
        info = await stat(path, { bigint: true });
    } catch {
        return hashFile(path, ctx, step);
    }
    if (!info.isFile() || Date.now() - Number(info.ctimeNs / 1_000_000n) < SETTLED_MS) return hashFile(path, ctx, step);
    const key = `${path}\0${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    const known = shared.get(key);
    if (known) {
        try {
            const digest = await untilAborted(known, ctx.signal);
            ctx.onProgress?.({ step, bytesDone: digest.sizeBytes, bytesTotal: digest.sizeBytes, cancellable: true });
            return digest;
        } catch {
            // Whoever started that hash was stopped; this job hashes for itself unless it was stopped too.
            ctx.signal?.throwIfAborted();
            if (shared.get(key) === known) shared.delete(key);
        }
    }
    const digest = hashFile(path, ctx, step);
    shared.set(key, digest);
    digest.catch(() => shared.get(key) === digest && shared.delete(key));
    if (shared.size > SHARED_MAX) shared.delete(shared.keys().next().value ?? '');
    return digest;
}
