/**
 * The part file a download is written to: every slice taken lands in order after the bytes already
 * there and is hashed — read into the memory it lends, moved back over a response's framing, or
 * handed in from memory of the caller's own, larger than the room left — and a write that fails (a
 * full disk) is reported rather than lost.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPartFile, type PartFile } from '../../../native/download/part-file.js';

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-part-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Put the next bytes of `data` where the part file says the next read goes, as the connection does; at most `size`. */
function read(file: PartFile, data: Uint8Array, size: number): Uint8Array {
    const into = file.readBuffer();
    const bytes = Math.min(size, into.length, data.length);
    into.set(data.subarray(0, bytes));
    return into.subarray(0, bytes);
}

/** Feed `data` to the part file in reads of varying kinds, waiting whenever it asks to. */
async function feed(file: PartFile, data: Buffer): Promise<void> {
    let at = 0;
    for (let round = 0; at < data.length; round++) {
        const rest = data.subarray(at);
        let wait: Promise<void> | undefined;
        if (round % 5 === 3) {
            // Memory of the caller's own, larger than any one slot.
            const own = Uint8Array.from(rest.subarray(0, 5 * 1024 * 1024 + 7));
            at += own.length;
            wait = file.take(own);
        } else if (round % 5 === 4) {
            // One read holding framing around two slices of the body (a chunked response).
            const framed = Buffer.concat([Buffer.from('1f\r\n'), rest.subarray(0, 3000), Buffer.from('\r\n20\r\n'), rest.subarray(3000, 9000)]);
            const into = read(file, framed, framed.length);
            if (into.length < framed.length) continue;
            at += 9000;
            wait = file.take(into.subarray(4, 3004));
            await wait;
            wait = file.take(into.subarray(3010, 9010));
        } else {
            const chunk = read(file, rest, 300_000 + round * 9973);
            at += chunk.length;
            wait = file.take(chunk);
        }
        if (wait) await wait;
    }
}

describe('part file', () => {
    it('writes every slice in order and hashes it, however it was read', async () => {
        const path = join(dir, 'file.part');
        const data = randomBytes(40 * 1024 * 1024 + 12345);
        const hash = createHash('sha256');
        const file = openPartFile(path, 0, hash);
        await feed(file, data);
        await file.finish();
        await file.close();
        expect(readFileSync(path).equals(data)).toBe(true);
        expect(hash.digest('hex')).toBe(sha(data));
    });

    it('keeps the part already there, whether its size is a whole number of blocks or not', async () => {
        for (const size of [8192, 1000]) {
            const path = join(dir, `file-${size}.part`);
            const before = randomBytes(size);
            writeFileSync(path, before);
            const data = randomBytes(9 * 1024 * 1024 + 99);
            const hash = createHash('sha256').update(before);
            const file = openPartFile(path, before.length, hash);
            await feed(file, data);
            await file.close();
            const whole = Buffer.concat([before, data]);
            expect(readFileSync(path).equals(whole)).toBe(true);
            expect(hash.digest('hex')).toBe(sha(whole));
        }
    });

    it('slices of its own the caller hands in faster than they are written wait in memory, in order', async () => {
        const path = join(dir, 'file.part');
        const data = randomBytes(25 * 1024 * 1024 + 3);
        const file = openPartFile(path, 0, createHash('sha256'));
        const waits: Array<Promise<void> | undefined> = [];
        for (let at = 0; at < data.length; at += 5 * 1024 * 1024) waits.push(file.take(Uint8Array.from(data.subarray(at, at + 5 * 1024 * 1024))));
        // Asked to wait, not told to stop: more than the slots hold was taken before any write finished.
        expect(waits.some((wait) => wait !== undefined)).toBe(true);
        await file.finish();
        await Promise.all(waits);
        await file.close();
        expect(readFileSync(path).equals(data)).toBe(true);
    });

    it('closing writes what was taken, so a resumed download starts after every byte that arrived', async () => {
        const path = join(dir, 'file.part');
        const data = randomBytes(6 * 1024 * 1024 + 5);
        const file = openPartFile(path, 0, createHash('sha256'));
        await feed(file, data);
        await file.close();
        expect(readFileSync(path).equals(data)).toBe(true);
    });

    it('a write that fails (a full disk) is reported, and nothing more is taken', async () => {
        const file = openPartFile('/dev/full', 0, createHash('sha256'));
        const chunk = randomBytes(4096);
        await expect(
            (async () => {
                for (let i = 0; i < 4096; i++) await file.take(chunk);
                await file.finish();
            })(),
        ).rejects.toMatchObject({ code: 'ENOSPC' });
        expect(file.failure).toMatchObject({ code: 'ENOSPC' });
        expect(() => file.take(chunk)).toThrow(/ENOSPC|no space/i);
        await file.close();
    });
});
