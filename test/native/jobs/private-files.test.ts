/** Key material and backups are written as new private files: a planted link is replaced, never followed (issue 13, L6). */
import { lstat, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePrivateFile } from '../../../native/jobs/private-files.js';

let dir: string;
beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-private-files-'));
});
afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('writePrivateFile', () => {
    it('replaces a link planted where the key goes instead of writing through it', async () => {
        const target = join(dir, 'victim');
        await writeFile(target, 'someone else\'s file', { mode: 0o644 });
        const key = join(dir, 'keys', 'secret.asc');
        await writePrivateFile(join(dir, 'keys', 'first.asc'), 'x');
        await symlink(target, key);
        await writePrivateFile(key, 'SECRET KEY');
        expect(await readFile(target, 'utf8')).toBe('someone else\'s file');
        expect((await stat(target)).mode & 0o777).toBe(0o644);
        const info = await lstat(key);
        expect(info.isFile()).toBe(true);
        expect(info.mode & 0o777).toBe(0o600);
        expect(await readFile(key, 'utf8')).toBe('SECRET KEY');
    });

    it('tightens an existing file to 0600 and leaves no temporary file behind', async () => {
        const path = join(dir, 'wg.conf');
        await writeFile(path, 'old', { mode: 0o644 });
        await writePrivateFile(path, 'new');
        expect((await stat(path)).mode & 0o777).toBe(0o600);
        expect(await readFile(path, 'utf8')).toBe('new');
        expect(await readdir(dir)).toEqual(['wg.conf']);
    });
});
