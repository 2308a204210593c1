/**
 * What a running job tells the world. The CLI, the desktop wizard and the browser bridge all
 * consume exactly these values; they are plain data (JSON-safe) so they cross IPC unchanged.
 *
 * Conversation with the person: an `instruction` says what to do now with the phone (and which
 * mode the job is waiting for); a `confirm` asks a yes/no question the job cannot go on without.
 * The answer to a `confirm` travels back through the job's `JobUi.confirm` (see JobUi below),
 * never through an event.
 */
import type { PhoneMode } from '../manifests/schema.js';
import type { LogNote } from '../../common/log-codes.js';
import type { ReviveErrorData } from './errors.js';
import type { ProgressEvent } from './progress.js';

/** What a job does: the guided upgrade, or one of the panels' short jobs. */
export type JobKind = 'upgrade' | 'keys-create' | 'keys-rotate' | 'keys-revoke' | 'vpn-create' | 'firewall-create' | 'panel-push' | 'panel-remove' | 'apps-install' | 'backup' | 'backup-verify' | 'restore' | 'travel-clean';

/** What the job has done to the phone, proven by its journal (see electron/jobs/upgrade/phone-now.ts). */
export interface PhoneNowFacts {
    /** `unlocked`, `unlocked-wiped`, `recovery-written`, `erased`, `installed:<role>`, `new-system`, in order. */
    readonly changes: readonly string[];
    /** A change that began but was not verified (`unlock`, `recovery`, `wipe`, `install:<role>`). */
    readonly interrupted: string | null;
    readonly mode: PhoneMode | null;
}

/** `failed`: the step's action threw; the job's own `failed` or `cancelled` event follows. */
export type StepStatus = 'started' | 'finished' | 'skipped' | 'failed';

/** One step of a job as the plan lists it before it runs. */
export interface JobStepInfo {
    /** Stable machine id, e.g. `gate`, `flash-recovery`, `install:rom`. */
    readonly id: string;
    /** Short title for a list, e.g. "Check the files". */
    readonly title: string;
    /** The bytes this step puts onto the phone (a flash, a sideload), when known before it runs. */
    readonly bytesToPhone?: number | undefined;
}

export interface JobStartedEvent {
    readonly type: 'started';
    readonly jobId: string;
    readonly kind: JobKind;
    readonly at: string;
    /** Every step the job will go through, in order. */
    readonly steps: readonly JobStepInfo[];
    /** True when this run continues an interrupted job from its journal. */
    readonly resumed: boolean;
}

export interface JobStepEvent {
    readonly type: 'step';
    readonly jobId: string;
    readonly at: string;
    readonly step: string;
    readonly title: string;
    readonly status: StepStatus;
    /** Plain words: what this step does (started), what it found (finished), why it was skipped or why it failed. */
    readonly description: string;
}

export interface JobProgressEvent {
    readonly type: 'progress';
    readonly jobId: string;
    readonly at: string;
    readonly progress: ProgressEvent;
}

/** Something the person must do with the phone now. */
export interface JobInstruction {
    /** Stable id, e.g. `enter-download`. */
    readonly id: string;
    /** Plain words, e.g. "Switch the phone off. Hold Volume Down, Home and Power…". */
    readonly text: string;
    /** A key-combo picture name in renderer/assets/combos (e.g. `samsung-download.svg`), if any. */
    readonly picture?: string | undefined;
    /** Buttons to hold, as in the recipe (`volume-down`, `home`, `power`…). */
    readonly buttons?: readonly string[] | undefined;
    /** The mode the job waits for the phone to appear in; null when it waits for nothing. */
    readonly waitingFor: PhoneMode | null;
}

export interface JobInstructionEvent extends JobInstruction {
    readonly type: 'instruction';
    readonly jobId: string;
    readonly at: string;
}

/** A yes/no question; the job waits for the answer. */
export interface JobConfirmRequest {
    /** Stable id, e.g. `erase-data`, `no-backup`, `unlock`. */
    readonly id: string;
    /** The question, e.g. "This erases everything on the phone. Continue?" */
    readonly question: string;
    /** Plain words with the consequences. */
    readonly detail: string;
    /** True when saying yes loses data or cannot be undone. */
    readonly danger: boolean;
    readonly confirmLabel: string;
    readonly cancelLabel: string;
    /** The facts the question rests on (what was copied, where), so a UI can word it in its own language. */
    readonly facts?: Readonly<Record<string, string | number>> | undefined;
}

export interface JobConfirmEvent extends JobConfirmRequest {
    readonly type: 'confirm';
    readonly jobId: string;
    readonly at: string;
}

