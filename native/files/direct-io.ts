/**
 * Writing large files past the page cache (O_DIRECT), for files written once and not read again
 * soon (a backup archive, a download), where copying every byte into fresh cache pages costs as
 * much kernel CPU as the rest of the work. O_DIRECT wants the memory, the file offset and the
 * length in whole disk blocks; where it is refused — no such flag (macOS, Windows), a file system
 * that will not open with it, or one that opens but refuses the write (EINVAL: some FUSE file
 * systems, memory or a length that is not aligned) — the same bytes go through the page cache.
 * The callers keep their own ways of filling and queueing blocks; this holds what they share.
 */
import { constants, openSync, write, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';

/** O_DIRECT's unit: offsets, lengths and memory in multiples of it. 4096 covers every disk. */
export const DIRECT_BLOCK = 4096;
const WASM_PAGE = 64 << 10;
const O_DIRECT = (constants as { O_DIRECT?: number }).O_DIRECT;
const writeAt = promisify(write);

/** Whether this platform has O_DIRECT at all (Linux does; macOS and Windows do not). */
export const platformHasDirect = O_DIRECT !== undefined;

/**
 * `bytes` (a whole number of 64 KiB pages) of memory starting on a page boundary, as O_DIRECT
 * wants: only a WebAssembly memory is allocated by whole pages, an ArrayBuffer's or a Buffer's
 * bytes may start anywhere. With `preferShared` it is shared where the platform allows, so a
 * thread can read the blocks where they are. None where WebAssembly is off or its address space
 * cannot be reserved.
 */
export function alignedMemory(bytes: number, options: { preferShared?: boolean } = {}): Uint8Array | undefined {
    const pages = bytes / WASM_PAGE;
    for (const shared of options.preferShared ? [true, false] : [false]) {
        try {
            return new Uint8Array(new WebAssembly.Memory({ initial: pages, maximum: pages, shared }).buffer);
        } catch {
            // Try the next kind of memory.
        }
    }
    return undefined;
}

/** The system refused O_DIRECT (at the open or at a write): go on through the page cache. */
export function directRefused(error: unknown): boolean {
    return (error as NodeJS.ErrnoException | undefined)?.code === 'EINVAL';
}

/** `path` opened with `flags` and O_DIRECT; undefined where the platform or the file system refuses it. */
export async function openDirect(path: string, flags: number, mode?: number): Promise<FileHandle | undefined> {
    if (O_DIRECT === undefined) return undefined;
    return open(path, flags | O_DIRECT, mode).catch((error: unknown) => {
        if (directRefused(error)) return undefined;
        throw error;
    });
}

/** As `openDirect`, a descriptor, for callers that write with callbacks and synchronous calls. */
export function openDirectSync(path: string, flags: number, mode?: number): number | undefined {
    if (O_DIRECT === undefined) return undefined;
    try {
        return openSync(path, flags | O_DIRECT, mode);
    } catch (error) {
        if (directRefused(error)) return undefined;
        throw error;
    }
}

function noSpace(): Error {
    return Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
}

/** One positional write to its end; a write that takes nothing is a full disk. */
export async function writeFully(file: FileHandle | number, bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
        const length = bytes.length - done;
        const { bytesWritten } = typeof file === 'number' ? await writeAt(file, bytes, done, length, position + done) : await file.write(bytes, done, length, position + done);
        if (bytesWritten === 0) throw noSpace();
        done += bytesWritten;
    }
}

/** As `writeFully`, holding the event loop: for writes small enough not to matter (≤ 256 KiB, a file's tail). */
export function writeFullySync(fd: number, bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) {
        const bytesWritten = writeSync(fd, bytes, done, bytes.length - done, position + done);
        if (bytesWritten === 0) throw noSpace();
        done += bytesWritten;
    }
}

/**
 * `writeFully` through a descriptor opened with O_DIRECT; false where the write was refused
 * (EINVAL), and the caller writes these bytes and all after them through the page cache.
 */
export async function writeDirect(direct: FileHandle | number, bytes: Uint8Array, position: number): Promise<boolean> {
    try {
        await writeFully(direct, bytes, position);
        return true;
    } catch (error) {
        if (directRefused(error)) return false;
        throw error;
    }
}
