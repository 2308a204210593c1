/** The first bytes of a file, to tell its format by its magic without reading the rest. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { checkRegularFile, OPEN_FLAGS, type FileKind } from './read-limited.js';

/** Up to `length` bytes from the start (fewer when the file is shorter). */
export async function readHead(path: string, length: number): Promise<Uint8Array> {
    const handle = await open(path, 'r');
    try {
        const head = new Uint8Array(length);
        const { bytesRead } = await handle.read(head, 0, length, 0);
        return head.subarray(0, bytesRead);
    } finally {
        await handle.close();
    }
}

/**
 * A regular file's size and its first `length` bytes in one go, synchronously: four calls of a few
 * microseconds each on a local file, where the promise versions cost a trip through the thread pool
 * each, and the first command of a flash waited for them. Anything but a regular file is refused by
 * name (`what` says what it is for): opened without waiting, so a FIFO with no writer cannot hold
 * the whole process, and a device is not read.
 */
export function sizeAndHeadSync(path: string, length: number, what: FileKind): { size: number; head: Uint8Array } {
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
