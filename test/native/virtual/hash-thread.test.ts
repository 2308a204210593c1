import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256OnThread } from '../../../native/virtual/hash-thread.js';

describe('sha256OnThread', () => {
    it('hashes views into a larger Node Buffer as their own bytes, not the buffer behind them', async () => {
        const backing = Buffer.alloc(64 * 1024, 0xaa);
        backing.write('the bytes that count', 100);
        // Buffer#slice is a view: a copy made through it would move the whole backing buffer.
        const chunks = [backing.subarray(100, 120), Buffer.from('and a pooled one')];
        const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
        expect(await sha256OnThread(chunks)).toBe(expected);
    });

    it('hashes chunks that straddle, fill and overrun its slots, more than all slots hold', async () => {
        const MiB = 1024 * 1024;
        // Sizes around the 1 MiB slot, so chunks end mid-slot, on a slot's end and past it, and the
        // slots are reused several times over.
        const chunks = [1, MiB - 1, 2, MiB, 3 * MiB + 5, 17, MiB, 2 * MiB - 17, 5].map((size, i) => randomBytes(size).fill(i, 0, 1));
        const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
        expect(await sha256OnThread(chunks)).toBe(expected);
    });

    it('hashes an empty stream as the empty string', async () => {
        expect(await sha256OnThread([])).toBe(createHash('sha256').digest('hex'));
    });

    it('hashes a stream that is still arriving, and ends with the error of a stream that fails', async () => {
        async function* arriving(): AsyncGenerator<Uint8Array> {
            for (let i = 0; i < 10; i++) {
                await new Promise((resolve) => setTimeout(resolve, 1));
                yield Buffer.alloc(300 * 1024, i);
            }
        }
        const whole = createHash('sha256');
        for await (const chunk of arriving()) whole.update(chunk);
        expect(await sha256OnThread(arriving())).toBe(whole.digest('hex'));
        async function* failing(): AsyncGenerator<Uint8Array> {
            yield Buffer.alloc(10);
            throw new Error('the file went away');
        }
        await expect(sha256OnThread(failing())).rejects.toThrow('the file went away');
    });

    it('hashes whole buffers of their own', async () => {
        const chunks = [new Uint8Array(1000).fill(1), new Uint8Array(3).fill(2)];
        const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
        expect(await sha256OnThread(chunks)).toBe(expected);
    });

    it('reads stretches of a file itself, in order with the bytes around them, short where the file ends', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'revive-hash-thread-'));
        try {
            const MiB = 1024 * 1024;
            const file = randomBytes(3 * MiB + 77);
            const path = join(dir, 'file.bin');
            await writeFile(path, file);
            const before = Buffer.from('before');
            const between = randomBytes(MiB + 3);
            const input = [before, { path, start: 5, length: 2 * MiB }, between, { path, start: 3 * MiB, length: 4 * MiB }];
            const expected = createHash('sha256').update(Buffer.concat([before, file.subarray(5, 5 + 2 * MiB), between, file.subarray(3 * MiB)])).digest('hex');
            expect(await sha256OnThread(input)).toBe(expected);
            await expect(sha256OnThread([{ path: join(dir, 'gone.bin'), start: 0, length: 10 }])).rejects.toThrow(/ENOENT/);
        } finally {
            await rm(dir, { recursive: true, force: true });
        }
    });
});
