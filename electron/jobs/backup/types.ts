/**
 * The backup job's contract, for the CLI (`revive backup create`), the app ("Back up this phone",
 * "Before you travel") and the upgrade's backup step: what a caller hands in, what the job tells
 * while it runs (the one event vocabulary of native/jobs/events.ts) and what it hands back.
 */
import type { Manifest } from '../../../native/backup/manifest.js';
import type { BackupOptions } from '../../../native/backup/phone-backup.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import type { PhoneMode } from '../../../native/manifests/schema.js';
import type { PhoneJobEnvironment } from '../phone-link.js';

/** The steps of a backup, in order; the page words each from its locale files. */
export const BACKUP_STEP_IDS = {
    identify: 'identify',
    /** Bring the phone to TWRP (full backup) or to Android (internal storage only). */
    reach: 'reach-phone-mode',
    archive: 'archive',
    verify: 'verify-archive',
    /** Put the phone back where it was found. */
    leave: 'leave-phone',
} as const;

/**
 * How the job reached TWRP: it was there, Android restarted into it, it was started from RAM
 * (`fastboot boot`, nothing written), or, on a Samsung phone with its stock recovery, the person
 * agreed to TWRP being written to the recovery partition (Odin) and started it.
 */
export type TwrpWay = 'already' | 'adb-reboot' | 'fastboot-boot' | 'odin-flash';

/** Every way, for reading one back from a journal. */
export const TWRP_WAYS: readonly TwrpWay[] = ['already', 'adb-reboot', 'fastboot-boot', 'odin-flash'];

/** The engine's own choices (folder, file name, recipients, read-back, parts, storage) plus the job's. */
export interface BackupJobOptions extends Pick<BackupOptions, 'folder' | 'fileName' | 'recipients' | 'verifyWith' | 'parts' | 'storage'> {
    /** The new job's id, chosen by the caller before it starts (common/job-id.ts; default: a new one). */
    readonly jobId?: string | undefined;
    /** Continue this interrupted backup from its journal (the same folder, file name and choices). */
    readonly resumeJobId?: string | undefined;
    /** App data folder (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
    /** Only internal storage, read from the running Android: nothing unlocked, nothing started. */
    readonly storageOnly?: boolean | undefined;
    /** A TWRP image to start from RAM with `fastboot boot` on phones whose bootloader is unlocked (the phone stays unchanged). */
    readonly twrpImage?: string | undefined;
    /** The recipe's TWRP image for a Samsung phone whose recovery is still Samsung's own: written to its recovery partition after the person agreed. */
    readonly recoveryImage?: string | undefined;
    /** Where the phone is left: `as-found` (default: Android if it was running Android), or `recovery` (stay in TWRP). */
    readonly leaveIn?: 'as-found' | 'recovery' | undefined;
}

/** What the job hands back when the archive is written (and, with verifyWith, read back and checked). */
export interface BackupJobReport {
    readonly jobId: string;
    readonly recipeId: string;
    readonly phoneName: string;
    readonly serial: string;
    readonly kind: 'full' | 'storage-only';
    readonly archive: {
        readonly path: string;
        readonly name: string;
        readonly sizeBytes: number;
        /** SHA-256 of the archive file itself (what a receipt names). */
        readonly sha256: string;
    };
    readonly manifest: Manifest;
    /** True when the archive was read back and every part matched the manifest. */
    readonly verified: boolean;
    /** How TWRP was reached; null for a storage-only backup. */
    readonly twrpWay: TwrpWay | null;
    /** The mode the job left the phone in. */
    readonly phoneLeftIn: PhoneMode | null;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly runs: number;
    readonly steps: ReadonlyArray<{ readonly id: string; readonly title: string; readonly status: 'done' | 'skipped' | 'done-earlier'; readonly detail: string }>;
    readonly journalPath: string;
}

/** What `failed` and `cancelled` add: a backup changes nothing on the phone, so only whether it can resume. */
export interface BackupEnding {
    readonly resumable: boolean;
}

export type BackupJobEvent = JobEvent<BackupJobReport, BackupEnding>;

/** The phone and the person, as for the upgrade (electron/jobs/upgrade/job.ts). */
export type BackupEnvironment = PhoneJobEnvironment<BackupJobEvent>;
