/**
 * Internal storage (photos, downloads, documents) copied from the running Android over adb before
 * anything can erase it — on phones whose bootloader unlock wipes them, that is before the unlock
 * question. Every file is pulled with its SHA-256 computed on the way, then compared with what the
 * phone computes of its own copy; the list goes into SHA256SUMS beside the copies. App data
 * (apps, messages, settings) is not reachable without root, and the step says so.
 */
import { rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JournalValue } from '../../../native/jobs/journal.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { ensurePrivateDir, writePrivateFile } from '../../../native/jobs/private-files.js';
import type { StepResult } from '../../../native/jobs/runner.js';
import { CONFIRM_IDS } from './ids.js';
import type { UpgradeJob } from './job.js';

/** Where Android keeps the person's files (the same folder as /sdcard on every single-user phone). */
export const INTERNAL_STORAGE = '/storage/emulated/0';

/** Folders that hold only what an app can make again, or TWRP's own backups (copied in their own step). */
const SKIPPED = [/^Android\/(data|obb)\//, /^TWRP\//];

/** The facts the step leaves in the journal, which the unlock and erase questions word. */
export interface StorageCopyFacts {
    readonly directory: string;
    readonly files: number;
    readonly bytes: number;
    /** Why nothing was copied, when nothing was: `declined` (the person chose so), `not-android` (the phone was not running Android). */
    readonly skipped: 'declined' | 'not-android' | null;
}

export function storageFacts(data: Record<string, JournalValue> | undefined): StorageCopyFacts | undefined {
    if (!data || typeof data['directory'] !== 'string') return undefined;
    const skipped = data['skipped'];
    return {
        directory: data['directory'],
        files: typeof data['files'] === 'number' ? data['files'] : 0,
        bytes: typeof data['bytes'] === 'number' ? data['bytes'] : 0,
        skipped: skipped === 'declined' || skipped === 'not-android' ? skipped : null,
    };
}

/**
 * Where a file the phone names goes on the computer: the phone's folders kept, but only names a
 * file manager can hold (no `.`/`..`, separators or control characters) and never outside `dir`.
 */
function localPathFor(dir: string, phonePath: string): string {
    const parts = phonePath.split('/');
    const plain = parts.every((part) => part.length > 0 && part.length <= 255 && part !== '.' && part !== '..' && !/[\\:*?"<>|]/.test(part) && ![...part].some((c) => c.charCodeAt(0) < 32));
    const full = resolve(dir, ...parts);
    const inside = relative(resolve(dir), full);
    if (!plain || inside.startsWith('..') || inside.split(sep).length !== parts.length) {
        throw ReviveError.of('unsafe-file-name', { variant: 'storage', file: phonePath.slice(0, 200), folder: dir });
    }
    return full;
}

function result(facts: StorageCopyFacts, detail: string): StepResult {
    return { detail, data: { ...facts } };
}

export async function copyInternalStorage(job: UpgradeJob): Promise<StepResult> {
    const directory = join(job.backupDir(), 'internal-storage');
    if (job.options.noBackup) {
        return result({ directory, files: 0, bytes: 0, skipped: 'declined' }, 'Nothing copied: you chose to go on without a backup.');
    }
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
            return result({ directory, files: 0, bytes: 0, skipped: 'not-android' }, 'Nothing copied: the phone was not running Android and you chose to go on.');
        }
        phone = await job.modes.byKeys('android', 'Start the phone normally, into Android, and unlock its screen.');
    }
    const adb = await job.modes.adb(phone);
    try {
        const listing = (await adb.listFiles(INTERNAL_STORAGE, job.run.context())).filter((f) => !SKIPPED.some((re) => re.test(f.path)));
        const total = listing.reduce((sum, f) => sum + f.sizeBytes, 0);
        job.run.note('storage-to-copy', { count: listing.length, bytes: total });
        const targets = listing.map((file) => ({ ...file, local: localPathFor(directory, file.path) }));
        await ensurePrivateDir(directory);
        const sums: string[] = [];
        let done = 0;
        for (const file of targets) {
            job.run.checkpoint();
            const remote = `${INTERNAL_STORAGE}/${file.path}`;
            const local = file.local;
            await ensurePrivateDir(dirname(local));
            // A resumed copy starts the file again: what an earlier attempt left is replaced, never followed.
            await rm(local, { force: true });
            const context = job.run.context();
            const base = done;
            const pulled = await adb.pull(remote, local, {
                ...context,
                onProgress: (facts) => context.onProgress?.({ ...facts, step: 'save-storage', bytesDone: base + facts.bytesDone, bytesTotal: total }),
            });
            const onDisk = await hashFile(local, {}, `storage-check:${file.path}`);
            const onPhone = await adb.sha256(remote);
            if (onDisk.sha256 !== pulled.sha256 || (onPhone !== undefined && onPhone !== onDisk.sha256) || onDisk.sizeBytes !== file.sizeBytes) {
                throw ReviveError.of('storage-copy-mismatch', { file: local, name: file.path, expected: onPhone ?? '—', found: onDisk.sha256 });
            }
            sums.push(`${onDisk.sha256}  ${file.path}\n`);
            done += onDisk.sizeBytes;
        }
        await writePrivateFile(join(directory, 'SHA256SUMS'), sums.join(''));
        return result(
            { directory, files: listing.length, bytes: done, skipped: null },
            `${listing.length} files (${done} bytes) from internal storage copied to ${directory}; every SHA-256 matches the phone's. App data (apps, messages, settings) cannot be copied over USB.`,
        );
    } finally {
        await adb.close();
    }
}
