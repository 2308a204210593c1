/**
 * The UI's state in one zustand store; actions are module functions (zustand's "no store actions"
 * practice) so the API event subscription can update it without hooks.
 */
import { create } from 'zustand';
import { newJobId } from '../../common/job-id.js';
import { listedFileName, parseSha256Sums } from '../../common/sha256sums.js';
import type {
    ApiError,
    ApiResult,
    DeviceSnapshot,
    EventPayload,
    FileRef,
    FileRole,
    JobSummary,
    RecipeView,
    ReviveApi,
    VerifiedFile,
} from './api/contract-types.js';

export type Screen = 'home' | 'recipe' | 'files' | 'review' | 'run' | 'keys' | 'vpn' | 'firewall' | 'apps' | 'backups' | 'backup' | 'restore' | 'counter';

export interface FileEntry {
    readonly name: string;
    readonly status: 'sending' | 'verifying' | 'downloading' | 'verified' | 'refused';
    readonly bytesDone: number;
    readonly bytesTotal: number;
    readonly rate: number;
    readonly etaSeconds: number | null;
    readonly result: VerifiedFile | null;
    readonly error: ApiError | null;
    readonly verificationId: string;
    /** How the backend knows the file (released when the entry is replaced). */
    readonly ref: FileRef | null;
    /** The checksum matched, but the file does not fit this phone or the other files (the job's own gate says why). */
    readonly conflict?: ApiError | null;
}

export interface StepState {
    readonly id: string;
    readonly title: string;
    /** The job's own words for what the step does (English; the page translates known step ids). */
    readonly description?: string;
    readonly status: 'waiting' | 'running' | 'done' | 'skipped' | 'failed' | 'stopped';
    /** What the step puts onto the phone, for the whole job's byte count. */
    readonly bytesToPhone?: number;
}

export interface LogEntry {
    readonly at: string;
    readonly line?: string | undefined;
    readonly code?: string | undefined;
    readonly facts?: Readonly<Record<string, string | number | boolean>> | undefined;
}

export interface JobState {
    readonly jobId: string;
    readonly steps: StepState[];
    readonly progress: EventPayload<'jobProgress'> | null;
    readonly instruction: EventPayload<'jobInstruction'> | null;
    readonly pressed: boolean;
    readonly confirm: EventPayload<'jobConfirm'> | null;
    /** Log lines as they came: a code and facts the page words, or a phone's own words. */
    readonly log: LogEntry[];
    readonly outcome: 'running' | 'done' | 'failed' | 'cancelled';
    readonly cancelStage: 'idle' | 'asking' | 'cancelling';
    readonly done: EventPayload<'jobDone'> | null;
    readonly failure: EventPayload<'jobFailed'> | EventPayload<'jobCancelled'> | null;
    readonly savedLogPath: string | null;
}

export interface UiState {
    readonly api: ReviveApi | null;
    /** Revive's data folder (where the virtual phone, backups and journals are written). */
    readonly dataFolder: string | null;
    readonly snapshot: DeviceSnapshot;
    readonly recipes: RecipeView[];
    readonly screen: Screen;
    readonly deviceId: string | null;
    readonly recipeId: string | null;
    readonly files: Partial<Record<FileRole, FileEntry>>;
    /** Checksums typed (or read from a dropped .sha256 list), by file name. */
    readonly checksums: Record<string, string>;
    readonly keepBackup: boolean;
    readonly job: JobState | null;
    /** Unfinished upgrades the home screen offers to open or continue. */
    readonly jobs: JobSummary[];
    readonly error: ApiError | null;
    readonly busy: boolean;
}

export const useUi = create<UiState>(() => ({
    api: null,
    dataFolder: null,
    snapshot: { devices: [], virtualPhone: null },
    recipes: [],
    screen: 'home',
    deviceId: null,
    recipeId: null,
    files: {},
    checksums: {},
    keepBackup: true,
    job: null,
    jobs: [],
    error: null,
    busy: false,
}));

const set = useUi.setState;
const get = useUi.getState;

