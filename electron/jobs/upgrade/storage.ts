/**
 * Internal storage (photos, downloads, documents) copied from the running Android over adb before
 * anything can erase it — on phones whose bootloader unlock wipes them, that is before the unlock
 * question. It goes through the one backup engine, as `revive backup create --storage-only` does:
 * one age archive (storage/<path> parts, device.json, manifest.json) locked like the upgrade's
 * backup, so `age -d … | tar x`, `revive backup verify` and `revive restore` open it. Every file is
 * hashed on its way into the archive and compared with what the phone computes of its own copy;
 * the archive is then read back. App data (apps, messages, settings) is not reachable without
 * root, and the step says so.
 */
import { ARCHIVE_SUFFIX, archiveFileName } from '../../../native/backup/archive-writer.js';
import { recordVerified } from '../../../native/backup/check-record.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import type { ReportBackupFile } from '../../../native/jobs/events.js';
import type { JournalValue } from '../../../native/jobs/journal.js';
import type { StepResult } from '../../../native/jobs/runner.js';
import { writeArchive } from '../backup/archive-step.js';
import { CONFIRM_IDS } from './ids.js';
import type { UpgradeJob } from './job.js';

/** The facts the step leaves in the journal, which the unlock and erase questions and the report word. */
export interface StorageCopyFacts {
    /** The encrypted archive the files went into; null when nothing was copied. */
    readonly archive: (ReportBackupFile & { readonly path: string }) | null;
    readonly files: number;
    readonly bytes: number;
    /** Why nothing was copied, when nothing was: `declined` (the person chose so), `not-android` (the phone was not running Android). */
    readonly skipped: 'declined' | 'not-android' | null;
}

function archiveOf(value: JournalValue | undefined): StorageCopyFacts['archive'] {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const { path, name, sizeBytes, sha256 } = value;
    return typeof path === 'string' && typeof name === 'string' && typeof sizeBytes === 'number' && typeof sha256 === 'string' ? { path, name, sizeBytes, sha256 } : null;
}

export function storageFacts(data: Record<string, JournalValue> | undefined): StorageCopyFacts | undefined {
    if (!data || typeof data['files'] !== 'number') return undefined;
    const skipped = data['skipped'];
    return {
        archive: archiveOf(data['archive']),
        files: data['files'],
        bytes: typeof data['bytes'] === 'number' ? data['bytes'] : 0,
        skipped: skipped === 'declined' || skipped === 'not-android' ? skipped : null,
    };
}

function result(facts: StorageCopyFacts, detail: string): StepResult {
    return { detail, data: { ...facts, archive: facts.archive ? { ...facts.archive } : null } };
}

/**
 * The archive's name: the full backup's (codename, serial, the job's start) with `-storage`, so the
 * two archives of one upgrade sort together and never take each other's name; kept across runs.
 */
function storageArchiveName(job: UpgradeJob): string {
    const codename = job.found?.codename ?? job.recipe.codenames[0] ?? job.recipe.id;
    const name = archiveFileName({ codename, serial: job.found?.serial ?? 'unknown' }, new Date(job.run.journal.entries[0]?.at ?? Date.now()));
    return `${name.slice(0, -ARCHIVE_SUFFIX.length)}-storage${ARCHIVE_SUFFIX}`;
}

export async function copyInternalStorage(job: UpgradeJob): Promise<StepResult> {
    if (job.options.noBackup) {
        return result({ archive: null, files: 0, bytes: 0, skipped: 'declined' }, 'Nothing copied: you chose to go on without a backup.');
    }
    const lock = job.backupLock();
    let phone = job.modes.current() ?? (await job.modes.anyMode());
    if (phone.mode !== 'android') {
        // Only the running Android shows internal storage to a computer without unlocking anything.
        const goOn = await job.run.confirm({
            id: CONFIRM_IDS.storageNotAndroid,
            question: 'Copy the photos and files first?',
            detail: 'The phone is not running Android, so its internal storage cannot be copied now. Start Android to copy it, or go on without a copy.',
            danger: true,
            confirmLabel: 'Go on without a copy',
            cancelLabel: 'Start Android first',
        });
        if (goOn) {
            job.run.journal.append({ t: 'note', key: 'no-storage-copy', data: { choice: 'The person chose to go on without copying internal storage.' } });
            return result({ archive: null, files: 0, bytes: 0, skipped: 'not-android' }, 'Nothing copied: the phone was not running Android and you chose to go on.');
        }
        phone = await job.modes.byKeys('android', 'Start the phone normally, into Android, and unlock its screen.');
    }
    const adb = await job.modes.adb(phone);
    let written: Awaited<ReturnType<typeof writeArchive>>;
    try {
        written = await writeArchive(job.run, adb.session(), job.recipe, { folder: job.backupDir(), fileName: storageArchiveName(job), recipients: lock.recipients, storageOnly: true, checkOnPhone: true });
    } finally {
        await adb.close();
    }
    const { archive, manifest } = written;
    // Read back before the unlock question: what it says is on the computer opens and matches, part by part.
    if (lock.verifyWith) await recordVerified(archive.path, await verifyArchive(archive.path, lock.verifyWith, job.run.context()), job.home);
    const parts = manifest.parts.filter((p) => p.kind === 'storage');
    const bytes = parts.reduce((sum, p) => sum + p.sizeBytes, 0);
    return result(
        { archive, files: parts.length, bytes, skipped: null },
        `${parts.length} files (${bytes} bytes) from internal storage written to ${archive.path} (${archive.sizeBytes} bytes, SHA-256 ${archive.sha256}); every SHA-256 matches the phone's${lock.verifyWith ? ', and the archive was read back' : ''}. App data (apps, messages, settings) cannot be copied over USB.`,
    );
}
