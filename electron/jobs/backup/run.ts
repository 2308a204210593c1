/**
 * The backup job, on the one job runner: recognise the phone → bring it to TWRP (or to Android for
 * internal storage alone) → write the encrypted archive → read it back → leave the phone where it
 * was found. UI-independent; every step and every part is journalled; cancelled by the signal; a
 * resumed job (`resumeJobId`) keeps what an earlier run verified, down to the finished archive.
 */
import { archiveFileName } from '../../../native/backup/archive-writer.js';
import { recordVerified } from '../../../native/backup/check-record.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobStepInfo } from '../../../native/jobs/events.js';
import { appHome, Journal, newJobId, type JournalValue } from '../../../native/jobs/journal.js';
import { JobRun, type StepResult } from '../../../native/jobs/runner.js';
import type { PhoneMode } from '../../../native/manifests/schema.js';
import { PhoneModes } from '../upgrade/modes.js';
import { writeArchive, type WrittenArchive } from './archive-step.js';
import { reachAndroid, reachTwrp, TWRP_WORDS } from './reach.js';
import { recognisePhone } from './recognise.js';
import { BACKUP_STEP_IDS, type BackupEnvironment, type BackupJobOptions, type BackupJobReport, type BackupEnding, type TwrpWay, TWRP_WAYS } from './types.js';

export * from './types.js';

/** Refusals a second run would meet again: starting over is no use until something changes. */
const FINAL: ReadonlySet<string> = new Set(['backup-bootloader-locked', 'twrp-write-declined', 'phone-mismatch', 'backup-unknown-part', 'backup-weak-passphrase']);

type BackupRun = JobRun<BackupJobReport, BackupEnding>;

/** The choices a resumed job must keep (never the passphrase or keys: those are asked again). */
function journalParams(options: BackupJobOptions): Record<string, JournalValue> {
    return {
        folder: options.folder,
        fileName: options.fileName ?? null,
        parts: options.parts ? [...options.parts] : null,
        storage: options.storage ?? true,
        storageOnly: options.storageOnly ?? false,
        twrpImage: options.twrpImage ?? null,
        recoveryImage: options.recoveryImage ?? null,
        leaveIn: options.leaveIn ?? 'as-found',
    };
}

