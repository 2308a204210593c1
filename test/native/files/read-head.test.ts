/** A file's first bytes, to tell its format by its magic (native/files/read-head.ts). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../../native/files/read-head.js';
import { makeSpecialFile, REFUSED_AS } from '../../support/special-files.js';

let dir: string;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-read-head-'));
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('read-head', () => {
    it('gives the size and first bytes, fewer when the file is shorter, none when it is empty', async () => {
        const cases: Array<[string, Uint8Array]> = [['long', Uint8Array.from([0x3a, 0xff, 0x26, 0xed, 1, 2, 3])], ['short', Uint8Array.from([0x3a, 0xff])], ['empty', new Uint8Array()]];
        for (const [name, bytes] of cases) {
            const path = join(dir, name);
            await writeFile(path, bytes);
            expect(readHead(path, 4, 'image')).toEqual({ size: bytes.length, head: bytes.subarray(0, 4) });
        }
    });

    it('says why it cannot read: a missing file; a folder or a device is no regular file, named', () => {
        expect(() => readHead(join(dir, 'missing'), 4, 'image')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
        expect(() => readHead(dir, 4, 'image')).toThrow(expect.objectContaining({ code: 'file-not-regular', facts: expect.objectContaining({ file: dir, variant: 'folder' }) }));
        const zero = makeSpecialFile('zero', join(dir, 'zero.img'));
        expect(() => readHead(zero, 4, 'image')).toThrow(expect.objectContaining({ code: 'file-not-regular', message: expect.stringMatching(REFUSED_AS.zero) }));
        // A FIFO is refused in test/electron/cli/named-files.test.ts, in a process of its own: were it
        // waited for, the wait would hold the whole process, this test's with it.
    });
});
