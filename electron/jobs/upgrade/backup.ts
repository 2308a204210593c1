/**
 * The backup before anything is erased: TWRP backs up its partitions on the phone, every file is
 * copied to the computer and its SHA-256 compared with the phone's (and TWRP's own digest), and
 * the partitions TWRP has no letter for but that nothing can give back (EFS, persist) are copied
 * raw from their block devices. The person may decline, explicitly and on the record.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { shellCommand } from '../../../native/adb/shell-words.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { checkedName } from '../../../native/jobs/names.js';
import type { ReportBackup, ReportBackupFile } from '../../../native/jobs/events.js';
import { ensurePrivateDir, fileInside, writePrivateFile } from '../../../native/jobs/private-files.js';
import { BLOCK_DIRS, findBlockDevice } from '../../../native/backup/phone-backup.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { AdbLink } from '../phone-link.js';
import { CONFIRM_IDS, noRawBackupId } from './ids.js';
import { firstError, type UpgradeJob } from './job.js';

/** Partitions without a TWRP letter that are backed up raw (see rawBackups). */
const RAW_BACKUP: ReadonlySet<string> = new Set(['efs', 'persist']);

export async function twrpBackup(job: UpgradeJob): Promise<{ detail: string; backup: ReportBackup }> {
    if (job.options.noBackup) {
        const ok = await job.run.confirm({
            id: CONFIRM_IDS.noBackup,
            question: 'Go on without a backup?',
            detail: 'Without a backup, nothing on the phone can be brought back later: photos, messages, and on Samsung phones the EFS partition that holds the IMEI.',
            danger: true,
            confirmLabel: 'Go on without a backup',
            cancelLabel: 'Stop',
        });
        if (!ok) throw ReviveError.of('backup-required', {});
        const declinedAt = new Date().toISOString();
        job.run.journal.append({ t: 'note', key: 'no-backup', data: { declinedAt, choice: 'The person chose explicitly to go on without a backup.' } });
        return { detail: 'No backup: the person chose to go on without one (recorded).', backup: { kind: 'declined', declinedAt } };
    }
    const phone = await job.modes.ensure('recovery');
    const letters = backupLetters(job.recipe);
    const name = checkedName('backup', `revive-${job.run.jobId}`);
    const adb = await job.modes.adb(phone);
    try {
        job.run.note('backup-parts', { parts: letters.names.join(', ') });
        const out = await adb.shell(shellCommand('twrp', 'backup', letters.letters, name));
        if (/^E:|Error processing script/m.test(out)) {
            throw ReviveError.of('backup-failed', { variant: 'twrp', twrpSaid: firstError(out), folder: '' });
        }
        // TWRP names the folder after ro.serialno; USB shows no serial in download mode, so ask TWRP.
        const remoteDir = `/data/media/TWRP/BACKUPS/${(await adb.getprop('ro.serialno')) || (job.found?.serial ?? '')}/${name}`;
        job.run.note('backup-finished', { folder: remoteDir });
        const listing = await adb.listDir(remoteDir);
        const wins = listing.filter((f) => f.name.endsWith('.win') || /\.win\d+$/.test(f.name));
        if (wins.length === 0) throw ReviveError.of('backup-failed', { variant: 'empty', twrpSaid: '', folder: remoteDir });
        const localDir = job.backupDir();
        // The phone names the files: every name is checked before the first one is written.
        const copies = listing
            .filter((entry) => !(entry.name.endsWith('.sha2') || entry.name === 'recovery.log' || entry.name.endsWith('.info')))
            .map((entry) => ({ name: entry.name, local: fileInside(localDir, entry.name) }));
        await ensurePrivateDir(localDir);
        const files: ReportBackupFile[] = [];
        for (const entry of copies) {
            const local = entry.local;
            // A resumed backup copies again: what an earlier attempt left is replaced, never followed.
            await rm(local, { force: true });
            job.run.note('backup-copying', { file: entry.name });
            // Hashed once, as the bytes were written: the copy is what was hashed.
            const onDisk = await adb.pull(`${remoteDir}/${entry.name}`, local, job.run.context());
            const onPhone = (await adb.sha256(`${remoteDir}/${entry.name}`)) ?? '';
            const twrpDigest = listing.some((f) => f.name === `${entry.name}.sha2`) ? ((await adb.shell(shellCommand('cat', `${remoteDir}/${entry.name}.sha2`))).trim().split(/\s+/)[0] ?? '') : '';
            if (onPhone !== onDisk.sha256 || (twrpDigest !== '' && twrpDigest !== onDisk.sha256)) {
                throw ReviveError.of('backup-mismatch', { variant: 'twrp-file', file: local, name: entry.name, expected: onPhone || '—', twrp: twrpDigest || '—', found: onDisk.sha256 });
            }
            files.push({ name: entry.name, sizeBytes: onDisk.sizeBytes, sha256: onDisk.sha256 });
            if (twrpDigest) await writePrivateFile(`${local}.sha2`, `${twrpDigest}  ${entry.name}\n`);
        }
        const raw = await rawBackups(job, adb, localDir);
        files.push(...raw.files);
        await writePrivateFile(join(localDir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.name}\n`).join(''));
        const names = [...letters.names, ...raw.names];
        return {
            detail: `Backup of ${names.join(', ')} copied to ${localDir}: ${files.length} files, every SHA-256 matches the phone's.`,
            backup: { kind: 'verified', directory: localDir, files },
        };
    } finally {
        await adb.close();
    }
}

