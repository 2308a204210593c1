/**
 * Backups open without Revive: `age -d -i key | tar x` unpacks our archive to the same bytes, and
 * an archive made by hand (`tar c` of a TWRP backup folder, `age -e`) passes our verify, which then
 * checks TWRP's own .sha2/.md5 files — and names a .win that does not match them.
 */
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIdentityFile, generateIdentity, parseRecipient } from '../../native/backup/age/index.js';
import { BackupArchiveWriter } from '../../native/backup/archive-writer.js';
import { verifyArchive } from '../../native/backup/verify.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { S4_FACTS } from '../support/backup-facts.js';

let dir: string;
const identity = generateIdentity();
const hex = (algorithm: string, data: Uint8Array): string => createHash(algorithm).update(data).digest('hex');

beforeAll(() => {
    if (spawnSync('sh', ['-c', 'command -v age && command -v tar']).status !== 0) throw new Error('This test needs age and tar (apt-get install -y age tar).');
    dir = mkdtempSync(join(tmpdir(), 'revive-archive-peer-'));
    writeFileSync(join(dir, 'key.txt'), formatIdentityFile(identity), { mode: 0o600 });
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('archives and the real tools', () => {
    it('age -d | tar x unpacks our archive byte for byte, manifest included', async () => {
        const boot = randomBytes(200_000);
        const photo = randomBytes(10_000);
        const done = await BackupArchiveWriter.write({ folder: join(dir, 'ours'), fileName: 'b.tar.age', recipients: [{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }] }, S4_FACTS, async (w) => {
            await w.addPart('twrp', 'boot.emmc.win', boot.length, [boot]);
            await w.addPart('storage', 'DCIM/a b.jpg', photo.length, [photo]);
        });
        const out = join(dir, 'unpacked');
        mkdirSync(out);
        execSync(`age -d -i "${join(dir, 'key.txt')}" "${done.path}" | tar x -C "${out}"`);
        expect(readFileSync(join(out, 'twrp', 'boot.emmc.win')).equals(boot)).toBe(true);
        expect(readFileSync(join(out, 'storage', 'DCIM', 'a b.jpg')).equals(photo)).toBe(true);
        const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { device: { codename: string }; parts: { path: string; sha256: string }[] };
        expect(manifest.device.codename).toBe('ks01ltexx');
        expect(manifest.parts.find((p) => p.path === 'twrp/boot.emmc.win')?.sha256).toBe(hex('sha256', boot));
    });

    it('verify accepts tar + age -e of a TWRP folder, checking its .sha2 and .md5 files', async () => {
        const folder = join(dir, 'sd', 'TWRP', 'BACKUPS', 'R31D400TEST', '2026-11-01--10-00-00');
        mkdirSync(folder, { recursive: true });
        const boot = randomBytes(100_000);
        const data0 = randomBytes(150_000);
        const data1 = randomBytes(20_000);
        writeFileSync(join(folder, 'boot.emmc.win'), boot);
        writeFileSync(join(folder, 'boot.emmc.win.sha2'), `${hex('sha256', boot)}  boot.emmc.win\n`);
        writeFileSync(join(folder, 'data.ext4.win000'), data0);
        writeFileSync(join(folder, 'data.ext4.win000.md5'), `${hex('md5', data0)}  data.ext4.win000\n`);
        writeFileSync(join(folder, 'data.ext4.win001'), data1);
        writeFileSync(join(folder, 'data.ext4.win001.sha2'), `${hex('sha256', data1)}  data.ext4.win001\n`);
        writeFileSync(join(folder, 'recovery.log'), 'I:Set page: main\n');
        execSync(`tar c -C "${join(dir, 'sd')}" TWRP | age -e -r ${identity.recipient} -o "${join(dir, 'hand.tar.age')}"`);
        const checked = await verifyArchive(join(dir, 'hand.tar.age'), [{ kind: 'x25519', secretKey: identity.secretKey }]);
        expect(checked.checkedAgainst).toBe('twrp-digests');
        expect(checked.foreignFolder).toBe('TWRP/BACKUPS/R31D400TEST/2026-11-01--10-00-00');
        expect(checked.twrpImagesWithoutDigest).toEqual([]);
        expect(checked.parts.filter((p) => p.name.includes('.win')).length).toBe(6);

        writeFileSync(join(folder, 'data.ext4.win001'), Buffer.concat([data1.subarray(1), Buffer.from([0])]));
        execFileSync('sh', ['-c', `tar c -C "${join(dir, 'sd')}" TWRP | age -e -r ${identity.recipient} -o "${join(dir, 'hand2.tar.age')}"`]);
        const error = await verifyArchive(join(dir, 'hand2.tar.age'), [{ kind: 'x25519', secretKey: identity.secretKey }]).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).message).toMatch(/damaged in twrp\/data\.ext4\.win001: its SHA-256/);
    });
});
