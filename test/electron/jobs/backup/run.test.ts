/**
 * The backup job on virtual phones: TWRP reached without writing anything (fastboot boot on an
 * unlocked Nexus 6, adb from Android on a Galaxy S4), a locked bootloader refused with nothing
 * done and internal storage offered instead, a cancelled backup resumed from its journal, and one
 * stopped while it is read back keeping its whole archive.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup, type BackupJobEvent, type BackupJobOptions, type BackupJobReport } from '../../../../electron/jobs/backup/run.js';
import { verifyArchive } from '../../../../native/backup/verify.js';
import { ReviveError } from '../../../../native/jobs/errors.js';
import { readJournal } from '../../../../native/jobs/journal.js';
import { requireRecipe } from '../../../../native/manifests/load.js';
import { VirtualPhone } from '../../../../native/virtual/phone.js';
import { type JobRun, phoneState, type PhoneStateFile, runOnVirtualPhone, upgradeBench } from '../helpers.js';

/** The phone's state file once everything it did is saved (it saves lazily). */
async function saved(phone: VirtualPhone): Promise<PhoneStateFile> {
    await phone.saveState();
    return phoneState(phone.stateDir);
}

const PASS = 'juniper kettle orbit seventeen';
const pass = [{ kind: 'scrypt' as const, passphrase: PASS }];

const bench = upgradeBench(requireRecipe('shamu'), { prefix: 'revive-backup-job-', romBytes: 64 * 1024 });

async function fill(stateDir: string): Promise<void> {
    await mkdir(join(stateDir, 'fs', 'data', 'media', '0', 'DCIM'), { recursive: true });
    await writeFile(join(stateDir, 'fs', 'data', 'media', '0', 'DCIM', 'IMG_1.jpg'), Buffer.alloc(300_000, 7));
    await mkdir(join(stateDir, 'fs', 'data', 'media', '0', 'Android', 'data', 'org.app'), { recursive: true });
    await writeFile(join(stateDir, 'fs', 'data', 'media', '0', 'Android', 'data', 'org.app', 'cache.bin'), 'cache');
}

function backUp(phone: VirtualPhone, options: Omit<BackupJobOptions, 'recipients'>, signal?: AbortSignal, onEvent?: (e: BackupJobEvent) => void): Promise<JobRun<BackupJobReport, BackupJobEvent>> {
    return runOnVirtualPhone(phone, (env) => runBackup({ recipients: pass, verifyWith: pass, home: bench.home, ...options }, env), { signal, onEvent, waitTimeoutMs: 20_000 });
}

