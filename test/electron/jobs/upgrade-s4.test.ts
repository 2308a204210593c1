import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../native/backup/verify.js';
import { hashFile } from '../../../native/integrity/hash.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { scriptedPerson } from '../../../electron/jobs/scripted-person.js';
import { BACKUP_LOCK, BACKUP_OPENER, phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-s4-', romBytes: 1024 * 1024 });

describe('the upgrade on a virtual Galaxy S4 (Odin path)', () => {
    it('ends with TWRP in recovery, a verified backup, ROM → Gapps → su installed and the new system answering', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(bench.dir, 'phone'), owner: 'accept', enumerationDelayMs: 20, onLog: (l) => { if (process.env['REVIVE_TEST_DEBUG']) console.log(`phone: ${l}`); } });
        const events: JobEvent[] = [];
        // The phone's EFS (its IMEI): TWRP's command line has no letter for it, the job copies the raw device.
        const efs = randomBytes(300_000);
        await phone.partitions.write('EFS', 0, efs);
        const session = virtualPhoneSession(phone);
        try {
            const report = await runUpgrade(
                { device: { kind: 'virtual', codename: 'ks01ltexx' }, files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, backupTo: join(bench.dir, 'backup'), backupKeys: BACKUP_LOCK, home: join(bench.dir, 'home') },
                { recipe, locator: session.locator, links: session.links, ui: scriptedPerson(phone), emit: (e) => { events.push(e); if (process.env['REVIVE_TEST_DEBUG'] && e.type !== 'progress') console.log(JSON.stringify(e).slice(0, 300)); }, signal: new AbortController().signal, waitTimeoutMs: 10_000 },
            );
            // From the phone's own state, not from our report:
            const state = JSON.parse(readFileSync(join(bench.dir, 'phone', 'state.json'), 'utf8')) as { mode: string; installed: Array<{ fileName: string; sha256: string }>; androidVersion: string };
            expect(state.mode).toBe('android');
            expect(state.androidVersion).toBe('8.1.0');
            const digests = await Promise.all([bench.demo.rom, bench.demo.gapps, bench.demo.su].map(async (p) => (await hashFile(p)).sha256));
            expect(state.installed.map((p) => p.sha256)).toEqual(digests);
            const recovery = readFileSync(phone.partitions.path('RECOVERY'));
            const twrp = readFileSync(bench.demo.recovery);
            expect(recovery.subarray(0, twrp.length).equals(twrp)).toBe(true);
            // The backup on the computer is one archive, nothing beside it that opens it, and matches what the phone held.
            const backupFiles = await readdir(join(bench.dir, 'backup'));
            // Two archives, both locked: internal storage copied from Android first, then the full backup.
            const archive = backupFiles.find((f) => f.endsWith('.tar.age') && !f.endsWith('-storage.tar.age')) ?? '';
            const storageArchive = backupFiles.find((f) => f.endsWith('-storage.tar.age')) ?? '';
            expect(backupFiles.sort()).toEqual([archive, storageArchive].sort());
            expect(report.backup.kind === 'verified' ? report.backup.files.map((f) => f.name) : []).toEqual([storageArchive, archive]);
            const checked = await verifyArchive(join(bench.dir, 'backup', archive), BACKUP_OPENER);
            const efsDigest = createHash('sha256').update(efs).digest('hex');
            expect(checked.parts.find((p) => p.path === 'raw/efs.emmc.win')?.sha256).toBe(efsDigest);
            expect(checked.parts.some((p) => p.path.startsWith('twrp/boot'))).toBe(true);
            const archiveDigest = (await hashFile(join(bench.dir, 'backup', archive))).sha256;
            expect(report.backup.kind === 'verified' && report.backup.files.some((f) => f.name === archive && f.sha256 === archiveDigest)).toBe(true);
            expect(report.backup.kind).toBe('verified');
            expect(report.after.androidVersion).toBe('8.1.0');
            expect(events.at(-1)?.type).toBe('done');
            const journal = readJournal(report.journalPath);
            expect(journal.filter((e) => e.t === 'step' && e.status === 'verified').map((e) => (e.t === 'step' ? e.step : ''))).toEqual([
                'identify', 'gate', 'save-storage', 'flash-recovery', 'enter-recovery', 'backup', 'wipe', 'install:rom', 'install:gapps', 'install:su', 'reboot', 'verify-system',
            ]);
        } finally {
            await session.close();
            await phone.close();
        }
    });

    it("takes Samsung's TWRP as an Odin .img.tar: RECOVERY gets the image inside, streamed from the archive", async () => {
        const stateDir = join(bench.dir, 'phone-tar');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        const tarPath = join(bench.dir, 'packages', 'twrp-REVIVE-DEMO-ks01ltexx.img.tar');
        await copyFile(bench.demo.recovery, join(bench.dir, 'packages', 'recovery.img'));
        execFileSync('tar', ['--format=ustar', '-cf', tarPath, '-C', join(bench.dir, 'packages'), 'recovery.img']);
        await writeFile(`${tarPath}.sha256`, `${(await hashFile(tarPath)).sha256}  twrp-REVIVE-DEMO-ks01ltexx.img.tar\n`);
        try {
            const run = await upgradeVirtual(phone, recipe, { recovery: tarPath, rom: bench.demo.rom }, { home: join(bench.dir, 'home-tar'), noBackup: true });
            expect(run.error).toBeUndefined();
            const twrp = readFileSync(bench.demo.recovery);
            expect(readFileSync(phone.partitions.path('RECOVERY')).subarray(0, twrp.length).equals(twrp)).toBe(true);
            expect(phoneState(stateDir).installed.map((p) => p.sha256)).toEqual([(await hashFile(bench.demo.rom)).sha256]);
        } finally {
            await phone.close();
        }
    });
});