export interface JobLogEvent {
    readonly type: 'log';
    readonly jobId: string;
    readonly at: string;
    readonly line: string;
    /** The line's code and facts, when it has words of its own in the locale files. */
    readonly note?: LogNote | undefined;
}

export interface JobDoneEvent<Report = UpgradeReport> {
    readonly type: 'done';
    readonly jobId: string;
    readonly at: string;
    readonly report: Report;
}

/**
 * How a job that changes a phone says where it left it (the upgrade's endings carry this; a panel
 * job, which only writes files or talks to Android, has nothing to add).
 */
export interface UpgradeEnding {
    /** In plain words the state the phone was left in. */
    readonly phoneState: string;
    /** The facts behind phoneState, from the job's journal. */
    readonly phoneNow: PhoneNowFacts;
    /** True when `resume` can continue this job from its journal. */
    readonly resumable: boolean;
}

export type JobFailedEvent<Ending = UpgradeEnding> = {
    readonly type: 'failed';
    readonly jobId: string;
    readonly at: string;
    readonly error: ReviveErrorData;
    /** The step that failed. */
    readonly step: string | null;
} & Ending;

export type JobCancelledEvent<Ending = UpgradeEnding> = {
    readonly type: 'cancelled';
    readonly jobId: string;
    readonly at: string;
    readonly step: string | null;
    /** `person`: Stop was pressed; `declined`: the person answered a question with Stop. Neither is a failure. */
    readonly reason: 'person' | 'declined';
} & Ending;

/** What the panels' short jobs hand back in their `done` event: a sentence with paths, never key material. */
export interface PanelJobReport {
    readonly detail: string;
}

/**
 * Every job's events, in one vocabulary. `Report` is what `done` hands back, `Ending` what
 * `failed` and `cancelled` add: the upgrade's by default, `JobEvent<PanelJobReport, object>` for a panel job.
 */
export type JobEvent<Report = UpgradeReport, Ending = UpgradeEnding> =
    | JobStartedEvent
    | JobStepEvent
    | JobProgressEvent
    | JobInstructionEvent
    | JobConfirmEvent
    | JobLogEvent
    | JobDoneEvent<Report>
    | JobFailedEvent<Ending>
    | JobCancelledEvent<Ending>;

/** A panel job's events: the same words, a sentence for a report, no phone state at the end. */
export type PanelJobEvent = JobEvent<PanelJobReport, object>;

export type JobEventType = JobEvent['type'];

/** The person-facing side of a job. The CLI, the desktop wizard and tests each implement it. */
export interface JobUi {
    /** Show what to do now. Returns at once; the job then waits for the phone itself. */
    instruct(instruction: JobInstruction): void;
    /** Ask; resolve true for yes. A rejected promise or an aborted signal cancels the job. */
    confirm(request: JobConfirmRequest, signal: AbortSignal): Promise<boolean>;
}

/** Where a file's expected checksum came from. */
export type ChecksumSource = 'recipe' | 'typed' | 'sidecar' | 'download';

export interface ReportFile {
    readonly role: 'recovery' | 'rom' | 'gapps' | 'su';
    readonly name: string;
    readonly sizeBytes: number;
    readonly sha256: string;
    readonly checksumSource: ChecksumSource;
    /** For downloaded files: the address it came from, as the recipe names it. */
    readonly origin?: string | undefined;
}

export interface ReportBackupFile {
    readonly name: string;
    readonly sizeBytes: number;
    readonly sha256: string;
}

export type ReportBackup =
    | { readonly kind: 'verified'; readonly directory: string; readonly files: readonly ReportBackupFile[] }
    | { readonly kind: 'declined'; readonly declinedAt: string };

/** What the upgrade job hands back when the phone has confirmed its new system. */
export interface UpgradeReport {
    readonly jobId: string;
    readonly recipeId: string;
    readonly phoneName: string;
    readonly serial: string;
    readonly startedAt: string;
    readonly finishedAt: string;
    /** How many runs the job took (1 unless it was interrupted and resumed). */
    readonly runs: number;
    readonly steps: ReadonlyArray<{ readonly id: string; readonly title: string; readonly status: 'done' | 'skipped' | 'done-earlier'; readonly detail: string }>;
    readonly files: readonly ReportFile[];
    readonly backup: ReportBackup;
    /** Packages the phone's recovery installed in this job, in order. */
    readonly installed: readonly string[];
    readonly before: { readonly androidVersion: string; readonly buildFingerprint: string };
    readonly after: { readonly androidVersion: string; readonly buildFingerprint: string };
    readonly journalPath: string;
}
