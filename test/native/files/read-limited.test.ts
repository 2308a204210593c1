/** Reads of named files refuse devices, pipes, folders and oversized files with a message naming the file. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegularFile, readLimitedFile, readLimitedText, readLimitedTextSync, unreadableAs } from '../../../native/files/read-limited.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { refusalOf } from '../../support/refusal.js';

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-read-'));
});
afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
});

const limit = { what: 'checksum-list', maxBytes: 1000 } as const;

describe('bounded reads of named files', () => {
    it('reads a small regular file whole, async and sync', async () => {
        const file = join(dir, 'a.sha256');
        writeFileSync(file, 'hello');
        expect(Buffer.from(await readLimitedFile(file, limit)).toString()).toBe('hello');
        expect(readLimitedTextSync(file, limit)).toBe('hello');
    });

    it('refuses /dev/zero (also through a link), a folder and a FIFO without reading them', async () => {
        const link = join(dir, 'zero.sha256');
        symlinkSync('/dev/zero', link);
        const fifo = join(dir, 'pipe');
        execFileSync('mkfifo', [fifo]);
        for (const path of ['/dev/zero', link, dir, fifo]) {
            const async = await refusalOf(() => readLimitedFile(path, limit));
            expect(async.code).toBe('file-not-regular');
            expect(async.message).toContain(path);
            expect((await refusalOf(() => readLimitedTextSync(path, limit))).code).toBe('file-not-regular');
            expect((await refusalOf(() => openRegularFile(path, 'image'))).code).toBe('file-not-regular');
        }
        expect((await refusalOf(() => readLimitedFile('/dev/zero', limit))).message).toMatch(/character device/);
    });

    it('refuses a file larger than the limit and names a missing one', async () => {
        const big = join(dir, 'big');
        writeFileSync(big, Buffer.alloc(1001));
        const error = await refusalOf(() => readLimitedFile(big, limit));
        expect(error.code).toBe('file-too-large');
        expect(error.message).toContain(big);
        const missing = await refusalOf(() => readLimitedTextSync(join(dir, 'nope'), limit));
        expect(missing.code).toBe('file-unreadable');
        expect(missing.message).toMatch(/nope: it does not exist/);
    });

    it('words a file that cannot be opened with the caller’s refusal, and keeps the others', async () => {
        const own = (cause: unknown): ReviveError => ReviveError.of('cli-file-unreadable', { variant: 'key', file: 'own' }, { cause });
        const missing = await refusalOf(() => unreadableAs(readLimitedText(join(dir, 'nope'), limit), own));
        expect(missing.code).toBe('cli-file-unreadable');
        expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
        expect((await refusalOf(() => unreadableAs(readLimitedText(dir, limit), own))).code).toBe('file-not-regular');
    });
});
