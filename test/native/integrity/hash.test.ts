/**
 * Hashing reads regular files only and stops when asked (issue 13, M1): /dev/zero no longer hashes
 * forever. Jobs checking the same unchanged file share one hash (the counter's four phones, issue 12).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile, hashFileShared } from '../../../native/integrity/hash.js';
import type { ProgressFacts } from '../../../native/jobs/progress.js';

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

describe('hashFileShared', () => {
    const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

    it('reads a settled file once for jobs that check it together, and again once it changed', async () => {
        const rom = join(dir, 'rom.zip');
        const content = Buffer.alloc(8 * 1024 * 1024, 3);
        await writeFile(rom, content);
        // Only a file left alone for two seconds is shared (a write within the timestamp granularity could go unseen).
        await new Promise((resolve) => setTimeout(resolve, 2200));
        const progress: ProgressFacts[][] = [[], [], []];
        const digests = await Promise.all(progress.map((seen) => hashFileShared(rom, { onProgress: (p) => seen.push(p) }, 'verify:rom')));
        expect(digests.map((d) => d.sha256)).toEqual([sha(content), sha(content), sha(content)]);
        // One job read the file chunk by chunk; the others were told only that it was done.
        expect(progress.map((seen) => seen.length > 2).filter(Boolean)).toHaveLength(1);
        for (const seen of progress) expect(seen.at(-1)).toMatchObject({ bytesDone: content.length, bytesTotal: content.length });

        await appendFile(rom, 'changed');
        const changed = await hashFileShared(rom);
        expect(changed.sha256).toBe(sha(Buffer.concat([content, Buffer.from('changed')])));
    }, 30_000);

    it('lets a job go on when the job whose hash it shared was stopped', async () => {
        const rom = join(dir, 'rom2.zip');
        const content = Buffer.alloc(64 * 1024 * 1024, 5);
        await writeFile(rom, content);
        await new Promise((resolve) => setTimeout(resolve, 2200));
        const stopped = new AbortController();
        let reading!: () => void;
        const firstReads = new Promise<void>((resolve) => (reading = resolve));
        let secondAsked = false;
        // The first job is stopped while it reads, once the second has asked for the same file.
        const first = hashFileShared(rom, { signal: stopped.signal, onProgress: (p) => (reading(), secondAsked && p.bytesDone > 0 && stopped.abort()) });
        await firstReads;
        const second = hashFileShared(rom, {});
        secondAsked = true;
        await expect(first).rejects.toBeDefined();
        expect((await second).sha256).toBe(sha(content));
    }, 30_000);
});
