/**
 * The restore job, on the one job runner, for `revive restore` and the app's "Restore a backup":
 * recognise the phone → decrypt the archive and check every part (another model, a damaged or
 * cut-short archive, a wrong passphrase are refused here, with nothing done to the phone) → bring
 * the phone to TWRP the way the backup job does (reach.ts) → put the backup back (native/backup/
 * phone-restore.ts: TWRP's folder with its digests, `twrp restore`, raw state only when confirmed,
 * internal storage) → start Android and compare its build fingerprint with the backup's. Every
 * step and every part sent is journalled; an interrupted restore (an unplug) resumes by its id.
 */
import type { AgeIdentity } from '../../../native/backup/age/index.js';
import { checkArchiveFor, restorePhone, type CheckedArchive, type RestoreResult } from '../../../native/backup/phone-restore.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobEvent, JobStepInfo } from '../../../native/jobs/events.js';
import { appHome, Journal, newJobId, type JournalValue } from '../../../native/jobs/journal.js';
import { JobRun, type StepResult } from '../../../native/jobs/runner.js';
import type { PhoneJobEnvironment } from '../phone-link.js';
import { PhoneModes } from '../upgrade/modes.js';
import { reachTwrp, TWRP_WORDS, type TwrpSources } from './reach.js';
import { recognisePhone, type RecognisedPhone } from './recognise.js';
import { TWRP_WAYS, type BackupEnding, type TwrpWay } from './types.js';

/** The restore's steps, in order; the page words each from its locale files (backups.steps.<id>). */
export const RESTORE_STEP_IDS = {
    identify: 'identify',
    check: 'check-archive',
    reach: 'reach-phone-mode',
    restore: 'restore',
    checkSystem: 'check-system',
} as const;

export interface RestoreJobOptions extends TwrpSources {
    /** The new job's id, chosen by the caller (default: a new one). */
    readonly jobId?: string | undefined;
    /** Continue this interrupted restore from its journal (same archive and choices). */
    readonly resumeJobId?: string | undefined;
    /** App data folder (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
    readonly archive: string;
    /** What opens the archive (never journalled: asked again on a resume). */
    readonly identities: readonly AgeIdentity[];
    /** TWRP names (and, with withRawState, raw state partitions) to restore; default every partition in the backup. */
    readonly only?: readonly string[] | undefined;
    /** Put internal storage back (default true). */
    readonly storage?: boolean | undefined;
    /** Also write the raw state partitions (EFS, persist, modem): only after the person's extra confirmation. */
    readonly withRawState?: boolean | undefined;
}

export interface RestoreJobReport {
    readonly jobId: string;
    readonly recipeId: string;
    readonly phoneName: string;
    readonly restored: readonly string[];
    readonly rawRestored: readonly string[];
    readonly storageFiles: number;
    /** The fingerprint the restored system reports; null when no system was restored (then it is not compared). */
    readonly fingerprint: string | null;
    readonly fingerprintChecked: boolean;
    readonly twrpWay: TwrpWay | null;
    readonly runs: number;
    readonly journalPath: string;
}

export type RestoreJobEvent = JobEvent<RestoreJobReport, BackupEnding>;
export type RestoreEnvironment = PhoneJobEnvironment<RestoreJobEvent>;
type RestoreRun = JobRun<RestoreJobReport, BackupEnding>;

/** Refusals a second run would meet again, with the same archive and the same phone. */
const FINAL: ReadonlySet<string> = new Set([
    'phone-mismatch',
    'restore-other-model',
    'restore-unknown-model',
    'restore-unknown-part',
    'restore-encryption-mismatch',
    'restore-raw-unconfirmed',
    'restore-no-raw-state',
    'backup-damaged',
    'backup-bootloader-locked',
    'twrp-write-declined',
]);

export const restoreSteps = (): JobStepInfo[] => [
    { id: RESTORE_STEP_IDS.identify, title: 'Recognise the phone' },
    { id: RESTORE_STEP_IDS.check, title: 'Check every part of the backup' },
    { id: RESTORE_STEP_IDS.reach, title: 'Start TWRP' },
    { id: RESTORE_STEP_IDS.restore, title: 'Put the backup back' },
    { id: RESTORE_STEP_IDS.checkSystem, title: 'Check the restored system' },
];

