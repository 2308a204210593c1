/**
 * The backup archive on its own (no phone): written 0600 in a 0700 folder, read back with every
 * part checked, damage and cut-short files refused naming the part, and a full disk ending in a
 * clear error with the unfinished file removed (a real tmpfs in a private mount namespace).
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, parseRecipient, type AgeIdentity, type AgeRecipient } from '../../../native/backup/age/index.js';
import { BackupArchiveWriter, type FinishedArchive } from '../../../native/backup/archive-writer.js';
import { S4_FACTS } from '../../support/backup-facts.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { ReviveError } from '../../../native/jobs/errors.js';


const identity = generateIdentity();
const recipients: AgeRecipient[] = [{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }];
const identities: AgeIdentity[] = [{ kind: 'x25519', secretKey: identity.secretKey }];
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let dir: string;
const boot = randomBytes(300_000);
const data0 = randomBytes(700_000);
const data1 = randomBytes(123_457);
const photo = randomBytes(50_000);

async function writeSample(folder: string, name = 'sample.tar.age'): Promise<FinishedArchive> {
    return BackupArchiveWriter.write({ folder, fileName: name, recipients }, S4_FACTS, async (w) => {
        await w.addPart('twrp', 'boot.emmc.win', boot.length, [boot]);
        const digest = Buffer.from(`${sha256(boot)}  boot.emmc.win\n`);
        await w.addPart('twrp', 'boot.emmc.win.sha2', digest.length, [digest]);
        await w.addPart('twrp', 'data.ext4.win000', data0.length, [data0.subarray(0, 1000), data0.subarray(1000)]);
        await w.addPart('twrp', 'data.ext4.win001', data1.length, [data1]);
        await w.addPart('storage', 'DCIM/Camera/IMG_0001.jpg', photo.length, [photo]);
    });
}

async function refusal(promise: Promise<unknown>): Promise<ReviveError> {
    try {
        await promise;
    } catch (error) {
        if (error instanceof ReviveError) return error;
        throw error;
    }
    throw new Error('expected a refusal');
}

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-archive-'));
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('writing', () => {
    it('is 0600 in a 0700 folder, also when the folder existed open to others', async () => {
        const folder = join(dir, 'open');
        mkdirSync(folder, { mode: 0o755 });
        chmodSync(folder, 0o755);
        const done = await writeSample(folder);
        expect(statSync(folder).mode & 0o777).toBe(0o700);
        expect(statSync(done.path).mode & 0o777).toBe(0o600);
        expect(readdirSync(folder)).toEqual(['sample.tar.age']);
        expect(done.manifest.parts.map((p) => [p.path, p.sizeBytes, p.sha256])).toEqual([
            ['twrp/boot.emmc.win', boot.length, sha256(boot)],
            ['twrp/boot.emmc.win.sha2', 80, expect.any(String)],
            ['twrp/data.ext4.win000', data0.length, sha256(data0)],
            ['twrp/data.ext4.win001', data1.length, sha256(data1)],
            ['storage/DCIM/Camera/IMG_0001.jpg', photo.length, sha256(photo)],
        ]);
    });

    it('removes the unfinished file when a part fails, and never overwrites a backup', async () => {
        const folder = join(dir, 'fails');
        const error = await refusal(
            BackupArchiveWriter.write({ folder, fileName: 'x.tar.age', recipients }, S4_FACTS, async (w) => {
                await w.addPart('twrp', 'boot.emmc.win', 1000, [randomBytes(10)]);
            }),
        );
        expect(error.code).toBe('backup-size-changed');
        expect(readdirSync(folder)).toEqual([]);
        await writeSample(folder, 'y.tar.age');
        expect((await refusal(writeSample(folder, 'y.tar.age'))).code).toBe('backup-exists');
    });

    it('a full disk: clear error, the partial file removed (tmpfs of 1 MiB in a private mount namespace)', () => {
        const probe = spawnSync('unshare', ['-rm', 'true']);
        if (probe.status !== 0) throw new Error(`This test needs unprivileged mount namespaces (unshare -rm, util-linux): ${probe.stderr.toString()}`);
        const mountPoint = join(dir, 'small');
        mkdirSync(mountPoint);
        const script = join(dir, 'fill.mts');
        const writer = resolve('native/backup/archive-writer.ts');
        const wording = resolve('electron/wording.ts');
        writeFileSync(
            script,
            `import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import ${JSON.stringify(wording)};
import { BackupArchiveWriter } from ${JSON.stringify(writer)};
const folder = process.argv[2] + '/backups';
const big = randomBytes(6 * 1024 * 1024);
try {
    await BackupArchiveWriter.write({ folder, fileName: 'full.tar.age', recipients: [{ kind: 'scrypt', passphrase: 'x', logN: 10 }] }, ${JSON.stringify(S4_FACTS)}, async (w) => {
        await w.addPart('twrp', 'data.ext4.win', big.length, (function* () { for (let i = 0; i < big.length; i += 65536) yield big.subarray(i, i + 65536); })());
    });
    console.log(JSON.stringify({ ok: true }));
} catch (error) {
    console.log(JSON.stringify({ code: error.code, message: error.message, left: readdirSync(folder) }));
}
`,
        );
        const run = spawnSync('unshare', ['-rm', 'sh', '-c', `mount -t tmpfs -o size=1m tmpfs "$1" && exec node --import tsx "$2" "$1"`, 'sh', mountPoint, script], { encoding: 'utf8', timeout: 120_000 });
        const result = JSON.parse(run.stdout.trim().split('\n').pop() || JSON.stringify({ message: run.stderr })) as { code?: string; message?: string; left?: string[] };
        expect(result.code, run.stderr).toBe('backup-disk-full');
        expect(result.message).toMatch(/disk is full.*removed/);
        expect(result.left).toEqual([]);
    });
});

describe('reading back', () => {
    let good: FinishedArchive;
    beforeAll(async () => {
        good = await writeSample(join(dir, 'good'));
    });

    it('verifies every part against the manifest and TWRP digests', async () => {
        const checked = await verifyArchive(good.path, identities);
        expect(checked.checkedAgainst).toBe('manifest');
        expect(checked.device?.device.codename).toBe('ks01ltexx');
        expect(checked.parts.map((p) => p.path)).toEqual(good.manifest.parts.map((p) => p.path));
        expect(checked.twrpImagesWithoutDigest).toEqual(['twrp/data.ext4.win000', 'twrp/data.ext4.win001']);
    });

    it('refuses a wrong key without naming a part (nothing is damaged)', async () => {
        const error = await refusal(verifyArchive(good.path, [{ kind: 'x25519', secretKey: generateIdentity().secretKey }]));
        expect(error.code).toBe('age-no-identity');
    });

    it('one changed byte inside a part names that part', async () => {
        const bytes = readFileSync(good.path);
        const copy = join(dir, 'flipped.tar.age');
        // Far into the file: inside data.ext4.win000 (boot is first, ~300 KB after the header).
        const at = 400_000;
        bytes[at] = (bytes[at] ?? 0) ^ 0x10;
        writeFileSync(copy, bytes);
        const error = await refusal(verifyArchive(copy, identities));
        expect(error.code, error.message).toBe('backup-damaged');
        expect(error.message, error.message).toMatch(/damaged in twrp\/data\.ext4\.win000/);
        expect(error.details?.['part']).toBe('twrp/data.ext4.win000');
    });

    it('a cut-short file names the part it ends in', async () => {
        const copy = join(dir, 'cut.tar.age');
        writeFileSync(copy, readFileSync(good.path));
        truncateSync(copy, 350_000);
        const error = await refusal(verifyArchive(copy, identities));
        expect(error.code).toBe('backup-damaged');
        expect(error.message).toMatch(/damaged in twrp\/data\.ext4\.win000: .*cut short/);
    });
});
