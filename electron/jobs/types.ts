/**
 * The upgrade job's contract, for the CLI, the desktop wizard (electron/api) and tests.
 * Event values are defined in native/jobs/events.ts and re-exported here.
 */
import type { AgeIdentity, AgeRecipient } from '../../native/backup/age/index.js';
import type { DeviceRef } from '../../native/devices/ref.js';

export type {
    JobEvent,
    JobEventType,
    JobStartedEvent,
    JobStepEvent,
    JobProgressEvent,
    JobInstruction,
    JobInstructionEvent,
    JobConfirmRequest,
    JobConfirmEvent,
    JobLogEvent,
    JobDoneEvent,
    JobFailedEvent,
    JobCancelledEvent,
    UpgradeEnding,
    PanelJobEvent,
    PanelJobReport,
    JobStepInfo,
    JobUi,
    StepStatus,
    ChecksumSource,
    ReportFile,
    ReportBackup,
    ReportBackupFile,
    UpgradeReport,
} from '../../native/jobs/events.js';
export type { ProgressEvent } from '../../native/jobs/progress.js';
export type { ReviveErrorData } from '../../native/jobs/errors.js';

/** The person-facing side of the upgrade (same as JobUi; the name the issue uses). */
export type { JobUi as UpgradeUi } from '../../native/jobs/events.js';

/** Which phone to upgrade: read from a person's words by native/devices/ref.ts. */
export type { DeviceRef } from '../../native/devices/ref.js';

/** What the person hands the upgrade job. */
export interface UpgradeFiles {
    readonly recovery: string;
    readonly rom: string;
    readonly gapps?: string | undefined;
    readonly su?: string | undefined;
}

export interface UpgradeOptions {
    /** The new job's id, chosen by the caller before it starts (common/job-id.ts; default: a new one). */
    readonly jobId?: string | undefined;
    readonly device: DeviceRef;
    readonly files: UpgradeFiles;
    /** Checksums typed in by the person, per role (64 hex digits), for files not in the recipe. */
    readonly checksums?: Partial<Record<keyof UpgradeFiles, string>> | undefined;
    /** Where the TWRP backup is copied to; default `<app data>/backups/<jobId>`. */
    readonly backupTo?: string | undefined;
    /**
     * Who can open the backup archive: a passphrase (scrypt) or recipients (a shop), and what reads
     * it back. Never journalled; a resumed job is given them again. Required while a backup is to
     * be written: without it the job refuses to start (backup-lock-needed), as no key is ever kept
     * beside an archive.
     */
    readonly backupKeys?: { readonly recipients: readonly AgeRecipient[]; readonly verifyWith?: readonly AgeIdentity[] | undefined } | undefined;
    /** The person chose explicitly to go without a backup (recorded in the journal). */
    readonly noBackup?: boolean | undefined;
    /** Continue this interrupted job from its journal instead of starting a new one. */
    readonly resumeJobId?: string | undefined;
    /** App data folder (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
}
