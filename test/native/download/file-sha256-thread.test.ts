/** The hashing thread that reads a download's part file behind the writer. */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSha256Thread } from '../../../native/download/file-sha256-thread.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-hash-thread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileSha256Thread', () => {
    it('hashes a part already there, then every byte appended after it, in order', async () => {
        const path = join(dir, 'file.part');
        const first = randomBytes(3 * 1024 * 1024 + 5);
        writeFileSync(path, first);
        const hash = new FileSha256Thread(path, first.length);
        const rest: Buffer[] = [];
        for (let i = 0; i < 40; i++) {
            const piece = randomBytes(1 + ((i * 77_777) % 300_000));
            appendFileSync(path, piece);
            hash.grew(piece.length);
            rest.push(piece);
        }
        expect(await hash.digest()).toBe(sha(Buffer.concat([first, ...rest])));
    });

    it('the SHA-256 of no bytes, for a file that stayed empty', async () => {
        expect(await new FileSha256Thread(join(dir, 'never-written')).digest()).toBe(sha(Buffer.alloc(0)));
    });

    it('a file shorter than the bytes said written is an error, never a digest of fewer bytes', async () => {
        const path = join(dir, 'file.part');
        writeFileSync(path, randomBytes(1000));
        const hash = new FileSha256Thread(path);
        hash.grew(1000);
        truncateSync(path, 400);
        hash.grew(600);
        await expect(hash.digest()).rejects.toThrow(/shorter than/);
    });

    it('abandoned, it ends its thread without a result or a stray rejection', async () => {
        const path = join(dir, 'file.part');
        writeFileSync(path, randomBytes(10));
        const hash = new FileSha256Thread(path, 10);
        hash.abandon();
        await expect(hash.digest()).rejects.toThrow();
    });
});