/** The options an interrupted job was started with, from its journal (for `--resume JOBID`). */
export function backupParamsOf(jobId: string, home?: string): Omit<BackupJobOptions, 'recipients' | 'verifyWith'> {
    const header = Journal.peek(jobId, home);
    if (header.kind !== 'backup') throw ReviveError.of('journal-incomplete', { jobId });
    const p = header.params;
    const text = (v: JournalValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
    const folder = text(p['folder']);
    if (!folder) throw ReviveError.of('journal-incomplete', { jobId });
    return {
        resumeJobId: jobId,
        home,
        folder,
        fileName: text(p['fileName']),
        parts: Array.isArray(p['parts']) ? p['parts'].filter((x): x is string => typeof x === 'string') : undefined,
        storage: p['storage'] !== false,
        storageOnly: p['storageOnly'] === true,
        twrpImage: text(p['twrpImage']),
        recoveryImage: text(p['recoveryImage']),
        leaveIn: p['leaveIn'] === 'recovery' ? 'recovery' : 'as-found',
    };
}

export function backupSteps(options: Pick<BackupJobOptions, 'storageOnly' | 'verifyWith'>): JobStepInfo[] {
    return [
        { id: BACKUP_STEP_IDS.identify, title: 'Recognise the phone' },
        { id: BACKUP_STEP_IDS.reach, title: options.storageOnly ? 'Reach Android' : 'Start TWRP' },
        { id: BACKUP_STEP_IDS.archive, title: options.storageOnly ? 'Copy internal storage' : 'Back up the phone' },
        { id: BACKUP_STEP_IDS.verify, title: 'Read the backup back' },
        { id: BACKUP_STEP_IDS.leave, title: 'Leave the phone as it was' },
    ];
}

class BackupJob {
    readonly run: BackupRun;
    readonly env: BackupEnvironment;
    readonly options: BackupJobOptions;
    readonly modes: PhoneModes;
    twrpWay: TwrpWay | null = null;
    written: WrittenArchive | undefined;

    constructor(env: BackupEnvironment, options: BackupJobOptions, run: BackupRun) {
        this.env = env;
        this.options = options;
        this.run = run;
        this.modes = new PhoneModes({ recipe: env.recipe, locator: env.locator, links: env.links, run, timeoutMs: env.waitTimeoutMs ?? 10 * 60_000, personTimeoutMs: env.personTimeoutMs });
    }

    /** Where the phone was when the job first saw it (kept from the first run). */
    get foundIn(): PhoneMode | undefined {
        const mode = this.run.journal.note('found-in')?.['mode'];
        return typeof mode === 'string' ? (mode as PhoneMode) : undefined;
    }

    async identify(): Promise<StepResult> {
        const found = await recognisePhone(this.modes, this.env.recipe);
        if (!this.foundIn) this.run.journal.append({ t: 'note', key: 'found-in', data: { mode: found.mode } });
        return { detail: `${this.env.recipe.name} (${found.codename}), serial ${found.serial}.`, data: { codename: found.codename, serial: found.serial, mode: found.mode } };
    }

    async reach(): Promise<StepResult> {
        if (this.options.storageOnly) {
            await reachAndroid(this.modes);
            return { detail: 'The phone runs Android: its internal storage is read from there; nothing is unlocked or started.' };
        }
        const reached = await reachTwrp(this.modes, this.env.recipe, this.options, this.run);
        this.twrpWay = reached.way;
        this.run.journal.append({ t: 'note', key: 'twrp-way', data: { way: reached.way } });
        const how = TWRP_WORDS[reached.way];
        return { detail: `TWRP ${reached.twrpVersion}: ${how}.`, data: { way: reached.way, twrpVersion: reached.twrpVersion } };
    }

    /** The archive's file name, chosen once and kept in the journal so a resumed job writes the same one. */
    fileName(serial: string, codename: string): string {
        if (this.options.fileName) return this.options.fileName;
        const noted = this.run.journal.note('archive-name')?.['name'];
        if (typeof noted === 'string') return noted;
        const name = archiveFileName({ codename, serial }, new Date(this.run.journal.entries[0]?.at ?? Date.now()));
        this.run.journal.append({ t: 'note', key: 'archive-name', data: { name } });
        return name;
    }

    async archive(): Promise<StepResult> {
        const phone = this.modes.current() ?? (await this.modes.anyMode());
        const identified = this.run.verifiedData(BACKUP_STEP_IDS.identify);
        const adb = await this.modes.adb(phone);
        try {
            const fileName = this.fileName(String(identified?.['serial'] ?? phone.serial), String(identified?.['codename'] ?? this.env.recipe.codenames[0] ?? this.env.recipe.id));
            this.written = await writeArchive(this.run, adb.session(), this.env.recipe, {
                folder: this.options.folder,
                fileName,
                recipients: this.options.recipients,
                parts: this.options.parts,
                storage: this.options.storage,
                storageOnly: this.options.storageOnly,
            });
        } finally {
            await adb.close();
        }
        const { archive, manifest } = this.written;
        return {
            detail: `${archive.path}: ${manifest.parts.length} parts, ${archive.sizeBytes} bytes, SHA-256 ${archive.sha256}.`,
            data: { archive: { ...archive }, manifest: manifest as unknown as JournalValue },
        };
    }

    async verify(): Promise<StepResult> {
        const written = this.written ?? writtenFrom(this.run.verifiedData(BACKUP_STEP_IDS.archive));
        if (!written || !this.options.verifyWith) throw new Error('verify runs only after the archive step and with a key');
        const checked = await verifyArchive(written.archive.path, this.options.verifyWith, this.run.context());
        // The app's backups list shows when each archive was last checked, whoever checked it.
        await recordVerified(written.archive.path, checked, this.options.home ?? appHome());
        return { detail: `Every part (${checked.parts.length}) matches its SHA-256 in the manifest.`, data: { parts: checked.parts.length, verifiedAt: new Date().toISOString() } };
    }

    async leave(): Promise<StepResult> {
        const phone = this.modes.current() ?? (await this.modes.anyMode());
        const wanted: PhoneMode = this.options.leaveIn === 'recovery' || this.options.storageOnly ? phone.mode : this.foundIn === 'recovery' || this.foundIn === 'sideload' ? phone.mode : 'android';
        if (phone.mode === wanted || (phone.mode !== 'recovery' && phone.mode !== 'sideload')) return { detail: `The phone stays in ${phone.mode}.`, data: { mode: phone.mode } };
        const back = await this.modes.tell(phone, 'android');
        return { detail: 'The phone restarted into its own system, as it was found.', data: { mode: back.mode } };
    }
}

function writtenFrom(data: Record<string, JournalValue> | undefined): WrittenArchive | undefined {
    const archive = data?.['archive'];
    if (!archive || typeof archive !== 'object' || Array.isArray(archive)) return undefined;
    return { archive: archive as unknown as WrittenArchive['archive'], manifest: data['manifest'] as unknown as WrittenArchive['manifest'] };
}

/**
 * Run (or resume) a backup. Resolves with the report once the archive is written (and read back,
 * with `verifyWith`); rejects with a ReviveError after a `failed` or `cancelled` event.
 */
export async function runBackup(options: BackupJobOptions, env: BackupEnvironment): Promise<BackupJobReport> {
    const home = options.home ?? appHome();
    const journal = options.resumeJobId ? Journal.resume(options.resumeJobId, home) : Journal.create(options.jobId ?? newJobId(), 'backup', journalParams(options), home);
    const run: BackupRun = new JobRun({ journal, emit: env.emit, ui: env.ui, signal: env.signal });
    const job = new BackupJob(env, options, run);
    const startedAt = journal.entries[0]?.at ?? new Date().toISOString();
    const steps = backupSteps(options);
    run.start('backup', steps);
    const info = (id: string): JobStepInfo => steps.find((s) => s.id === id) ?? { id, title: id };
    try {
        await run.step({ ...info(BACKUP_STEP_IDS.identify), description: 'Looking for the phone and asking who it is.' }, () => job.identify(), { always: true });
        // Once the archive is written, a resumed job has no more need of TWRP.
        await run.step({ ...info(BACKUP_STEP_IDS.reach), description: options.storageOnly ? 'Waiting for the phone to run Android.' : 'Bringing the phone to TWRP (nothing is written to it without asking).' }, () => job.reach(), { always: !run.wasVerified(BACKUP_STEP_IDS.archive) });
        await run.step({ ...info(BACKUP_STEP_IDS.archive), description: `Writing the encrypted backup to ${options.folder}, every part hashed on the way.` }, () => job.archive());
        if (options.verifyWith) await run.step({ ...info(BACKUP_STEP_IDS.verify), description: 'Decrypting the backup and checking every part against the manifest.' }, () => job.verify());
        else run.skip(info(BACKUP_STEP_IDS.verify), 'Not read back: no identity or passphrase to open it was given (revive backup verify can check it later).');
        await run.step({ ...info(BACKUP_STEP_IDS.leave), description: 'Bringing the phone back to where it was found.' }, () => job.leave(), { always: true });
        const written = job.written ?? writtenFrom(run.verifiedData(BACKUP_STEP_IDS.archive));
        if (!written) throw new Error('the archive step left no archive');
        const identified = run.verifiedData(BACKUP_STEP_IDS.identify);
        const wayNote = journal.note('twrp-way')?.['way'];
        const left = run.verifiedData(BACKUP_STEP_IDS.leave)?.['mode'];
        const report: BackupJobReport = {
            jobId: journal.jobId,
            recipeId: env.recipe.id,
            phoneName: env.recipe.name,
            serial: String(identified?.['serial'] ?? ''),
            kind: options.storageOnly ? 'storage-only' : 'full',
            archive: written.archive,
            manifest: written.manifest,
            verified: run.wasVerified(BACKUP_STEP_IDS.verify),
            twrpWay: options.storageOnly ? null : job.twrpWay ?? TWRP_WAYS.find((w) => w === wayNote) ?? null,
            phoneLeftIn: typeof left === 'string' ? (left as PhoneMode) : null,
            startedAt,
            finishedAt: new Date().toISOString(),
            runs: journal.run,
            steps: run.outcomes.map((o) => ({ id: o.id, title: o.title, status: o.status, detail: o.detail })),
            journalPath: journal.path,
        };
        return run.done(report, `Backup written: ${written.archive.path}.`);
    } catch (error) {
        throw run.end(error, {
            cancelledDetail: 'Stopped; nothing on the phone was changed.',
            cancelled: { resumable: true },
            // Stopped once the archive is written (while it is read back), the file is whole and stays: saying it was removed would be untrue.
            cancelError: (cause) => {
                const written = job.written ?? writtenFrom(run.verifiedData(BACKUP_STEP_IDS.archive));
                return written
                    ? ReviveError.of('cancelled', { variant: 'backup-kept', what: env.recipe.name, jobId: journal.jobId, file: written.archive.path }, { cause })
                    : ReviveError.of('cancelled', { variant: 'backup', what: env.recipe.name, jobId: journal.jobId }, { cause });
            },
            failed: (failure) => ({ resumable: !FINAL.has(failure.code) }),
        });
    }
}