function api(): ReviveApi {
    const current = get().api;
    if (!current) throw new Error('The API is not connected yet.');
    return current;
}

/** Run a call; a failure shows in the page's error box and returns undefined. */
async function run<T>(call: Promise<ApiResult<T>>): Promise<T | undefined> {
    set({ busy: true });
    const result = await call;
    set({ busy: false });
    if (result.ok) return result.value;
    set({ error: result.error });
    return undefined;
}

export function dismissError(): void {
    set({ error: null });
}

/**
 * An event of the job on the page. The page picks a job's id before it starts the job, so even the
 * first event finds its job here; events of other jobs (a panel's, another page's) are not its own.
 */
function updateJob(jobId: string, change: (job: JobState) => Partial<JobState>): void {
    const job = get().job;
    if (job?.jobId === jobId) set({ job: { ...job, ...change(job) } });
}

function updateFile(verificationId: string, change: Partial<FileEntry>): void {
    const files = { ...get().files };
    for (const [role, entry] of Object.entries(files) as Array<[FileRole, FileEntry]>) {
        if (entry.verificationId === verificationId) files[role] = { ...entry, ...change };
    }
    set({ files });
}

/** The step a job ended in shows how it ended (✗ failed, ■ stopped), never a running dot. */
function markStep(steps: StepState[], id: string | null, status: 'failed' | 'stopped'): StepState[] {
    return steps.map((step) => (step.id === id || step.status === 'running' ? { ...step, status } : step));
}

export type JobEventName = 'jobStarted' | 'jobStep' | 'jobProgress' | 'jobInstruction' | 'jobConfirm' | 'jobLog' | 'jobDone' | 'jobFailed' | 'jobCancelled';

/**
 * How each job event changes a job's state, whoever shows the job: the wizard's run screen (one job)
 * and the counter's lanes (one job each). The same for live events and for a reopened page's replay.
 */
export const JOB_CHANGES: { readonly [K in JobEventName]: (job: JobState, e: EventPayload<K>) => Partial<JobState> } = {
    jobStarted: (_job, e) => ({ steps: e.steps.map((step) => ({ ...step, status: 'waiting' as const })) }),
    jobStep: (job, e) => {
        const status: StepState['status'] = e.status === 'started' ? 'running' : e.status === 'finished' ? 'done' : e.status;
        const known = job.steps.some((step) => step.id === e.step);
        const description = e.status === 'started' ? { description: e.description } : {};
        const steps = known ? job.steps.map((step) => (step.id === e.step ? { ...step, status, ...description } : step)) : [...job.steps, { id: e.step, title: e.title, status, ...description }];
        // A finished step ends whatever it asked the person to do.
        const ended = e.status !== 'started';
        return { steps, ...(ended ? { instruction: null, pressed: false, progress: null } : {}) };
    },
    jobProgress: (_job, e) => ({ progress: e }),
    jobInstruction: (_job, e) => ({ instruction: e, pressed: false, progress: null }),
    jobConfirm: (_job, e) => ({ confirm: e }),
    jobLog: (job, e) => ({ log: [...job.log, { at: e.at.slice(11, 19), line: e.line, code: e.code, facts: e.facts }].slice(-2000) }),
    jobDone: (_job, e) => ({ outcome: 'done', done: e, instruction: null, confirm: null, progress: null, cancelStage: 'idle' }),
    jobFailed: (job, e) => ({ outcome: 'failed', failure: e, steps: markStep(job.steps, e.step, 'failed'), instruction: null, confirm: null, progress: null, cancelStage: 'idle' }),
    jobCancelled: (job, e) => ({ outcome: 'cancelled', failure: e, steps: markStep(job.steps, e.step, 'stopped'), instruction: null, confirm: null, progress: null, cancelStage: 'idle' }),
};

const ENDS: ReadonlySet<JobEventName> = new Set(['jobDone', 'jobFailed', 'jobCancelled']);

/** Every job event names its job: the page's own job takes it; an ended job refreshes the unfinished list. */
function onJobEvent<K extends JobEventName>(event: K): (e: EventPayload<K>) => void {
    return (e) => {
        updateJob(e.jobId, (job) => JOB_CHANGES[event](job, e));
        if (ENDS.has(event)) void refreshJobs();
    };
}

