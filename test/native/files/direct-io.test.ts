/**
 * What the archive writer and the download's part file share for writing past the page cache:
 * page-aligned memory (shared where asked and allowed), opening with O_DIRECT or learning it is
 * refused, a write refused by O_DIRECT reported so the caller goes on through the page cache, and
 * positional writes carried to their end, a full disk reported.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignedMemory, DIRECT_BLOCK, directRefused, openDirect, openDirectSync, platformHasDirect, writeDirect, writeFully, writeFullySync } from '../../../native/files/direct-io.js';

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-direct-io-'));
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('alignedMemory', () => {
    it('gives whole pages, shared only where asked', () => {
        const plain = alignedMemory(1 << 20);
        expect(plain?.length).toBe(1 << 20);
        expect(plain?.buffer).toBeInstanceOf(ArrayBuffer);
        const shared = alignedMemory(1 << 20, { preferShared: true });
        expect(shared?.length).toBe(1 << 20);
        // Node has SharedArrayBuffer, so the shared kind is what is given.
        expect(shared?.buffer).toBeInstanceOf(SharedArrayBuffer);
    });
});

describe('openDirect', () => {
    it('opens with O_DIRECT on Linux, and a whole aligned block is written direct', async () => {
        const path = join(dir, 'aligned');
        const handle = await openDirect(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
        expect(handle !== undefined).toBe(platformHasDirect);
        if (!handle) return;
        try {
            const memory = alignedMemory(64 << 10) as Uint8Array;
            const block = memory.subarray(0, 2 * DIRECT_BLOCK);
            block.set(randomBytes(block.length));
            expect(await writeDirect(handle, block, DIRECT_BLOCK)).toBe(true);
            const file = readFileSync(path);
            expect(file.length).toBe(3 * DIRECT_BLOCK);
            expect(file.subarray(DIRECT_BLOCK).equals(block)).toBe(true);
        } finally {
            await handle.close();
        }
    });

    it('a write O_DIRECT refuses (memory off the block boundary) is reported, not thrown, and the page cache takes it', async () => {
        const path = join(dir, 'misaligned');
        const fd = openDirectSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
        if (fd === undefined) return;
        const bytes = randomBytes(DIRECT_BLOCK + 1).subarray(1);
        try {
            // ext4 and xfs refuse it (EINVAL); a file system that takes it anyway writes it.
            const direct = await writeDirect(fd, bytes, 0);
            if (!direct) {
                const buffered = openSync(path, 'r+');
                try {
                    writeFullySync(buffered, bytes, 0);
                } finally {
                    closeSync(buffered);
                }
            }
        } finally {
            closeSync(fd);
        }
        expect(readFileSync(path).equals(bytes)).toBe(true);
    });

    it('an error other than a refusal is thrown', async () => {
        const missing = join(dir, 'no-such-folder', 'file');
        if (!platformHasDirect) return;
        await expect(openDirect(missing, constants.O_WRONLY)).rejects.toMatchObject({ code: 'ENOENT' });
        expect(() => openDirectSync(missing, constants.O_WRONLY)).toThrow(/ENOENT/);
        expect(directRefused(Object.assign(new Error('x'), { code: 'EINVAL' }))).toBe(true);
        expect(directRefused(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(false);
    });
});

describe('writeFully', () => {
    it('writes every byte at its position, through a handle or a descriptor', async () => {
        const path = join(dir, 'full');
        const data = randomBytes(3 << 20);
        const handle = await open(path, 'w');
        try {
            await writeFully(handle, data.subarray(0, 1 << 20), 0);
            await writeFully(handle.fd, data.subarray(1 << 20, 2 << 20), 1 << 20);
            writeFullySync(handle.fd, data.subarray(2 << 20), 2 << 20);
        } finally {
            await handle.close();
        }
        expect(readFileSync(path).equals(data)).toBe(true);
    });

    it('a full disk is an error, never a loop', async () => {
        const bytes = randomBytes(64 << 10);
        const handle = await open('/dev/full', 'w');
        try {
            await expect(writeFully(handle, bytes, 0)).rejects.toMatchObject({ code: 'ENOSPC' });
            await expect(writeFully(handle.fd, bytes, 0)).rejects.toMatchObject({ code: 'ENOSPC' });
            expect(() => writeFullySync(handle.fd, bytes, 0)).toThrow(/ENOSPC|no space/i);
        } finally {
            await handle.close();
        }
    });
});
