/**
 * The backup that needs nothing unlocked: internal storage (photos, downloads, documents) read from
 * the running Android over adb sync, into the same archive as a full backup (storage/<path> parts,
 * device.json and manifest.json), so `revive restore` puts it back the same way. For phones whose
 * full backup would need an erase first (a locked bootloader whose unlock wipes the phone). App data
 * is not readable from Android without root, and folders apps can fill again are left out.
 */
import type { AdbPhone } from '../adb/phone.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import type { Recipe } from '../manifests/schema.js';
import type { AgeRecipient } from './age/index.js';
import { archiveFileName, BackupArchiveWriter, type FinishedArchive } from './archive-writer.js';
import type { Part } from './manifest.js';
import { deviceFacts } from './phone-backup.js';
import { listTree, readPhoneFile, withSync } from './phone-files.js';
import { WholeBackupProgress } from './whole-progress.js';

/** Internal storage as Android shows it to adb (the same files as /data/media/0 in TWRP). */
export const ANDROID_STORAGE = '/storage/emulated/0';

/** What an app makes again (Android/data, Android/obb) and TWRP's own backups: not the person's files. */
export const STORAGE_SKIPPED: readonly RegExp[] = [/^Android\/(data|obb)(\/|$)/, /^TWRP(\/|$)/];

export interface StorageBackupOptions {
    readonly folder: string;
    readonly fileName?: string | undefined;
    readonly recipients: readonly AgeRecipient[];
    readonly onPart?: ((part: Part) => void) | undefined;
    /**
     * Also compare every file, once in the archive, with the SHA-256 the phone computes of its own
     * copy (`sha256sum`; skipped on phones without it): the upgrade's copy before an unlock that
     * wipes the phone, where a wrong copy cannot be made again.
     */
    readonly checkOnPhone?: boolean | undefined;
}

export async function backupStorageFromAndroid(phone: AdbPhone, recipe: Recipe, options: StorageBackupOptions, ctx: JobContext = {}): Promise<FinishedArchive> {
    if (phone.state !== 'device') throw ReviveError.of('backup-storage-needs-android', { state: phone.state });
    const facts = await deviceFacts(phone, recipe);
    return BackupArchiveWriter.write({ folder: options.folder, fileName: options.fileName ?? archiveFileName(facts), recipients: options.recipients, onPart: options.onPart }, facts, (writer) =>
        withSync(phone, { activity: 'backup-copy' }, async (sync) => {
            const files = await listTree(sync, ANDROID_STORAGE, (rel) => STORAGE_SKIPPED.some((re) => re.test(rel)));
            ctx.onLog?.(`Copying internal storage from Android: ${files.length} files.`);
            const whole = new WholeBackupProgress(ctx, files.reduce((sum, f) => sum + f.sizeBytes, 0));
            whole.start();
            for (const file of files) {
                ctx.signal?.throwIfAborted();
                const part = await whole.part(`storage/${file.rel}`, file.sizeBytes, (partCtx) => writer.addPart('storage', file.rel, file.sizeBytes, readPhoneFile(sync, file.path), partCtx));
                const onPhone = options.checkOnPhone ? await phone.sha256OnPhone(file.path) : undefined;
                if (onPhone !== undefined && onPhone !== part.sha256) {
                    throw ReviveError.of('storage-copy-mismatch', { file: part.path, name: file.rel, expected: onPhone, found: part.sha256 });
                }
            }
        }),
    );
}
