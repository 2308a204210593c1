/**
 * `revive backup import` of TWRP folders, including TWRP's own password-encrypted backups (openaes):
 * the folder TWRP's tool encrypted (test/fixtures/twrp-openaes) becomes an age archive holding the
 * decrypted images, checked against TWRP's digests of the encrypted files; a missing or wrong
 * password, or one changed byte, leaves no archive. A data backup the virtual phone's TWRP made,
 * encrypted as TWRP does, is imported and restored onto the phone byte for byte, and so is an
 * archive made by hand with Debian's tar and age from the phone's TWRP folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBackupArchive } from '../../../native/backup/archive-reader.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { openAesEncrypt } from '../../support/openaes.js';
import { runCli } from '../../support/run-cli.js';
import { makeSpecialFile, REFUSED_AS, SPECIAL_FILES } from '../../support/special-files.js';
import { tempHome } from '../../support/temp-home.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'twrp-openaes');
const FOLDER = join(FIXTURES, 'TWRP', 'BACKUPS', 'RF1D40TEST', '2026-03-01--12-00-00');
const AGE_PASS = 'juniper kettle orbit seventeen';
const temp = tempHome('revive-import-');
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

beforeAll(() => {
    writeFileSync(join(temp.dir, 'age-pass.txt'), `${AGE_PASS}\n`, { mode: 0o600 });
    writeFileSync(join(temp.dir, 'twrp-pass.txt'), 'hunter2\n', { mode: 0o600 });
    writeFileSync(join(temp.dir, 'twrp-wrong.txt'), 'hunter3\n', { mode: 0o600 });
});

const importArgs = (folder: string, to: string, extra: readonly string[] = []): string[] => ['backup', 'import', folder, '--codename', 'ks01ltexx', '--to', to, '--passphrase-file', join(temp.dir, 'age-pass.txt'), ...extra];

describe('importing a TWRP backup encrypted with a password', () => {
    it('decrypts it into the archive, checked against TWRP’s digests of the encrypted files', async () => {
        const to = join(temp.dir, 'imported');
        const run = await runCli(importArgs(FOLDER, to, ['--twrp-password-file', join(temp.dir, 'twrp-pass.txt')]));
        expect(run.code, run.err).toBe(0);
        expect(run.out).toContain("Decrypted TWRP's encryption of data.ext4.win001");
        const [file] = readdirSync(to);
        expect(file).toMatch(/^ks01ltexx-RF1D40TEST-.*\.tar\.age$/);
        const stored = new Map<string, Buffer>();
        await readBackupArchive(join(to, file ?? ''), [{ kind: 'scrypt', passphrase: AGE_PASS }], {
            onPart(part) {
                const chunks: Buffer[] = [];
                return { write: (c) => void chunks.push(c), end: () => void stored.set(part.name, Buffer.concat(chunks)) };
            },
        });
        const plainTar = readFileSync(join(FIXTURES, 'frames', 'plain.tar'));
        expect(stored.get('data.ext4.win001')?.equals(plainTar)).toBe(true);
        // TWRP's digest of the encrypted file is replaced by one of what is stored; the rest is as TWRP wrote it.
        expect(stored.get('data.ext4.win001.sha2')?.toString()).toBe(`${sha(plainTar)}  data.ext4.win001\n`);
        expect(stored.get('data.ext4.win000')?.equals(readFileSync(join(FOLDER, 'data.ext4.win000')))).toBe(true);
        expect(stored.get('boot.emmc.win.sha2')?.equals(readFileSync(join(FOLDER, 'boot.emmc.win.sha2')))).toBe(true);

        const verified = await runCli(['backup', 'verify', join(to, file ?? ''), '--passphrase-file', join(temp.dir, 'age-pass.txt')]);
        expect(verified.code, verified.err).toBe(0);
    });

    it.each([
        ['no password', [], /data\.ext4\.win001 .* was encrypted by TWRP with a password\. Nothing was imported/],
        ['a wrong password', ['--twrp-password-file', join('WRONG')], /data\.ext4\.win001 does not decrypt to a TWRP archive with this password\. Nothing was imported/],
    ])('refuses %s and writes no archive', async (_what, extra, message) => {
        const to = join(temp.dir, `refused-${extra.length}`);
        const args = extra.map((a) => (a === 'WRONG' ? join(temp.dir, 'twrp-wrong.txt') : a));
        const run = await runCli(importArgs(FOLDER, to, args));
        expect(run.code).toBe(1);
        expect(run.err).toMatch(message);
        // Refused before the archive was begun: not even its folder is there.
        expect(existsSync(to) ? readdirSync(to) : []).toEqual([]);
    });

    it('refuses an encrypted file changed after TWRP wrote it (one byte), naming TWRP’s digest, and removes the partial archive', async () => {
        const copy = join(temp.dir, 'sd', 'TWRP', 'BACKUPS', 'RF1D40TEST', 'changed');
        cpSync(FOLDER, copy, { recursive: true });
        const bytes = readFileSync(join(copy, 'data.ext4.win001'));
        bytes[3 * 4096 + 77] = (bytes[3 * 4096 + 77] ?? 0) ^ 0x40;
        writeFileSync(join(copy, 'data.ext4.win001'), bytes);
        const to = join(temp.dir, 'changed-out');
        const run = await runCli(importArgs(copy, to, ['--twrp-password-file', join(temp.dir, 'twrp-pass.txt')]));
        expect(run.code).toBe(1);
        expect(run.err).toMatch(/data\.ext4\.win001 does not match TWRP's own digest data\.ext4\.win001\.sha2/);
        expect(readdirSync(to)).toEqual([]);
    });
});

describe('an encrypted TWRP backup of the virtual phone, imported and restored', () => {
    it('gives back /data byte for byte', async () => {
        const stateDir = join(temp.dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        const serial = phone.serial;
        await phone.partitions.write('USERDATA', 0, randomBytes(300 * 1024));
        mkdirSync(join(stateDir, 'fs', 'data', 'data', 'org.example.notes'), { recursive: true });
        writeFileSync(join(stateDir, 'fs', 'data', 'data', 'org.example.notes', 'notes.db'), randomBytes(20_000));
        await phone.close();
        const made = await runCli(['twrp', 'backup', 'D', 'enc', '--virtual', 'ks01ltexx', '--virtual-state', stateDir]);
        expect(made.code, made.err).toBe(0);
        const dataBefore = sha(readFileSync(join(stateDir, 'partitions', 'USERDATA.img')));
        const notesBefore = sha(readFileSync(join(stateDir, 'fs', 'data', 'data', 'org.example.notes', 'notes.db')));

        // What TWRP writes with "Encrypt backup": every data image through openaes, digests of the encrypted bytes.
        const twrpFolder = join(stateDir, 'fs', 'data', 'media', 'TWRP', 'BACKUPS', serial, 'enc');
        const sd = join(temp.dir, 'sd-card', 'TWRP', 'BACKUPS', serial, 'enc');
        mkdirSync(sd, { recursive: true });
        for (const name of readdirSync(twrpFolder).filter((n) => /\.win\d*$/.test(n))) {
            const encrypted = openAesEncrypt(readFileSync(join(twrpFolder, name)), 'hunter2');
            writeFileSync(join(sd, name), encrypted);
            writeFileSync(join(sd, `${name}.sha2`), `${sha(encrypted)}  ${name}\n`);
        }
        const to = join(temp.dir, 'phone-backups');
        const imported = await runCli(importArgs(sd, to, ['--twrp-password-file', join(temp.dir, 'twrp-pass.txt')]));
        expect(imported.code, imported.err).toBe(0);

        // The data is lost…
        const wiped = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        await wiped.partitions.erase('USERDATA');
        await wiped.close();
        rmSync(join(stateDir, 'fs', 'data', 'data'), { recursive: true, force: true });
        rmSync(twrpFolder, { recursive: true, force: true });
        expect(sha(readFileSync(join(stateDir, 'partitions', 'USERDATA.img')))).not.toBe(dataBefore);
        // …and comes back from the imported archive.
        const archive = join(to, readdirSync(to)[0] ?? '');
        const restored = await runCli(['restore', archive, '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--passphrase-file', join(temp.dir, 'age-pass.txt'), '--only', 'data', '--yes']);
        expect(restored.code, restored.err).toBe(0);
        expect(sha(readFileSync(join(stateDir, 'partitions', 'USERDATA.img')))).toBe(dataBefore);
        expect(sha(readFileSync(join(stateDir, 'fs', 'data', 'data', 'org.example.notes', 'notes.db')))).toBe(notesBefore);
    });
});

describe('an archive made by hand: tar of the phone’s TWRP folder, then age -e', () => {
    it('is restored by revive restore, /data byte for byte', async () => {
        if (spawnSync('sh', ['-c', 'command -v age && command -v tar']).status !== 0) throw new Error('This test needs age and tar (apt-get install -y age tar).');
        const stateDir = join(temp.dir, 'hand-phone');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        const serial = phone.serial;
        await phone.partitions.write('USERDATA', 0, randomBytes(200 * 1024));
        await phone.close();
        const made = await runCli(['twrp', 'backup', 'D', 'by-hand', '--virtual', 'ks01ltexx', '--virtual-state', stateDir]);
        expect(made.code, made.err).toBe(0);
        const dataBefore = sha(readFileSync(join(stateDir, 'partitions', 'USERDATA.img')));
        // As someone would from an SD card: the TWRP folder tarred, encrypted for an age-keygen key.
        const sd = join(temp.dir, 'hand-sd');
        cpSync(join(stateDir, 'fs', 'data', 'media', 'TWRP'), join(sd, 'TWRP'), { recursive: true });
        const key = join(temp.dir, 'hand.key');
        execFileSync('age-keygen', ['-o', key], { stdio: 'pipe' });
        const recipient = execFileSync('age-keygen', ['-y', key], { encoding: 'utf8' }).trim();
        const archive = join(temp.dir, 'by-hand.tar.age');
        execFileSync('sh', ['-c', 'tar c -C "$1" TWRP | age -e -r "$2" -o "$3"', 'sh', sd, recipient, archive]);

        const wiped = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        await wiped.partitions.erase('USERDATA');
        await wiped.close();
        rmSync(join(stateDir, 'fs', 'data', 'media', 'TWRP', 'BACKUPS', serial, 'by-hand'), { recursive: true, force: true });
        const restored = await runCli(['restore', archive, '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--identity', key, '--only', 'data', '--yes']);
        expect(restored.code, restored.err).toBe(0);
        expect(sha(readFileSync(join(stateDir, 'partitions', 'USERDATA.img')))).toBe(dataBefore);
    });
});

describe('special files in a TWRP folder or as its password file', () => {
    it.each(SPECIAL_FILES)('refuses a digest file that is %s, naming it, at once and with no archive', async (kind) => {
        const copy = join(temp.dir, `special-${kind}`);
        cpSync(FOLDER, copy, { recursive: true });
        const digest = join(copy, 'data.ext4.win001.sha2');
        rmSync(digest);
        makeSpecialFile(kind, digest);
        const to = join(temp.dir, `special-${kind}-out`);
        const run = await runCli(importArgs(copy, to, ['--twrp-password-file', join(temp.dir, 'twrp-pass.txt')]));
        expect(run.code).toBe(1);
        expect(run.err).toContain(digest);
        expect(run.err).toMatch(REFUSED_AS[kind]);
        expect(existsSync(to) ? readdirSync(to) : []).toEqual([]);
    });

    it('refuses an image that is a pipe (reading it would wait for ever)', async () => {
        const copy = join(temp.dir, 'special-image');
        cpSync(FOLDER, copy, { recursive: true });
        rmSync(join(copy, 'boot.emmc.win'));
        makeSpecialFile('fifo', join(copy, 'boot.emmc.win'));
        const run = await runCli(importArgs(copy, join(temp.dir, 'special-image-out'), ['--twrp-password-file', join(temp.dir, 'twrp-pass.txt')]));
        expect(run.code).toBe(1);
        expect(run.err).toMatch(/boot\.emmc\.win \(?.*is a named pipe, not a regular file/);
    });

    it.each(SPECIAL_FILES)('refuses a TWRP password file that is %s, naming it', async (kind) => {
        const password = makeSpecialFile(kind, join(temp.dir, `twrp-password-${kind}`));
        const run = await runCli(importArgs(FOLDER, join(temp.dir, `password-${kind}-out`), ['--twrp-password-file', password]));
        expect(run.code).toBe(1);
        expect(run.err).toContain(password);
        expect(run.err).toMatch(REFUSED_AS[kind]);
    });
});