const JOB_EVENTS: { readonly [K in JobEventName]: (e: EventPayload<K>) => void } = {
    jobStarted: onJobEvent('jobStarted'),
    jobStep: onJobEvent('jobStep'),
    jobProgress: onJobEvent('jobProgress'),
    jobInstruction: onJobEvent('jobInstruction'),
    jobConfirm: onJobEvent('jobConfirm'),
    jobLog: onJobEvent('jobLog'),
    jobDone: onJobEvent('jobDone'),
    jobFailed: onJobEvent('jobFailed'),
    jobCancelled: onJobEvent('jobCancelled'),
};

export async function connect(revive: ReviveApi): Promise<void> {
    set({ api: revive });
    revive.onDevicesChanged((snapshot) => set({ snapshot }));
    revive.onVerifyProgress((p) => updateFile(p.verificationId, { bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, rate: p.rate, etaSeconds: p.etaSeconds }));
    revive.onJobStarted(JOB_EVENTS.jobStarted);
    revive.onJobStep(JOB_EVENTS.jobStep);
    revive.onJobProgress(JOB_EVENTS.jobProgress);
    revive.onJobInstruction(JOB_EVENTS.jobInstruction);
    revive.onJobConfirm(JOB_EVENTS.jobConfirm);
    revive.onJobLog(JOB_EVENTS.jobLog);
    revive.onJobDone(JOB_EVENTS.jobDone);
    revive.onJobFailed(JOB_EVENTS.jobFailed);
    revive.onJobCancelled(JOB_EVENTS.jobCancelled);
    const [snapshot, recipes, folder] = await Promise.all([run(revive.listDevices({})), run(revive.listRecipes({})), run(revive.dataFolder({}))]);
    if (snapshot) set({ snapshot });
    if (folder) set({ dataFolder: folder.path });
    if (recipes) set({ recipes });
    await refreshJobs();
    // A page opened while an upgrade runs goes straight back to it.
    const running = get().jobs.find((job) => job.status === 'running');
    if (running && get().screen === 'home') await attachJob(running.jobId);
}

export async function refreshJobs(): Promise<void> {
    const api = get().api;
    if (!api) return;
    const result = await api.listJobs({});
    if (result.ok) set({ jobs: result.value.jobs });
}

export function freshJob(jobId: string): JobState {
    return { jobId, steps: [], progress: null, instruction: null, pressed: false, confirm: null, log: [], outcome: 'running', cancelStage: 'idle', done: null, failure: null, savedLogPath: null };
}

/** Show a running (or just ended) job as it is now: its events so far, replayed. */
export async function attachJob(jobId: string): Promise<void> {
    const result = await run(api().attachJob({ jobId }));
    if (!result) return;
    set({ screen: 'run', recipeId: result.recipeId, deviceId: result.deviceId, job: freshJob(jobId), error: null });
    for (const { event, payload } of result.events) (JOB_EVENTS[event] as (e: unknown) => void)(payload);
}

/** The phone to continue a job on: the one in the list with the job's recipe (the virtual one is plugged in first). */
export function deviceForJob(summary: JobSummary): string | undefined {
    return get().snapshot.devices.find((d) => d.recipeId === summary.recipeId && d.virtual === summary.virtual)?.id ?? (summary.virtual ? `virtual:${summary.recipeId}` : undefined);
}

/** Continue a stopped or failed upgrade from its last verified step. */
export async function resumeJob(summary: JobSummary, backupPassphrase?: string): Promise<void> {
    const { snapshot } = get();
    if (summary.virtual && !snapshot.virtualPhone) await run(api().startVirtualPhone({ codename: summary.recipeId }));
    const deviceId = deviceForJob(summary);
    if (!deviceId) return;
    // The job keeps its id: the page starts its new run from a clean slate before the first event comes.
    const before = get().job;
    set({ screen: 'run', recipeId: summary.recipeId, deviceId, job: freshJob(summary.jobId) });
    const result = await run(api().resumeJob({ jobId: summary.jobId, deviceId, ...(backupPassphrase !== undefined ? { backupPassphrase } : {}) }));
    if (!result) {
        set({ job: before, screen: before ? 'run' : 'home' });
        return;
    }
}

