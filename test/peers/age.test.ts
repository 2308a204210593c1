/**
 * Acceptance against Debian's age (1.1): it opens our files with an age-keygen identity and with a
 * passphrase typed at its prompt (through a pseudo-terminal made by util-linux `script`), and we
 * open files it made for a key of ours, for its own key file, and with a passphrase.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageDecryptor, ageEncryptor, formatIdentityFile, generateIdentity, parseIdentityFile, parseRecipient, type AgeIdentity, type AgeRecipient } from '../../native/backup/age/index.js';
import { BackupArchiveWriter } from '../../native/backup/archive-writer.js';
import { ageOnTerminal } from '../support/age-terminal.js';
import { S4_FACTS } from '../support/backup-facts.js';

function requireTool(name: string, pkg: string): void {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) throw new Error(`This test needs ${name} on PATH (Debian package: ${pkg}). Install it: apt-get install -y ${pkg}`);
}

let dir: string;
const data = randomBytes(3 * 65536 + 4321);

async function encryptFile(input: string, output: string, recipients: readonly AgeRecipient[]): Promise<void> {
    await pipeline(createReadStream(input), await ageEncryptor(recipients), createWriteStream(output));
}

async function decryptFile(input: string, output: string, identities: readonly AgeIdentity[]): Promise<void> {
    await pipeline(createReadStream(input), ageDecryptor(identities), createWriteStream(output));
}

beforeAll(() => {
    requireTool('age', 'age');
    requireTool('script', 'util-linux');
    dir = mkdtempSync(join(tmpdir(), 'revive-age-'));
    writeFileSync(join(dir, 'plain.bin'), data);
});

afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('age opens what we write', () => {
    it('with an identity from age-keygen', async () => {
        execFileSync('age-keygen', ['-o', join(dir, 'keygen.txt')], { stdio: 'pipe' });
        const recipient = execFileSync('age-keygen', ['-y', join(dir, 'keygen.txt')], { encoding: 'utf8' }).trim();
        await encryptFile(join(dir, 'plain.bin'), join(dir, 'to-keygen.age'), [{ kind: 'x25519', publicKey: parseRecipient(recipient) }]);
        execFileSync('age', ['-d', '-i', join(dir, 'keygen.txt'), '-o', join(dir, 'out-keygen.bin'), join(dir, 'to-keygen.age')]);
        expect(readFileSync(join(dir, 'out-keygen.bin')).equals(data)).toBe(true);
    });

    it('with an identity file we wrote', async () => {
        const identity = generateIdentity();
        writeFileSync(join(dir, 'ours.txt'), formatIdentityFile(identity), { mode: 0o600 });
        expect(execFileSync('age-keygen', ['-y', join(dir, 'ours.txt')], { encoding: 'utf8' }).trim()).toBe(identity.recipient);
        await encryptFile(join(dir, 'plain.bin'), join(dir, 'to-ours.age'), [{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }]);
        execFileSync('age', ['-d', '-i', join(dir, 'ours.txt'), '-o', join(dir, 'out-ours.bin'), join(dir, 'to-ours.age')]);
        expect(readFileSync(join(dir, 'out-ours.bin')).equals(data)).toBe(true);
    });

    it('with a passphrase typed at its prompt', async () => {
        await encryptFile(join(dir, 'plain.bin'), join(dir, 'pass.age'), [{ kind: 'scrypt', passphrase: 'saffron lantern 42 quietly' }]);
        ageOnTerminal(['-d', '-o', join(dir, 'out-pass.bin'), join(dir, 'pass.age')], ['saffron lantern 42 quietly']);
        expect(readFileSync(join(dir, 'out-pass.bin')).equals(data)).toBe(true);
    });
});

describe('age opens our backup archives', () => {
    // The archive is sealed in 64 KiB chunks (archive-file.ts): part sizes in 512-byte steps (tar's
    // block) put the end of the tar stream on every offset within a chunk once, the exact chunk end
    // included. Block boundaries of the file writer are pinned in direct-file.test.ts.
    it('at every chunk boundary, with the SHA-256 the writer reports', async () => {
        execFileSync('age-keygen', ['-o', join(dir, 'archive-key.txt')], { stdio: 'pipe' });
        const recipient = execFileSync('age-keygen', ['-y', join(dir, 'archive-key.txt')], { encoding: 'utf8' }).trim();
        const part = randomBytes((1 << 20) + 65536);
        const ends = new Set<number>();
        for (let step = 0; step < 128; step++) {
            const size = (1 << 20) - 32768 + step * 512;
            const finished = await BackupArchiveWriter.write({ folder: join(dir, 'archives'), fileName: `${step}.tar.age`, recipients: [{ kind: 'x25519', publicKey: parseRecipient(recipient) }] }, S4_FACTS, async (w) => {
                await w.addPart('twrp', 'data.ext4.win', size, [part.subarray(0, 1000), part.subarray(1000, size)]);
            });
            expect(createHash('sha256').update(readFileSync(finished.path)).digest('hex')).toBe(finished.sha256);
            const tar = execFileSync('age', ['-d', '-i', join(dir, 'archive-key.txt'), finished.path], { maxBuffer: 8 << 20 });
            ends.add(tar.length % 65536);
            const listed = execFileSync('tar', ['-tv'], { input: tar, encoding: 'utf8' });
            expect(listed).toContain(`${size} `);
            rmSync(finished.path);
        }
        expect(ends.has(0)).toBe(true);
        expect(ends.size).toBe(128);
    }, 300_000);
});

describe('we open what age writes', () => {
    it('to a recipient of ours', async () => {
        const identity = generateIdentity();
        execFileSync('age', ['-e', '-r', identity.recipient, '-o', join(dir, 'theirs-r.age'), join(dir, 'plain.bin')]);
        await decryptFile(join(dir, 'theirs-r.age'), join(dir, 'back-r.bin'), [{ kind: 'x25519', secretKey: identity.secretKey }]);
        expect(readFileSync(join(dir, 'back-r.bin')).equals(data)).toBe(true);
    });

    it('to its own key file', async () => {
        execFileSync('age-keygen', ['-o', join(dir, 'keygen2.txt')], { stdio: 'pipe' });
        execFileSync('age', ['-e', '-i', join(dir, 'keygen2.txt'), '-o', join(dir, 'theirs-i.age'), join(dir, 'plain.bin')]);
        const [identity] = parseIdentityFile(readFileSync(join(dir, 'keygen2.txt'), 'utf8'));
        await decryptFile(join(dir, 'theirs-i.age'), join(dir, 'back-i.bin'), [{ kind: 'x25519', secretKey: identity?.secretKey ?? new Uint8Array() }]);
        expect(readFileSync(join(dir, 'back-i.bin')).equals(data)).toBe(true);
    });

    it('with a passphrase', async () => {
        ageOnTerminal(['-e', '-p', '-o', join(dir, 'theirs-p.age'), join(dir, 'plain.bin')], ['violet harbor 7 engines', 'violet harbor 7 engines']);
        await decryptFile(join(dir, 'theirs-p.age'), join(dir, 'back-p.bin'), [{ kind: 'scrypt', passphrase: 'violet harbor 7 engines' }]);
        expect(readFileSync(join(dir, 'back-p.bin')).equals(data)).toBe(true);
    });
});