/**
 * Partitions TWRP's command line has no letter for but that hold what nothing can give back
 * (EFS: the IMEI; persist: sensor calibration and DRM keys), copied the way careful people do
 * it in TWRP's root shell: the raw block device, pulled to `<name>.emmc.win` (TWRP's own name
 * for raw images), its SHA-256 asked of the phone (`sha256sum`) and compared with the copy's.
 */
async function rawBackups(job: UpgradeJob, adb: AdbLink, localDir: string): Promise<{ files: ReportBackupFile[]; names: string[] }> {
    const files: ReportBackupFile[] = [];
    const names: string[] = [];
    for (const part of job.recipe.partitions.filter((p) => p.twrpName !== undefined && RAW_BACKUP.has(p.twrpName))) {
        const twrpName = part.twrpName ?? part.name;
        const device = await findBlockDevice(part.name, async (path) => /^revive-found$/m.test(await adb.shell(`${shellCommand('ls', path)} && echo revive-found`)));
        if (!device) {
            const ok = await job.run.confirm({
                id: noRawBackupId(twrpName),
                question: `The ${part.name} partition cannot be found on the phone. Go on without backing it up?`,
                detail: `${part.name} holds what cannot be downloaded again (on Samsung phones the EFS partition holds the IMEI). Revive looked for it in ${BLOCK_DIRS.join(' and ')}.`,
                danger: true,
                confirmLabel: `Go on without ${part.name}`,
                cancelLabel: 'Stop',
            });
            if (!ok) {
                throw ReviveError.of('backup-raw-missing', { partition: part.name });
            }
            job.run.journal.append({ t: 'note', key: `no-raw-backup:${twrpName}`, data: { partition: part.name, choice: 'The person chose to go on without it (not found on the phone).' } });
            continue;
        }
        const name = `${twrpName}.emmc.win`;
        const local = fileInside(localDir, name);
        await rm(local, { force: true });
        job.run.note('backup-raw-copying', { partition: part.name, device, file: name });
        const onDisk = await adb.pull(device, local, job.run.context());
        const onPhone = await adb.sha256(device);
        if (!onPhone || onPhone !== onDisk.sha256) {
            throw ReviveError.of(
                'backup-mismatch',
                onPhone
                    ? { variant: 'partition', file: local, name, partition: part.name, device, expected: onPhone, found: onDisk.sha256 }
                    : { variant: 'partition-unchecked', file: local, name, partition: part.name, device, expected: '', found: onDisk.sha256 },
            );
        }
        await writePrivateFile(`${local}.sha2`, `${onDisk.sha256}  ${name}\n`);
        files.push({ name, sizeBytes: onDisk.sizeBytes, sha256: onDisk.sha256 });
        names.push(twrpName);
    }
    return { files, names };
}

function backupLetters(recipe: Recipe): { letters: string; names: string[] } {
    const byName: Record<string, string> = { boot: 'B', system: 'S', data: 'D' };
    const names = recipe.partitions.map((p) => p.twrpName).filter((n): n is string => n !== undefined && byName[n] !== undefined);
    return { letters: names.map((n) => byName[n]).join(''), names };
}