/** The job on screen, continued (from its failure or stop panel). */
export async function resumeCurrentJob(backupPassphrase?: string): Promise<void> {
    const job = get().job;
    const recipeId = get().recipeId;
    if (!job || !recipeId) return;
    const summary = get().jobs.find((j) => j.jobId === job.jobId);
    const virtual = summary?.virtual ?? get().deviceId?.startsWith('virtual:') ?? false;
    await resumeJob(summary ?? { jobId: job.jobId, recipeId, phoneName: '', status: 'failed', startedAt: '', phoneNow: { changes: [], interrupted: null, mode: null }, missingFiles: [], needsBackupPassphrase: backupPassphrase !== undefined, virtual }, backupPassphrase);
}

export async function forgetJob(jobId: string): Promise<void> {
    await run(api().forgetJob({ jobId }));
    await refreshJobs();
}

export async function startVirtualPhone(codename: string): Promise<void> {
    await run(api().startVirtualPhone({ codename }));
}

export async function unplugVirtualPhone(): Promise<void> {
    await run(api().unplugVirtualPhone({}));
}

export async function replugVirtualPhone(): Promise<void> {
    await run(api().replugVirtualPhone({}));
}

export function openWizard(deviceId: string): void {
    const device = get().snapshot.devices.find((d) => d.id === deviceId);
    set({ screen: 'recipe', deviceId, recipeId: device?.recipeId ?? get().recipeId, files: {}, job: null, error: null });
}

export function goTo(screen: Screen): void {
    set({ screen, error: null });
}

export function chooseRecipe(recipeId: string): void {
    if (recipeId !== get().recipeId) set({ recipeId, files: {} });
}

export function setKeepBackup(keepBackup: boolean): void {
    set({ keepBackup });
}

let verifyCounter = 0;

export async function addFile(role: FileRole, file: File): Promise<void> {
    const recipeId = get().recipeId;
    if (!recipeId) return;
    const verificationId = `v${Date.now().toString(36)}${(verifyCounter++).toString(36)}`;
    const entry: FileEntry = { name: file.name, status: 'sending', bytesDone: 0, bytesTotal: file.size, rate: 0, etaSeconds: null, result: null, error: null, verificationId, ref: null };
    // A file replaced while it is still being checked: stop hashing the old one; its upload goes.
    const replaced = get().files[role];
    if (replaced?.status === 'verifying') void api().cancelVerification({ verificationId: replaced.verificationId });
    if (replaced?.ref) void api().releaseFile({ file: replaced.ref });
    set({ files: { ...get().files, [role]: entry } });
    const ref = await api().fileRef(file);
    if (!ref.ok) return updateFile(verificationId, { status: 'refused', error: ref.error });
    updateFile(verificationId, { status: 'verifying', bytesDone: 0, ref: ref.value });
    const typed = get().checksums[file.name];
    const result = await api().verifyFile({ file: ref.value, role, recipeId, verificationId, ...(typed ? { expectedSha256: typed } : {}) });
    if (!result.ok) return updateFile(verificationId, { status: 'refused', error: result.error });
    updateFile(verificationId, { status: result.value.ok ? 'verified' : 'refused', result: result.value, error: result.value.problem, bytesDone: result.value.sizeBytes, bytesTotal: result.value.sizeBytes });
    await checkFileSet();
}

let fileSetChecks = 0;

/**
 * Run the whole gate on the verified files; a file that does not fit is marked with the reason.
 * Only the latest check's answer is applied: an earlier one, made before another file was
 * verified or removed, may come back later and would mark files by a set that is gone.
 */
