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
