/** The age format on its own: round trips at chunk boundaries, wrong keys, and damaged files refused naming the part. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bech32Decode, bech32Encode } from '../../../../native/backup/age/bech32.js';
import { ageDecryptor, ageEncryptor, generateIdentity, parseIdentityFile, parseRecipient, formatIdentityFile, type AgeIdentity, type AgeRecipient } from '../../../../native/backup/age/index.js';
import { ReviveError } from '../../../../native/jobs/errors.js';

const KIB64 = 64 * 1024;

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
}

/** Feed `data` in pieces of the given sizes (cycled), as a disk or socket would. */
function pieces(data: Buffer, sizes: readonly number[] = [KIB64]): Readable {
    const out: Buffer[] = [];
    let i = 0;
    for (let pos = 0; pos < data.length; i++) {
        const n = Math.max(1, sizes[i % sizes.length] ?? KIB64);
        out.push(data.subarray(pos, pos + n));
        pos += n;
    }
    return Readable.from(out);
}

async function encrypt(data: Buffer, recipients: readonly AgeRecipient[], sizes?: readonly number[]): Promise<Buffer> {
    const encryptor = await ageEncryptor(recipients);
    const out = collect(encryptor);
    await pipeline(pieces(data, sizes), encryptor);
    return out;
}

async function decrypt(file: Buffer, identities: readonly AgeIdentity[], sizes?: readonly number[]): Promise<Buffer> {
    const decryptor = ageDecryptor(identities);
    const out = collect(decryptor);
    await Promise.all([pipeline(pieces(file, sizes), decryptor), out]);
    return out;
}

async function failure(promise: Promise<unknown>): Promise<ReviveError> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof ReviveError) return error;
        throw error;
    }
    throw new Error('expected a refusal, but it succeeded');
}

const alice = generateIdentity();
const bob = generateIdentity();
const toAlice: AgeRecipient = { kind: 'x25519', publicKey: parseRecipient(alice.recipient) };
const asAlice: AgeIdentity = { kind: 'x25519', secretKey: alice.secretKey };
const asBob: AgeIdentity = { kind: 'x25519', secretKey: bob.secretKey };

describe('bech32 and keys', () => {
    it('decodes what it encodes and rejects a changed character or mixed case', () => {
        const data = randomBytes(32);
        const text = bech32Encode('age', data);
        expect(Buffer.from(bech32Decode(text)?.data ?? [])).toEqual(data);
        expect(bech32Decode(text.slice(0, -1) + (text.endsWith('q') ? 'p' : 'q'))).toBeUndefined();
        expect(bech32Decode(text.slice(0, 5).toUpperCase() + text.slice(5))).toBeUndefined();
    });

    it('matches the spec example recipient of its example identity (c2sp.org/age)', () => {
        const [identity] = parseIdentityFile('AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX\n');
        expect(identity?.recipient).toBe('age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj');
    });

    it('writes identity files in age-keygen layout and reads them back', () => {
        const text = formatIdentityFile(alice);
        expect(text).toMatch(/^# created: .*\n# public key: age1[a-z0-9]+\nAGE-SECRET-KEY-1[A-Z0-9]+\n$/);
        expect(parseIdentityFile(text)[0]?.recipient).toBe(alice.recipient);
        expect(() => parseIdentityFile(`# public key: ${alice.recipient}\n${alice.recipient}\n`)).toThrow(/Line 2/);
    });
});

describe('round trips', () => {
    it.each([0, 1, KIB64 - 1, KIB64, KIB64 + 1, 3 * KIB64, 3 * KIB64 + 7])('%i bytes to an X25519 recipient', async (size) => {
        const data = randomBytes(size);
        const file = await encrypt(data, [toAlice]);
        expect(file.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
        expect(await decrypt(file, [asAlice])).toEqual(data);
    });

    it('opens for any of several recipients, and with a passphrase', async () => {
        const data = randomBytes(100_000);
        const shared = await encrypt(data, [toAlice, { kind: 'x25519', publicKey: parseRecipient(bob.recipient) }]);
        expect(await decrypt(shared, [asBob])).toEqual(data);
        const locked = await encrypt(data, [{ kind: 'scrypt', passphrase: 'correct horse battery staple', logN: 10 }]);
        expect(locked.toString('latin1')).toMatch(/^age-encryption\.org\/v1\n-> scrypt [A-Za-z0-9+/]{22} 10\n/);
        expect(await decrypt(locked, [{ kind: 'scrypt', passphrase: 'correct horse battery staple' }])).toEqual(data);
    });

    it('streams any size in any write pattern (property)', async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: 4 * KIB64 + 100 }), fc.array(fc.integer({ min: 700, max: 3 * KIB64 }), { minLength: 1, maxLength: 5 }), async (size, sizes) => {
                const data = randomBytes(size);
                const file = await encrypt(data, [toAlice], sizes);
                expect(file.length).toBe(file.indexOf('\n---') + 49 + 16 + data.length + 16 * Math.max(1, Math.ceil(data.length / KIB64)));
                expect(await decrypt(file, [asAlice], sizes)).toEqual(data);
            }),
            { numRuns: 25 },
        );
    });
});