export async function checkFileSet(): Promise<void> {
    const asked = ++fileSetChecks;
    const { recipeId, files } = get();
    const verified = (Object.entries(files) as Array<[FileRole, FileEntry]>).filter(([, entry]) => entry.status === 'verified');
    if (!recipeId || verified.length === 0) return;
    const result = await api().checkFiles({ recipeId, files: verified.map(([role, entry]) => ({ role, verificationId: entry.verificationId })) });
    if (!result.ok || asked !== fileSetChecks) return;
    const now = { ...get().files };
    for (const [role, entry] of Object.entries(now) as Array<[FileRole, FileEntry]>) {
        if (entry.status !== 'verified') continue;
        now[role] = { ...entry, conflict: result.value.problems.find((p) => p.role === role)?.problem ?? null };
    }
    set({ files: now });
}

/** Take a file out of the plan, whatever its state; the others are checked again without it. */
export async function removeFile(role: FileRole): Promise<void> {
    const files = { ...get().files };
    const removed = files[role];
    delete files[role];
    set({ files });
    if (removed?.ref) void api().releaseFile({ file: removed.ref });
    await checkFileSet();
}

/** A file that may go into the upgrade: its checksum matched and it fits the phone and the other files. */
export function fileFits(entry: FileEntry | undefined): boolean {
    return entry?.status === 'verified' && !entry.conflict;
}

/** "Download for me": the backend fetches the recipe's file (or takes it from its cache), verified. */
export async function downloadFile(role: FileRole, name: string, sizeBytes: number | null): Promise<void> {
    const recipeId = get().recipeId;
    if (!recipeId) return;
    const verificationId = `d${Date.now().toString(36)}${(verifyCounter++).toString(36)}`;
    const replaced = get().files[role];
    if (replaced?.status === 'verifying' || replaced?.status === 'downloading') void api().cancelVerification({ verificationId: replaced.verificationId });
    if (replaced?.ref) void api().releaseFile({ file: replaced.ref });
    const entry: FileEntry = { name, status: 'downloading', bytesDone: 0, bytesTotal: sizeBytes ?? 0, rate: 0, etaSeconds: null, result: null, error: null, verificationId, ref: null };
    set({ files: { ...get().files, [role]: entry } });
    const result = await api().downloadFile({ role, recipeId, verificationId });
    if (!result.ok) return updateFile(verificationId, { status: 'refused', error: result.error });
    updateFile(verificationId, { status: result.value.ok ? 'verified' : 'refused', result: result.value, error: result.value.problem, bytesDone: result.value.sizeBytes, bytesTotal: result.value.sizeBytes });
    await checkFileSet();
}

/** Stop a download (the part is kept; "Download for me" goes on from there). */
export function stopDownload(role: FileRole): void {
    const entry = get().files[role];
    if (entry?.status === 'downloading') void api().cancelVerification({ verificationId: entry.verificationId });
}

/** `sha256sum` / BSD / bare-digest lists: digests by file name. */
export function parseChecksumList(text: string): Record<string, string> {
    const found: Record<string, string> = {};
    for (const { name, sha256 } of parseSha256Sums(text)) if (name !== null) found[listedFileName(name)] = sha256;
    return found;
}

export function isChecksumList(file: File): boolean {
    return /\.(sha256|sha256sum)$|^sha256sums?(\.txt)?$/i.test(file.name);
}

/** Guess a file's role from its name, as the person's downloads are usually named. */
export function guessRole(name: string, roles: readonly FileRole[]): FileRole | undefined {
    const lower = name.toLowerCase();
    const guess: FileRole | undefined = /twrp|recovery/.test(lower)
        ? 'recovery'
        : /gapps/.test(lower)
          ? 'gapps'
          : /addonsu|(^|[-_])su[-_.]|magisk/.test(lower)
            ? 'su'
            : /lineage|rom|\.zip$/.test(lower)
              ? 'rom'
              : /\.(img|tar|md5)$/.test(lower)
                ? 'recovery'
                : undefined;
    return guess && roles.includes(guess) ? guess : undefined;
}

/**
 * A checksum list's digests added to those known. Taken after the list is read: a spread of the
 * known digests taken before the read (`{ ...known, ...parse(await read) }`) dropped the digests
 * another pick added meanwhile, and that pick's file was then refused for want of a checksum.
 */
