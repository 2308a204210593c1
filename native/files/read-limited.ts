/**
 * Reading files a person named, or files lying next to them: only regular files, only up to a size
 * the caller expects. A link to `/dev/zero`, a FIFO, a folder or a multi-gigabyte "checksum file"
 * ends in a clear error naming the file instead of a hang or an out-of-memory abort.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { ReviveError } from '../jobs/errors.js';

export interface FileLimit {
    /** What the file is for, in words ("PIT file", "checksum file"): the message names it. */
    readonly what: string;
    /** Larger files are refused unread. */
    readonly maxBytes: number;
}

// O_NONBLOCK: opening a FIFO must not wait for a writer; it has no effect on regular files.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kind(info: Stats): string {
    if (info.isDirectory()) return 'a folder';
    if (info.isCharacterDevice()) return 'a character device';
    if (info.isBlockDevice()) return 'a block device';
    if (info.isFIFO()) return 'a named pipe';
    if (info.isSocket()) return 'a socket';
    return 'not a regular file';
}

function unreadable(path: string, what: string, error: unknown): ReviveError {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission was denied' : (error as Error).message;
    return new ReviveError(
        { code: 'file-unreadable', message: `Cannot read the ${what} ${path}: ${why}.`, nextStep: 'Check the file name and that the file is still there.', details: { file: path } },
        { cause: error },
    );
}

/** Refuse anything that is not a regular file (devices, pipes, folders), naming the file. */
export function checkRegularFile(path: string, what: string, info: Stats): void {
    if (info.isFile()) return;
    throw new ReviveError({
        code: 'file-not-regular',
        message: `The ${what} ${path} is ${kind(info)}, not a regular file; Revive reads only regular files.`,
        nextStep: 'Name the file itself (a downloaded file on this computer), not a device, pipe or folder.',
        details: { file: path },
    });
}

function checkSize(path: string, limit: FileLimit, size: number): void {
    if (size <= limit.maxBytes) return;
    throw new ReviveError({
        code: 'file-too-large',
        message: `The ${limit.what} ${path} is ${size} bytes; a ${limit.what} is at most ${limit.maxBytes} bytes, so this is not one.`,
        nextStep: `Check that you named the right ${limit.what}.`,
        details: { file: path, size, maxBytes: limit.maxBytes },
    });
}

function grew(path: string, what: string): ReviveError {
    return new ReviveError({
        code: 'file-changed',
        message: `The ${what} ${path} grew while Revive was reading it.`,
        nextStep: 'Wait until the file is completely downloaded or copied, then try again.',
        details: { file: path },
    });
}

/** Open a regular file for reading (a FIFO or device is refused before anything is read). */
export async function openRegularFile(path: string, what: string): Promise<{ handle: FileHandle; size: number }> {
    let handle: FileHandle;
    try {
        handle = await open(path, OPEN_FLAGS);
    } catch (error) {
        throw unreadable(path, what, error);
    }
    try {
        const info = await handle.stat();
        checkRegularFile(path, what, info);
        return { handle, size: info.size };
    } catch (error) {
        await handle.close();
        throw error;
    }
}

/** The whole file, when it is a regular file of at most `limit.maxBytes` bytes. */
export async function readLimitedFile(path: string, limit: FileLimit): Promise<Uint8Array> {
    const { handle, size } = await openRegularFile(path, limit.what);
    try {
        checkSize(path, limit, size);
        // Read one byte past the size seen, so a file growing under us is noticed, not read forever.
        const data = new Uint8Array(size + 1);
        let got = 0;
        for (;;) {
            const { bytesRead } = await handle.read(data, got, data.length - got, got);
            if (bytesRead === 0) break;
            got += bytesRead;
            if (got > size) throw grew(path, limit.what);
        }
        return data.subarray(0, got);
    } finally {
        await handle.close();
    }
}

export async function readLimitedText(path: string, limit: FileLimit): Promise<string> {
    return Buffer.from(await readLimitedFile(path, limit)).toString('utf8');
}

/** Synchronous twin of readLimitedText, for the few places that load at start-up. */
export function readLimitedTextSync(path: string, limit: FileLimit): string {
    let fd: number;
    try {
        fd = openSync(path, OPEN_FLAGS);
    } catch (error) {
        throw unreadable(path, limit.what, error);
    }
    try {
        const info = fstatSync(fd);
        checkRegularFile(path, limit.what, info);
        checkSize(path, limit, info.size);
        const data = Buffer.alloc(info.size + 1);
        let got = 0;
        for (;;) {
            const bytesRead = readSync(fd, data, got, data.length - got, got);
            if (bytesRead === 0) break;
            got += bytesRead;
            if (got > info.size) throw grew(path, limit.what);
        }
        return data.subarray(0, got).toString('utf8');
    } finally {
        closeSync(fd);
    }
}
