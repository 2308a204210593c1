/**
 * Files that must never be read whole: a link to /dev/zero (endless), a FIFO with no writer (a read
 * waits for ever) and a sparse 10 GiB file (no disk space, but a whole read runs out of memory).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, symlinkSync } from 'node:fs';

export const HUGE_FILE_BYTES = 10 * 1024 ** 3;

export const SPECIAL_FILES = ['zero', 'fifo', 'huge'] as const;
export type SpecialFile = (typeof SPECIAL_FILES)[number];

/** Make one of them at `path` (which must not exist yet). */
export function makeSpecialFile(kind: SpecialFile, path: string): string {
    if (kind === 'zero') symlinkSync('/dev/zero', path);
    else if (kind === 'fifo') execFileSync('mkfifo', [path]);
    else {
        const fd = openSync(path, 'w');
        try {
            ftruncateSync(fd, HUGE_FILE_BYTES);
        } finally {
            closeSync(fd);
        }
    }
    return path;
}

/** The words (English) of the refusal each of them gets from a bounded read. */
export const REFUSED_AS: Readonly<Record<SpecialFile, RegExp>> = {
    zero: /is a character device, not a regular file/,
    fifo: /is a named pipe, not a regular file/,
    huge: /is 10737418240 bytes; a .* is at most \d+ bytes/,
};
