/**
 * Reading files a person named, or files lying next to them: only regular files, only up to a size
 * the caller expects. A link to `/dev/zero`, a FIFO, a folder or a multi-gigabyte "checksum file"
 * ends in a clear error naming the file instead of a hang or an out-of-memory abort.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

/** What a file is for; the message names it in the person's language (`errorFacts.fileKinds`). */
export type FileKind =
    | 'image' | 'firmware' | 'checksum-list' | 'download-record' | 'recipe' | 'pit'
    | 'twrp-backup-file' | 'twrp-digest' | 'age-identity' | 'passphrase' | 'twrp-password'
    | 'openpgp-key' | 'wireguard-config' | 'afwall-rules' | 'package-list' | 'receipt' | 'public-key';

export interface FileLimit {
    /** What the file is for: the message names it. */
    readonly what: FileKind;
    /** Larger files are refused unread. */
    readonly maxBytes: number;
}

/** Read-only, and O_NONBLOCK: opening a FIFO must not wait for a writer; it has no effect on regular files. */
export const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kind(info: Stats): FactsOf<'file-not-regular'>['variant'] {
    if (info.isDirectory()) return 'folder';
    if (info.isCharacterDevice()) return 'character-device';
    if (info.isBlockDevice()) return 'block-device';
    if (info.isFIFO()) return 'pipe';
    if (info.isSocket()) return 'socket';
    return 'special';
}

function unreadable(path: string, what: FileKind, error: unknown): ReviveError {
    const code = (error as NodeJS.ErrnoException).code;
    const variant = code === 'ENOENT' ? 'missing' : code === 'EACCES' || code === 'EPERM' ? 'denied' : 'other';
    return ReviveError.of('file-unreadable', { file: path, kind: what, variant, problem: (error as Error).message }, { cause: error });
}

/** Refuse anything that is not a regular file (devices, pipes, folders), naming the file. */
export function checkRegularFile(path: string, what: FileKind, info: Stats): void {
    if (info.isFile()) return;
    throw ReviveError.of('file-not-regular', { file: path, kind: what, variant: kind(info) });
}

function checkSize(path: string, limit: FileLimit, size: number): void {
    if (size <= limit.maxBytes) return;
    throw ReviveError.of('file-too-large', { file: path, kind: limit.what, size, limit: limit.maxBytes });
}

function grew(path: string, what: FileKind): ReviveError {
    return ReviveError.of('file-grew', { file: path, kind: what });
}

/** Open a regular file for reading (a FIFO or device is refused before anything is read). */
export async function openRegularFile(path: string, what: FileKind): Promise<{ handle: FileHandle; size: number }> {
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

/**
 * A bounded read of a file that has a refusal of its own when it cannot be opened (missing, denied):
 * `unreadable` words that one; a file too large, growing or not a regular file keeps the refusals
 * above, which say so.
 */
export async function unreadableAs<T>(read: Promise<T>, unreadable: (cause: unknown) => ReviveError): Promise<T> {
    try {
        return await read;
    } catch (error) {
        if (error instanceof ReviveError && error.code === 'file-unreadable') throw unreadable(error.cause ?? error);
        throw error;
    }
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
