/** Hashing reads regular files only and stops when asked (issue 13, M1): /dev/zero no longer hashes forever. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../../native/integrity/hash.js';

let dir: string;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-hash-'));
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

/** Settles with the outcome, or 'still running' after the limit (a hash that never ends). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | Error | 'still running'> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), ms)));
    try {
        return await Promise.race([promise.catch((error: unknown) => error as Error), limit]);
    } finally {
        clearTimeout(timer);
    }
}

describe('hashFile', () => {
    it('refuses a device instead of reading it forever', async () => {
        const controller = new AbortController();
        const outcome = await within(hashFile('/dev/zero', { signal: controller.signal }), 15_000);
        controller.abort();
        expect(outcome).toMatchObject({ code: 'not-a-file' });
    });

    it('refuses a folder and a named pipe', async () => {
        const fifo = join(dir, 'pipe');
        execFileSync('mkfifo', [fifo]);
        expect(await within(hashFile(dir), 15_000)).toMatchObject({ code: 'not-a-file' });
        expect(await within(hashFile(fifo), 15_000)).toMatchObject({ code: 'not-a-file' });
    });

    it('stops when cancelled', async () => {
        const big = join(dir, 'big.bin');
        await writeFile(big, Buffer.alloc(64 * 1024 * 1024));
        const controller = new AbortController();
        const hashing = hashFile(big, { signal: controller.signal, onProgress: (p) => p.bytesDone > 0 && controller.abort() });
        await expect(hashing).rejects.toBeDefined();
    });
});