/** The choices a resumed restore keeps (never the passphrase or keys). */
function journalParams(options: RestoreJobOptions): Record<string, JournalValue> {
    return {
        archive: options.archive,
        only: options.only ? [...options.only] : null,
        storage: options.storage ?? true,
        withRawState: options.withRawState ?? false,
        twrpImage: options.twrpImage ?? null,
        recoveryImage: options.recoveryImage ?? null,
    };
}

/** The choices an interrupted restore was started with, from its journal (for `--resume JOBID`). */
export function restoreParamsOf(jobId: string, home?: string): Omit<RestoreJobOptions, 'identities'> {
    const header = Journal.peek(jobId, home);
    const p = header.params;
    const text = (v: JournalValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
    const archive = text(p['archive']);
    if (header.kind !== 'restore' || !archive) throw ReviveError.of('journal-incomplete', { jobId });
    return {
        resumeJobId: jobId,
        home,
        archive,
        only: Array.isArray(p['only']) ? p['only'].filter((x): x is string => typeof x === 'string') : undefined,
        storage: p['storage'] !== false,
        withRawState: p['withRawState'] === true,
        twrpImage: text(p['twrpImage']),
        recoveryImage: text(p['recoveryImage']),
    };
}

class RestoreJob {
    readonly modes: PhoneModes;
    phone: RecognisedPhone | undefined;
    checked: CheckedArchive | undefined;
    twrpWay: TwrpWay | null = null;

    constructor(
        readonly env: RestoreEnvironment,
        readonly options: RestoreJobOptions,
        readonly run: RestoreRun,
    ) {
        this.modes = new PhoneModes({ recipe: env.recipe, locator: env.locator, links: env.links, run, timeoutMs: env.waitTimeoutMs ?? 10 * 60_000, personTimeoutMs: env.personTimeoutMs });
    }

    async identify(): Promise<StepResult> {
        const found = await recognisePhone(this.modes, this.env.recipe);
        this.phone = found;
        return { detail: `${this.env.recipe.name} (${found.codename}), serial ${found.serial}.`, data: { codename: found.codename, serial: found.serial, mode: found.mode } };
    }

    async check(): Promise<StepResult> {
        const found = this.phone;
        if (!found) throw new Error('the archive is checked after the phone is recognised');
        // What the phone's mode cannot tell (serial in download mode, /data encryption) is checked again in TWRP.
        const facts = { codename: found.codename, model: found.model, serial: found.serialFromAdb ? found.serial : null, dataEncrypted: found.dataEncrypted };
        this.checked = await checkArchiveFor({ ...this.options, recipe: this.env.recipe }, facts, this.run.context());
        const { verified, partitions } = this.checked;
        return { detail: `Every part is intact (${verified.parts.length}); ${partitions.join(', ') || 'no partition'} can go back onto this phone. Nothing was written to it.`, data: { parts: verified.parts.length, partitions: [...partitions] } };
    }

    async reach(): Promise<StepResult> {
        const reached = await reachTwrp(this.modes, this.env.recipe, this.options, this.run);
        this.twrpWay = reached.way;
        this.run.journal.append({ t: 'note', key: 'twrp-way', data: { way: reached.way } });
        return { detail: `TWRP ${reached.twrpVersion}: ${TWRP_WORDS[reached.way]}.`, data: { way: reached.way, twrpVersion: reached.twrpVersion } };
    }

    async restore(): Promise<StepResult> {
        const phone = this.modes.current() ?? (await this.modes.waitFor(['recovery']));
        const adb = await this.modes.adb(phone);
        let result: RestoreResult;
        try {
            result = await restorePhone(
                adb.session(),
                { recipe: this.env.recipe, archive: this.options.archive, identities: this.options.identities, only: this.options.only, storage: this.options.storage, withRawState: this.options.withRawState, checked: this.checked, journal: this.run.journal, checkBoot: false },
                this.run.context(),
            );
        } finally {
            await adb.close();
        }
        const all = [...result.restored, ...result.rawRestored];
        return {
            detail: `Restored ${all.join(', ') || 'nothing'}${result.storageFiles > 0 ? ` and ${result.storageFiles} files of internal storage` : ''}.`,
            data: { restored: [...result.restored], rawRestored: [...result.rawRestored], storageFiles: result.storageFiles },
        };
    }

    /** Android started from the restored system; its build fingerprint must be the backup's. */
    async checkSystem(): Promise<StepResult> {
        const wanted = this.checked?.verified.device?.device.fingerprint;
        let phone = this.modes.current() ?? (await this.modes.anyMode());
        if (phone.mode === 'recovery' || phone.mode === 'sideload') phone = await this.modes.tell(phone, 'android');
        else if (phone.mode !== 'android') phone = await this.modes.ensure('android');
        const adb = await this.modes.adb(phone);
        let reported: string;
        try {
            reported = await adb.getprop('ro.build.fingerprint');
        } finally {
            await adb.close();
        }
        const compared = wanted !== undefined;
        if (compared && reported !== wanted) throw ReviveError.of('restore-check-failed', { found: reported, expected: wanted });
        return { detail: compared ? `The phone started and reports the backed-up system: ${reported}.` : `The phone started; it reports ${reported}.`, data: { fingerprint: reported, compared } };
    }
}

const strings = (value: JournalValue | undefined): string[] => (Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : []);

/**
 * Run (or resume) a restore. Resolves with the report once the phone reports the restored system;
 * rejects with a ReviveError after a `failed` or `cancelled` event.
 */
export async function runRestore(options: RestoreJobOptions, env: RestoreEnvironment): Promise<RestoreJobReport> {
    const home = options.home ?? appHome();
    const journal = options.resumeJobId ? Journal.resume(options.resumeJobId, home) : Journal.create(options.jobId ?? newJobId(), 'restore', journalParams(options), home);
    const run: RestoreRun = new JobRun({ journal, emit: env.emit, ui: env.ui, signal: env.signal });
    const job = new RestoreJob(env, options, run);
    const steps = restoreSteps();
    run.start('restore', steps);
    const info = (id: string): JobStepInfo => steps.find((s) => s.id === id) ?? { id, title: id };
    try {
        await run.step({ ...info(RESTORE_STEP_IDS.identify), description: 'Looking for the phone and asking who it is.' }, () => job.identify(), { always: true });
        // Checked again on every run: the archive may have changed since, and the restore needs its parts' digests.
        await run.step({ ...info(RESTORE_STEP_IDS.check), description: 'Decrypting the backup and checking every part before anything is written to the phone.' }, () => job.check(), { always: true });
        const restoredEarlier = run.wasVerified(RESTORE_STEP_IDS.restore);
        if (!restoredEarlier) await run.step({ ...info(RESTORE_STEP_IDS.reach), description: 'Bringing the phone to TWRP (nothing is written to it without asking).' }, () => job.reach(), { always: true });
        else run.skip(info(RESTORE_STEP_IDS.reach), 'The backup was put back in an earlier run.');
        await run.step({ ...info(RESTORE_STEP_IDS.restore), description: `Copying the backup's parts with their digests to TWRP, then restoring them.` }, () => job.restore());
        const restoredData = run.verifiedData(RESTORE_STEP_IDS.restore);
        const restored = strings(restoredData?.['restored']);
        // Without the system partition there is no fingerprint to compare: the phone stays in TWRP, as restorePhone leaves it.
        if (restored.includes('system')) await run.step({ ...info(RESTORE_STEP_IDS.checkSystem), description: 'Starting Android and comparing its build fingerprint with the backup’s.' }, () => job.checkSystem(), { always: true });
        else run.skip(info(RESTORE_STEP_IDS.checkSystem), 'The system partition was not restored: the phone stays in TWRP.');
        const system = run.verifiedData(RESTORE_STEP_IDS.checkSystem);
        const wayNote = journal.note('twrp-way')?.['way'];
        const report: RestoreJobReport = {
            jobId: journal.jobId,
            recipeId: env.recipe.id,
            phoneName: env.recipe.name,
            restored,
            rawRestored: strings(restoredData?.['rawRestored']),
            storageFiles: typeof restoredData?.['storageFiles'] === 'number' ? restoredData['storageFiles'] : 0,
            fingerprint: typeof system?.['fingerprint'] === 'string' ? system['fingerprint'] : null,
            fingerprintChecked: system?.['compared'] === true,
            twrpWay: job.twrpWay ?? TWRP_WAYS.find((w) => w === wayNote) ?? null,
            runs: journal.run,
            journalPath: journal.path,
        };
        return run.done(report, `Restored ${[...report.restored, ...report.rawRestored].join(', ')}.`);
    } catch (error) {
        throw run.end(error, {
            cancelledDetail: `Stopped in ${run.currentStep ?? 'no step'}; the journal says which part was being sent.`,
            cancelled: { resumable: true },
            cancelError: (cause) => ReviveError.of('cancelled', { variant: 'restore', what: env.recipe.name, jobId: journal.jobId }, { cause }),
            failed: (failure) => ({ resumable: !FINAL.has(failure.code) }),
        });
    }
}