function addChecksums(listText: string): void {
    const listed = parseChecksumList(listText);
    set({ checksums: { ...get().checksums, ...listed } });
}

/** Several files at once (drop, or a multi-pick): checksum lists first, then each file in its role. */
export async function addFiles(files: readonly File[], roles: readonly FileRole[]): Promise<string[]> {
    const unplaced: string[] = [];
    for (const file of files.filter(isChecksumList)) addChecksums(await file.text());
    const work: Array<Promise<void>> = [];
    for (const file of files.filter((f) => !isChecksumList(f))) {
        const role = guessRole(file.name, roles);
        if (role) work.push(addFile(role, file));
        else unplaced.push(file.name);
    }
    await Promise.all(work);
    return unplaced;
}

/** A row's picker: the file itself, plus optionally its .sha256 list picked with it. */
export async function addFilesToRole(role: FileRole, files: readonly File[]): Promise<void> {
    for (const file of files.filter(isChecksumList)) addChecksums(await file.text());
    const file = files.find((f) => !isChecksumList(f));
    if (file) await addFile(role, file);
}

export function setChecksum(fileName: string, sha256: string): void {
    set({ checksums: { ...get().checksums, [fileName]: sha256.trim().toLowerCase() } });
}

/** Start the upgrade; `backupPassphrase` locks its backup (the review page asks for it unless the backup is declined, and keeps it only until this call). */
export async function startUpgrade(backupPassphrase?: string): Promise<boolean> {
    const { deviceId, recipeId, files, keepBackup } = get();
    if (!deviceId || !recipeId) return false;
    const chosen = (Object.entries(files) as Array<[FileRole, FileEntry]>).filter(([, entry]) => fileFits(entry));
    // The job's id is chosen here, and the job is on the page before it starts: its first events land on it.
    const jobId = newJobId();
    const before = get().job;
    set({ job: freshJob(jobId) });
    const result = await run(
        api().startUpgrade({ jobId, deviceId, recipeId, files: chosen.map(([role, entry]) => ({ role, verificationId: entry.verificationId })), declineBackup: !keepBackup, ...(keepBackup && backupPassphrase !== undefined ? { backupPassphrase } : {}) }),
    );
    if (!result) {
        set({ job: before });
        return false;
    }
    set({ screen: 'run' });
    return true;
}

export async function answerConfirm(yes: boolean): Promise<void> {
    const job = get().job;
    if (!job?.confirm) return;
    const requestId = job.confirm.id;
    updateJob(job.jobId, () => ({ confirm: null }));
    await run(api().answerConfirm({ jobId: job.jobId, requestId, yes }));
}

export async function pressVirtualButtons(): Promise<void> {
    const job = get().job;
    if (!job?.instruction) return;
    updateJob(job.jobId, () => ({ pressed: true }));
    await run(api().pressVirtualButtons({ jobId: job.jobId, instructionId: job.instruction.id }));
}

export function askCancel(asking: boolean): void {
    const job = get().job;
    if (job) updateJob(job.jobId, () => ({ cancelStage: asking ? 'asking' : 'idle' }));
}

export async function cancelJob(): Promise<void> {
    const job = get().job;
    if (!job) return;
    updateJob(job.jobId, () => ({ cancelStage: 'cancelling' }));
    const result = await run(api().cancelJob({ jobId: job.jobId }));
    if (!result?.cancelling) updateJob(job.jobId, () => ({ cancelStage: 'idle' }));
}

export async function saveLog(): Promise<void> {
    const job = get().job;
    if (!job) return;
    const result = await run(api().saveLog({ jobId: job.jobId }));
    if (result) updateJob(job.jobId, () => ({ savedLogPath: result.path }));
}

/** "Open the folder" (Electron only): main opens the finished job's backup folder in the file manager. */
export async function openBackupFolder(): Promise<void> {
    const job = get().job;
    const open = get().api?.openBackupFolder;
    if (!job || !open) return;
    await run(open(job.jobId));
}

export function finishJob(): void {
    set({ screen: 'home', job: null, files: {}, deviceId: null });
    void refreshJobs();
}
