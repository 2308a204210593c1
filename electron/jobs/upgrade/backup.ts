/**
 * The backup before anything is erased: TWRP backs up its partitions on the phone, every file is
 * copied to the computer and its SHA-256 compared with the phone's (and TWRP's own digest), and
 * the partitions TWRP has no letter for but that nothing can give back (EFS, persist) are copied
 * raw from their block devices. The person may decline, explicitly and on the record.
 */
import { shellCommand } from '../../../native/adb/shell-words.js';
import { archiveFileName } from '../../../native/backup/archive-writer.js';
import { recordVerified } from '../../../native/backup/check-record.js';
import { BLOCK_DIRS, DEFAULT_TWRP_PARTS, findBlockDevice } from '../../../native/backup/phone-backup.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { ReportBackup } from '../../../native/jobs/events.js';
import type { JournalEntry } from '../../../native/jobs/journal.js';
import { writeArchive } from '../backup/archive-step.js';
import type { AdbLink } from '../phone-link.js';
import { CONFIRM_IDS, noRawBackupId, STEP_IDS } from './ids.js';
import { storageFacts } from './storage.js';
import type { UpgradeJob } from './job.js';

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
    const folder = job.backupDir();
    const adb = await job.modes.adb(phone);
    try {
        await checkRawState(job, adb);
        const keys = job.backupLock();
        const serial = (await adb.getprop('ro.serialno')) || (job.found?.serial ?? 'unknown');
        const codename = job.found?.codename ?? job.recipe.codenames[0] ?? job.recipe.id;
        // Named once per job (from the journal's first line), so a resumed job finds the archive it wrote.
        const fileName = archiveFileName({ codename, serial }, new Date(job.run.journal.entries[0]?.at ?? Date.now()));
        const parts = DEFAULT_TWRP_PARTS.filter((name) => job.recipe.partitions.some((p) => p.twrpName === name));
        job.run.note('backup-parts', { parts: parts.join(', ') });
        const { archive, manifest } = await writeArchive(job.run, adb.session(), job.recipe, { folder, fileName, recipients: keys.recipients, parts, storage: true });
        if (keys.verifyWith) await recordVerified(archive.path, await verifyArchive(archive.path, keys.verifyWith, job.run.context()), job.home);
        job.run.note('backup-finished', { folder: archive.path });
        const storage = storageFacts(job.run.verifiedData(STEP_IDS.saveStorage))?.archive;
        const raw = manifest.parts.filter((p) => p.kind === 'raw').map((p) => p.path.slice('raw/'.length).replace(/\.emmc\.win$/, ''));
        return {
            detail: `Backup of ${[...parts, ...raw].join(', ')}${manifest.parts.some((p) => p.kind === 'storage') ? ' and internal storage' : ''} written to ${archive.path} (${archive.sizeBytes} bytes, SHA-256 ${archive.sha256}): ${manifest.parts.length} parts, each checked${keys.verifyWith ? ' and read back' : ''}. Undo the upgrade with revive restore.`,
            // The archive of internal storage made before the unlock belongs to this backup too: the report and the receipt name both.
            backup: { kind: 'verified', directory: folder, files: [...(storage ? [{ name: storage.name, sizeBytes: storage.sizeBytes, sha256: storage.sha256 }] : []), { name: archive.name, sizeBytes: archive.sizeBytes, sha256: archive.sha256 }] },
        };
    } finally {
        await adb.close();
    }
}

/** Whether a job (its journal so far) still has a backup to write: not declined, and not yet verified in an earlier run. */
export function backupStillToWrite(entries: readonly JournalEntry[]): boolean {
    const header = entries[0];
    if (header?.t !== 'job' || header.params['noBackup'] === true) return false;
    return !entries.some((e) => e.t === 'step' && e.step === STEP_IDS.backup && e.status === 'verified');
}

/**
 * A state partition nothing can give back (EFS: the IMEI) that the phone does not show is asked
 * about before the backup, on the record; the engine then backs up the ones it finds.
 */
async function checkRawState(job: UpgradeJob, adb: AdbLink): Promise<void> {
    for (const part of job.recipe.partitions.filter((p) => p.twrpName !== undefined && RAW_BACKUP.has(p.twrpName))) {
        const twrpName = part.twrpName ?? part.name;
        const device = await findBlockDevice(part.name, async (path) => /^revive-found$/m.test(await adb.shell(`${shellCommand('ls', path)} && echo revive-found`)));
        if (device) continue;
        const ok = await job.run.confirm({
            id: noRawBackupId(twrpName),
            question: `The ${part.name} partition cannot be found on the phone. Go on without backing it up?`,
            detail: `${part.name} holds what cannot be downloaded again (on Samsung phones the EFS partition holds the IMEI). Revive looked for it in ${BLOCK_DIRS.join(' and ')}.`,
            danger: true,
            confirmLabel: `Go on without ${part.name}`,
            cancelLabel: 'Stop',
        });
        if (!ok) throw ReviveError.of('backup-raw-missing', { partition: part.name });
        job.run.journal.append({ t: 'note', key: `no-raw-backup:${twrpName}`, data: { partition: part.name, choice: 'The person chose to go on without it (not found on the phone).' } });
    }
}