describe('the backup job', () => {
    it('starts TWRP from RAM on an unlocked Nexus 6: the recovery partition is never written, the phone goes back to Android', async () => {
        const stateDir = join(bench.dir, 'shamu');
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            phone.state.bootloaderLocked = false;
            await fill(stateDir);
            await phone.saveState();
            const writesBefore = { ...(await saved(phone)).writeCounts };
            const result = await backUp(phone, { jobId: 'backup-shamu', folder: join(bench.dir, 'out-shamu'), twrpImage: bench.demo.recovery });
            expect(result.error).toBeUndefined();
            const report = result.report as BackupJobReport;
            expect(report.twrpWay).toBe('fastboot-boot');
            expect(report.verified).toBe(true);
            expect(report.phoneLeftIn).toBe('android');
            expect((await saved(phone)).writeCounts).toEqual(writesBefore);
            expect((await saved(phone)).mode).toBe('android');
            const paths = report.manifest.parts.map((p) => p.path);
            expect(paths).toEqual(expect.arrayContaining(['twrp/boot.emmc.win', 'raw/persist.emmc.win', 'storage/DCIM/IMG_1.jpg']));
            const checked = await verifyArchive(report.archive.path, pass);
            expect(checked.parts.length).toBe(report.manifest.parts.length);
            // Per step and per part in the journal; progress with rate and time left.
            const journal = readJournal(report.journalPath);
            expect(journal.filter((e) => e.t === 'note' && e.key === 'archive-part')).toHaveLength(report.manifest.parts.length);
            const progress = result.events.filter((e) => e.type === 'progress');
            expect(progress.length).toBeGreaterThan(0);
            expect(progress.every((e) => e.type === 'progress' && typeof e.progress.rate === 'number' && 'etaSeconds' in e.progress)).toBe(true);
        } finally {
            await phone.close();
        }
    });

    it('refuses a locked Nexus 6 plainly, with nothing done, and backs up its internal storage from Android instead', async () => {
        const stateDir = join(bench.dir, 'shamu-locked');
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            await fill(stateDir);
            expect((await saved(phone)).bootloaderLocked).toBe(true);
            const writesBefore = { ...(await saved(phone)).writeCounts };
            const refused = await backUp(phone, { folder: join(bench.dir, 'out-locked'), twrpImage: bench.demo.recovery });
            expect(refused.error).toBeInstanceOf(ReviveError);
            expect((refused.error as ReviveError).code).toBe('backup-bootloader-locked');
            expect((refused.error as ReviveError).message).toMatch(/unlocking it erases the phone/);
            expect((refused.error as ReviveError).nextStep).toMatch(/--storage-only/);
            expect((await saved(phone)).mode).toBe('android');
            expect(existsSync(join(bench.dir, 'out-locked')) ? readdirSync(join(bench.dir, 'out-locked')) : []).toEqual([]);

            const storage = await backUp(phone, { folder: join(bench.dir, 'out-locked'), storageOnly: true });
            expect(storage.error).toBeUndefined();
            const report = storage.report as BackupJobReport;
            expect(report.kind).toBe('storage-only');
            expect(report.manifest.parts.map((p) => p.path)).toEqual(['storage/DCIM/IMG_1.jpg']);
            expect(report.manifest.device.codename).toBe('shamu');
            expect((await saved(phone)).writeCounts).toEqual(writesBefore);
            expect((await saved(phone)).bootloaderLocked).toBe(true);
        } finally {
            await phone.close();
        }
    });

    it('a cancelled backup leaves no partial file; resumed by its id, it finishes', async () => {
        const stateDir = join(bench.dir, 's4');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            await fill(stateDir);
            await phone.partitions.write('SYSTEM', 0, Buffer.alloc(2 * 1024 * 1024, 3));
            await phone.saveState();
            const writesBefore = { ...(await saved(phone)).writeCounts };
            const stop = new AbortController();
            const folder = join(bench.dir, 'out-s4');
            const first = await backUp(phone, { jobId: 'backup-s4', folder }, stop.signal, (e) => {
                if (e.type === 'progress' && e.progress.step === 'backup' && e.progress.bytesDone > 0) stop.abort();
            });
            expect(first.events.at(-1)?.type).toBe('cancelled');
            expect(readdirSync(folder)).toEqual([]);
            const again = await backUp(phone, { resumeJobId: 'backup-s4', folder });
            expect(again.error).toBeUndefined();
            const report = again.report as BackupJobReport;
            expect(report.runs).toBe(2);
            expect(report.twrpWay).toBe('already');
            expect(readdirSync(folder)).toEqual([report.archive.name]);
            expect(readFileSync(report.archive.path).length).toBe(report.archive.sizeBytes);
            expect((await saved(phone)).writeCounts).toEqual(writesBefore);
            // Found in Android, left in Android.
            expect((await saved(phone)).mode).toBe('android');
        } finally {
            await phone.close();
        }
    });

    it('stopped while the archive is read back, it keeps the whole file and says so, not that it was removed', async () => {
        const stateDir = join(bench.dir, 's4-read-back');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            await fill(stateDir);
            const stop = new AbortController();
            const folder = join(bench.dir, 'out-read-back');
            const stopped = await backUp(phone, { folder }, stop.signal, (e) => {
                if (e.type === 'progress' && e.progress.step === 'backup-read' && e.progress.bytesDone > 0) stop.abort();
            });
            expect(stopped.events.at(-1)?.type).toBe('cancelled');
            const error = stopped.error as ReviveError;
            expect(error.code).toBe('cancelled');
            expect(error.facts['variant']).toBe('backup-kept');
            const [name] = readdirSync(folder);
            expect(name).toMatch(/^ks01ltexx-.*\.tar\.age$/);
            expect(error.facts['file']).toBe(join(folder, name ?? '?'));
            expect(error.message).toContain('stays on this computer');
            expect(error.message).not.toMatch(/removed/);
            // The kept file is whole: it opens and every part checks.
            expect((await verifyArchive(join(folder, name ?? '?'), pass)).parts.length).toBeGreaterThan(0);
        } finally {
            await phone.close();
        }
    });
});
