/** The download's hashing thread: slices queued where they lie in its ring, or copied in. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sha256Thread } from '../../../native/download/sha256-thread.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-hash-thread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Sha256Thread', () => {
    it('hashes a resumed part from its file, then reads made into its ring and copied slices, in order, however the ring wraps', async () => {
        const path = join(dir, 'file.part');
        const first = randomBytes(3 * 1024 * 1024 + 5);
        writeFileSync(path, first);
        const hash = new Sha256Thread({ path, bytes: first.length });
        const rest: Buffer[] = [];
        // Far more than the ring holds: slots are lent again only once hashed.
        for (let i = 0; i < 200; i++) {
            const piece = randomBytes(1 + ((i * 77_777) % 250_000));
            if (i % 3 === 2) {
                // Copied in (as TLS's bytes are), in pieces smaller and larger than a slot.
                hash.update(piece);
            } else {
                // Read into the ring, as a plain socket does; a head before the body is not hashed.
                const into = hash.nextReadBuffer();
                const skip = i % 5 === 0 ? 100 : 0;
                into.fill(0xee, 0, skip);
                into.set(piece.subarray(0, into.length - skip), skip);
                hash.update(into.subarray(skip, skip + piece.length));
            }
            rest.push(piece);
        }
        hash.update(randomBytes(0));
        expect(await hash.digest()).toBe(sha(Buffer.concat([first, ...rest])));
    });

    it('the SHA-256 of no bytes', async () => {
        expect(await new Sha256Thread().digest()).toBe(sha(Buffer.alloc(0)));
    });

    it('a resumed part shorter than said is an error, never a digest of fewer bytes', async () => {
        const path = join(dir, 'file.part');
        writeFileSync(path, randomBytes(400));
        await expect(new Sha256Thread({ path, bytes: 1000 }).digest()).rejects.toThrow(/shorter than 1000 bytes/);
    });

    it('abandoned, it ends its thread without a result or a stray rejection', async () => {
        const hash = new Sha256Thread();
        hash.update(randomBytes(10));
        hash.abandon();
        await expect(hash.digest()).rejects.toThrow(/abandoned/);
    });
});

describe('Sha256Thread when its thread fails', () => {
    it('the socket reads on and nothing hangs; the digest says why', async () => {
        const path = join(dir, 'file.part');
        writeFileSync(path, randomBytes(400));
        // The thread fails on the resumed part (shorter than said) and stops.
        const hash = new Sha256Thread({ path, bytes: 1000 });
        // Far more than the ring holds, whether the thread has failed yet or not.
        for (let i = 0; i < 200; i++) {
            const into = hash.nextReadBuffer();
            hash.update(into.subarray(0, 200_000));
            hash.update(randomBytes(300));
        }
        await expect(hash.digest()).rejects.toThrow(/shorter than 1000 bytes/);
    });
});
