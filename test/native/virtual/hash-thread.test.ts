import { createHash } from 'node:crypto';
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

    it('hashes whole buffers of their own, which are moved rather than copied', async () => {
        const chunks = [new Uint8Array(1000).fill(1), new Uint8Array(3).fill(2)];
        const expected = createHash('sha256').update(Buffer.concat(chunks)).digest('hex');
        expect(await sha256OnThread(chunks)).toBe(expected);
    });
});
