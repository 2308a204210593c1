/**
 * TWRP's openaes encryption, decrypted with node:crypto: files made by TWRP's own `openaes` tool
 * (test/fixtures/twrp-openaes, all three key sizes, padded and unpadded, a compressed backup) and
 * files of other sizes made from the format's facts; a wrong password and damage are refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openAesDecryptor, openAesKey, openAesPlainSize } from '../../../native/backup/twrp-openaes.js';
import { openAesEncrypt } from '../../support/openaes.js';
import { refusalOf } from '../../support/refusal.js';

const FRAMES = join(import.meta.dirname, '..', '..', 'fixtures', 'twrp-openaes', 'frames');
const dir = mkdtempSync(join(tmpdir(), 'revive-oaes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decrypt through the stream in chunks of `chunk` bytes (frames never line up with reads). */
async function decrypt(data: Buffer, password: string, chunk = 1000): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (let at = 0; at < data.length; at += chunk) pieces.push(data.subarray(at, at + chunk));
    const out: Buffer[] = [];
    for await (const plain of Readable.from(pieces).pipe(openAesDecryptor(password, 'data.ext4.win001'))) out.push(plain as Buffer);
    return Buffer.concat(out);
}

/** A ustar header of `size` bytes of content, so the first frame decrypts to what TWRP checks for. */
function tarOf(content: Buffer): Buffer {
    const header = Buffer.alloc(512);
    header.write('data/file', 0);
    header.write('ustar', 257, 'latin1');
    return Buffer.concat([header, content]);
}

describe("TWRP's openaes, decrypted", () => {
    const plain = readFileSync(join(FRAMES, 'plain.tar'));

    it.each([
        ['aes128', 'hunter2'],
        ['aes192', 'correct horse battery'],
        ['aes256', 'a passphrase longer than thirty-two bytes, cut there'],
    ])('a tar encrypted by TWRP’s openaes tool (%s)', async (name, password) => {
        const encrypted = readFileSync(join(FRAMES, `plain.tar.${name}.oaes`));
        expect((await decrypt(encrypted, password)).equals(plain)).toBe(true);
        expect(await openAesPlainSize(join(FRAMES, `plain.tar.${name}.oaes`), 'x', password)).toBe(plain.length);
    });

    it('a compressed backup (gzip inside), whose last frame is padded', async () => {
        const gz = readFileSync(join(FRAMES, 'plain.tar.gz'));
        expect((await decrypt(readFileSync(join(FRAMES, 'plain.tar.gz.aes128.oaes')), 'hunter2', 4096)).equals(gz)).toBe(true);
        expect(await openAesPlainSize(join(FRAMES, 'plain.tar.gz.aes128.oaes'), 'x', 'hunter2')).toBe(gz.length);
    });

    it('the key is the password over 1, 2, … 32, cut to 16, 24 or 32 bytes', () => {
        expect([...openAesKey('abc')]).toEqual([97, 98, 99, ...Array.from({ length: 13 }, (_, i) => i + 4)]);
        expect(openAesKey('x'.repeat(16)).length).toBe(16);
        expect(openAesKey('x'.repeat(17)).length).toBe(24);
        expect(openAesKey('x'.repeat(25)).length).toBe(32);
        expect(openAesKey(`${'y'.repeat(32)}ignored`).equals(Buffer.alloc(32, 'y'))).toBe(true);
    });

    it.each([1, 511, 4064, 4065, 8128, 100_003])('files of %i bytes of content made from the facts', async (size) => {
        const content = tarOf(randomBytes(size));
        const encrypted = openAesEncrypt(content, 'seventeen bytes!!');
        expect((await decrypt(encrypted, 'seventeen bytes!!', 777)).equals(content)).toBe(true);
        writeFileSync(join(dir, 'f.oaes'), encrypted);
        expect(await openAesPlainSize(join(dir, 'f.oaes'), 'f', 'seventeen bytes!!')).toBe(content.length);
    });

    it('refuses a wrong password, as TWRP does, by the first frame', async () => {
        const encrypted = readFileSync(join(FRAMES, 'plain.tar.aes128.oaes'));
        expect((await refusalOf(() => decrypt(encrypted, 'hunter3'))).code).toBe('twrp-password-wrong');
        expect((await refusalOf(() => openAesPlainSize(join(FRAMES, 'plain.tar.aes128.oaes'), 'data.ext4.win001', 'Hunter2'))).code).toBe('twrp-password-wrong');
        // A wrong password on a short only frame garbles the padding: still the password, not damage.
        writeFileSync(join(dir, 'short.oaes'), openAesEncrypt(tarOf(Buffer.from('hi')), 'right'));
        expect((await refusalOf(() => openAesPlainSize(join(dir, 'short.oaes'), 'short', 'wrong'))).code).toBe('twrp-password-wrong');
    });

    it('names damage: a cut frame, a changed header', async () => {
        const encrypted = readFileSync(join(FRAMES, 'plain.tar.aes192.oaes'));
        const cut = await refusalOf(() => decrypt(encrypted.subarray(0, encrypted.length - 5), 'correct horse battery'));
        expect(cut.code).toBe('twrp-encrypted-damaged');
        expect(cut.facts).toMatchObject({ variant: 'length', offset: 5 * 4096 });
        const header = Buffer.from(encrypted);
        header[2 * 4096 + 4] = 9;
        expect((await refusalOf(() => decrypt(header, 'correct horse battery'))).facts).toMatchObject({ variant: 'header', offset: 2 * 4096 });
        // One changed ciphertext byte changes the plaintext without a word from openaes: TWRP's digest files catch it (see the import test).
        const flipped = Buffer.from(encrypted);
        flipped[3 * 4096 + 100] = (flipped[3 * 4096 + 100] ?? 0) ^ 1;
        const out = await decrypt(flipped, 'correct horse battery');
        expect(createHash('sha256').update(out).digest('hex')).not.toBe(createHash('sha256').update(plain).digest('hex'));
    });
});
