/**
 * A regular file's size and first bytes, to tell its format by its magic without reading the rest.
 * Anything but a regular file is refused by name (`what` says what it is for): opened without
 * waiting (O_NONBLOCK), so a FIFO with no writer cannot hold the process, and a device is not read.
 *
 * Synchronous, for every caller: open, fstat, a read of a few bytes and close take microseconds each
 * on a local file, where the promise versions cost a trip through the thread pool each; the first
 * command of a flash waited for them. A slow disk holds the event loop no longer than those calls.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { checkRegularFile, OPEN_FLAGS, type FileKind } from './read-limited.js';

/** The size, and up to `length` bytes from the start (fewer when the file is shorter). */
export function readHead(path: string, length: number, what: FileKind): { size: number; head: Uint8Array } {
    const fd = openSync(path, OPEN_FLAGS);
    try {
        const info = fstatSync(fd);
        checkRegularFile(path, what, info);
        const head = new Uint8Array(Math.min(length, info.size));
        const bytesRead = head.length === 0 ? 0 : readSync(fd, head, 0, head.length, 0);
        return { size: info.size, head: head.subarray(0, bytesRead) };
    } finally {
        closeSync(fd);
    }
}
