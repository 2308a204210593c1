/** A file's first bytes, to tell its format by its magic (native/files/read-head.ts). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHead, sizeAndHeadSync } from '../../../native/files/read-head.js';

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
            expect(sizeAndHeadSync(path, 4)).toEqual({ size: bytes.length, head: bytes.subarray(0, 4) });
            expect(await readHead(path, 4)).toEqual(bytes.subarray(0, 4));
        }
    });

    it('says why it cannot read: a missing file, a folder', () => {
        expect(() => sizeAndHeadSync(join(dir, 'missing'), 4)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
        expect(() => sizeAndHeadSync(dir, 4)).toThrow(expect.objectContaining({ code: 'EISDIR' }));
    });
});
