/**
 * The archive's file writer: whatever the slicing of the bytes handed in, the file holds exactly
 * those bytes (whole 4 MiB blocks written past the page cache where the system allows it, the
 * rest through it) with their SHA-256, is created 0600 and never over an existing file, and a producer that waits
 * for `room` is held back instead of queueing without bound.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectFile } from '../../../native/backup/direct-file.js';

const MiB = 1 << 20;
let dir: string;
let count = 0;

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-direct-file-'));
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Write `data` cut at `cuts` (offsets), waiting for room as the archive writer does. */
async function writeCut(data: Buffer, cuts: number[]): Promise<{ path: string; size: number; sha256: string }> {
    const path = join(dir, `f${count++}`);
    const failures: unknown[] = [];
    const file = await DirectFile.create(path, (error) => failures.push(error));
    const ends = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    let at = 0;
    for (const end of [...ends, data.length]) {
        // A copy per piece: the writer may keep a piece until it copies it, as it keeps the cipher's.
        file.write(Buffer.from(data.subarray(at, end)));
        at = Math.max(at, end);
        if (file.backlogged) await file.room();
    }
    const { sizeBytes, sha256 } = await file.finish();
    expect(failures).toEqual([]);
    return { path, size: sizeBytes, sha256 };
}

describe('DirectFile', () => {
    it('holds exactly the bytes written, around every block boundary', async () => {
        for (const length of [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 12 * MiB + 4095, 17 * MiB + 12_345]) {
            const data = randomBytes(length);
            const { path, size, sha256 } = await writeCut(data, [1000, 65_536, 3 * MiB, 4 * MiB + 7, 9 * MiB]);
            expect(size).toBe(length);
            expect(sha256).toBe(createHash('sha256').update(data).digest('hex'));
            expect(readFileSync(path).equals(data)).toBe(true);
            expect(statSync(path).mode & 0o777).toBe(0o600);
            rmSync(path);
        }
    }, 120_000);

    it('any slicing gives the same file (property)', async () => {
        const data = randomBytes(9 * MiB + 333);
        await fc.assert(
            fc.asyncProperty(fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 40 }), async (cuts) => {
                const { path, size } = await writeCut(data, cuts);
                expect(size).toBe(data.length);
                expect(readFileSync(path).equals(data)).toBe(true);
                rmSync(path);
            }),
            { numRuns: 15 },
        );
    }, 120_000);

    it('never opens an existing file', async () => {
        const path = join(dir, 'existing');
        writeFileSync(path, 'keep me');
        await expect(DirectFile.create(path, () => undefined)).rejects.toMatchObject({ code: 'EEXIST' });
        expect(readFileSync(path, 'utf8')).toBe('keep me');
    });

    it('holds a producer back while anything waits for a block', async () => {
        const file = await DirectFile.create(join(dir, 'held'), () => undefined);
        const piece = randomBytes(MiB);
        // Four blocks fill and go to the disk; what follows waits for one of them.
        for (let i = 0; i < 20; i++) file.write(Buffer.from(piece));
        expect(file.backlogged).toBe(true);
        await file.room();
        expect(file.backlogged).toBe(false);
        expect((await file.finish()).sizeBytes).toBe(20 * MiB);
    });
});
