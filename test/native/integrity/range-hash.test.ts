/**
 * The SHA-256 of ranges of one memory, in the order handed over: on a thread of its own when the
 * memory is shared, in line when it is not; both give the digest of the bytes as they were when
 * their range was handed over, even when the memory is reused right after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rangeHash } from '../../../native/integrity/range-hash.js';

describe('rangeHash', () => {
    for (const shared of [true, false]) {
        it(`${shared ? 'shared memory, on a thread' : 'plain memory, in line'}: ranges in order, the memory reused after each`, async () => {
            const memory = new Uint8Array(shared ? new SharedArrayBuffer(1 << 16) : new ArrayBuffer(1 << 16));
            const hash = rangeHash(memory);
            const whole = createHash('sha256');
            for (let i = 0; i < 50; i++) {
                const piece = randomBytes(1 + ((i * 7919) % memory.length));
                const start = (i * 31) % (memory.length - piece.length + 1);
                memory.set(piece, start);
                whole.update(piece);
                await hash.update(start, start + piece.length);
            }
            expect(await hash.digest()).toBe(whole.digest('hex'));
            await hash.close();
        });

        it(`${shared ? 'shared memory, on a thread' : 'plain memory, in line'}: several ranges as one update, in their order`, async () => {
            const memory = new Uint8Array(shared ? new SharedArrayBuffer(1 << 12) : new ArrayBuffer(1 << 12));
            memory.set(randomBytes(memory.length));
            const hash = rangeHash(memory);
            // Out of memory order, and one empty: as frames between headers, each range where it lies.
            const bounds = [2048, 3000, 8, 1000, 1000, 1000, 4000, 4096];
            await hash.updateEach(bounds);
            const whole = createHash('sha256');
            for (let i = 0; i < bounds.length; i += 2) whole.update(memory.subarray(bounds[i], bounds[i + 1]));
            expect(await hash.digest()).toBe(whole.digest('hex'));
            await hash.close();
        });
    }
});
