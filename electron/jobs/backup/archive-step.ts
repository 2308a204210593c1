/**
 * Writing the archive, shared by the backup job and the upgrade's backup step: the engine of
 * native/backup (TWRP's backup, raw state partitions and internal storage from TWRP; or internal
 * storage alone from Android) into one age archive, every part journalled as it lands, the
 * archive's own SHA-256 (taken as it was written) kept for reports and receipts. A run that
 * finds the archive it wrote in an earlier run (journalled, same size and SHA-256) keeps it
 * instead of backing up again.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AdbPhone } from '../../../native/adb/phone.js';
import type { AgeRecipient } from '../../../native/backup/age/index.js';
import type { Manifest } from '../../../native/backup/manifest.js';
import { backupPhone } from '../../../native/backup/phone-backup.js';
import { backupStorageFromAndroid } from '../../../native/backup/storage-backup.js';
import { hashFile } from '../../../native/integrity/hash.js';
import type { JournalValue } from '../../../native/jobs/journal.js';
import type { JobRun } from '../../../native/jobs/runner.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { BackupJobReport } from './types.js';

/** What the archive step needs of a job's run (the backup job's or the upgrade's). */
export type ArchiveRun = Pick<JobRun<unknown, unknown>, 'journal' | 'context' | 'signal'>;

export interface ArchiveSpec {
    readonly folder: string;
    readonly fileName: string;
    readonly recipients: readonly AgeRecipient[];
    readonly parts?: readonly string[] | undefined;
    readonly storage?: boolean | undefined;
    readonly storageOnly?: boolean | undefined;
    /** Storage only: also compare each file with the phone's own sha256sum (see StorageBackupOptions). */
    readonly checkOnPhone?: boolean | undefined;
}

export interface WrittenArchive {
    readonly archive: BackupJobReport['archive'];
    readonly manifest: Manifest;
}

const WRITTEN_NOTE = 'archive-written';

/** The archive an earlier run of this job finished, if it is still there unchanged (a job may write more than one: the upgrade does). */
async function earlierArchive(run: ArchiveRun, path: string): Promise<WrittenArchive | undefined> {
    let noted: Record<string, JournalValue> | undefined;
    for (const entry of run.journal.entries) if (entry.t === 'note' && entry.key === WRITTEN_NOTE && entry.data['path'] === path) noted = entry.data;
    if (!noted) return undefined;
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size !== noted['sizeBytes']) return undefined;
    const digest = await hashFile(path, run.context(), `recheck:${basename(path)}`);
    if (digest.sha256 !== noted['sha256']) return undefined;
    return { archive: { path, name: basename(path), sizeBytes: size, sha256: digest.sha256 }, manifest: noted['manifest'] as unknown as Manifest };
}

export async function writeArchive(run: ArchiveRun, phone: AdbPhone, recipe: Recipe, spec: ArchiveSpec): Promise<WrittenArchive> {
    const path = join(spec.folder, spec.fileName);
    const earlier = await earlierArchive(run, path);
    if (earlier) return earlier;
    const ctx = run.context();
    const onPart = (part: { path: string; sizeBytes: number; sha256: string }): void => {
        run.journal.append({ t: 'note', key: 'archive-part', data: { path: part.path, sizeBytes: part.sizeBytes, sha256: part.sha256 } });
    };
    const target = { folder: spec.folder, fileName: spec.fileName, recipients: spec.recipients, onPart };
    const finished = spec.storageOnly
        ? await backupStorageFromAndroid(phone, recipe, { ...target, checkOnPhone: spec.checkOnPhone }, ctx)
        : await backupPhone(phone, recipe, { ...target, parts: spec.parts, storage: spec.storage }, ctx);
    // Taken by the writer as the bytes went to the disk: no second read of the whole archive.
    const archive = { path: finished.path, name: basename(finished.path), sizeBytes: finished.sizeBytes, sha256: finished.sha256 };
    run.journal.append({ t: 'note', key: WRITTEN_NOTE, data: { ...archive, manifest: finished.manifest as unknown as JournalValue } });
    return { archive, manifest: finished.manifest };
}