describe('refusals', () => {
    it('a wrong passphrase, the wrong key, or a key for a passphrase file', async () => {
        const locked = await encrypt(Buffer.from('secret'), [{ kind: 'scrypt', passphrase: 'right', logN: 10 }]);
        expect((await failure(decrypt(locked, [{ kind: 'scrypt', passphrase: 'wrong' }]))).code).toBe('age-wrong-passphrase');
        expect((await failure(decrypt(locked, [asAlice]))).code).toBe('age-no-identity');
        const sealed = await encrypt(Buffer.from('secret'), [toAlice]);
        expect((await failure(decrypt(sealed, [asBob]))).code).toBe('age-no-identity');
        expect((await failure(decrypt(Buffer.from('PK\x03\x04 a zip file'), [asAlice]))).message).toMatch(/not an age file/);
    });

    it('refuses mixing a passphrase with recipients, as the spec demands', async () => {
        expect((await failure(ageEncryptor([toAlice, { kind: 'scrypt', passphrase: 'x', logN: 10 }]))).code).toBe('age-passphrase-alone');
    });

    const data = randomBytes(5 * KIB64 + 1234);
    const filePromise = encrypt(data, [toAlice]);

    it('any truncation is refused, and one in the payload is called cut short (property)', async () => {
        const file = await filePromise;
        const headerEnd = file.indexOf('\n---') + 49;
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: file.length - 1 }), async (cut) => {
                const error = await failure(decrypt(file.subarray(0, cut), [asAlice]));
                if (cut < headerEnd) expect(error.code).toBe('age-bad-header');
                else expect(['age-truncated', 'age-bad-payload']).toContain(error.code);
                expect(error.message).toMatch(cut < headerEnd ? /header/ : /cut short/);
            }),
            { numRuns: 40 },
        );
        // Cut exactly at a chunk boundary: every remaining chunk is genuine, only the final flag is missing.
        const atBoundary = await failure(decrypt(file.subarray(0, headerEnd + 16 + 2 * (KIB64 + 16)), [asAlice]));
        expect(atBoundary.code).toBe('age-truncated');
    });

    it('one flipped bit anywhere is refused, naming header or payload (property)', async () => {
        const file = await filePromise;
        const headerEnd = file.indexOf('\n---') + 49;
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: file.length - 1 }), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
                const changed = Buffer.from(file);
                changed[at] = (changed[at] ?? 0) ^ (1 << bit);
                const error = await failure(decrypt(changed, [asAlice]));
                // The payload nonce (16 bytes after the header) feeds the payload key: every chunk then fails.
                expect(error.message).toMatch(at < headerEnd ? /header|not an age file|no.*key|None of the given keys/i : /payload/);
            }),
            { numRuns: 60 },
        );
    });

    it('bytes appended after the final chunk are refused', async () => {
        const file = await filePromise;
        const error = await failure(decrypt(Buffer.concat([file, randomBytes(KIB64 + 40)]), [asAlice]));
        expect(error.code).toBe('age-bad-payload');
    });
});
