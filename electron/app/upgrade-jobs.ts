/**
 * The upgrades behind the contract: started under the id the page chose, from files the files step
 * checked, on a phone of the list; their events turned into the contract's job events (and kept, so
 * a reopened page can rebuild a job), their questions answered, their logs saved; stopped or failed
 * ones listed from their journals, continued or forgotten.
 */
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import type { CommandResult, EventName, EventPayload, FileRole, StartUpgradeOptions } from '../api/contract.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobEvent, JobInstruction } from '../../native/jobs/events.js';
import { Journal, jobsDir, readJournal, type JournalEntry } from '../../native/jobs/journal.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { UpgradeOptions } from '../jobs/types.js';
import { runUpgrade } from '../jobs/upgrade.js';
import { backupStillToWrite } from '../jobs/upgrade/backup.js';
import { phoneNow } from '../jobs/upgrade/phone-now.js';
import { ratePassphrase, strongEnoughForBackup } from '../../common/passphrase.js';
import { apiErrorOf, type CommandHandlers } from './dispatch.js';
import { answerPage, askPage, confirmPayload, instructionPayload, jobProgressPayload, pressForPage, type PageAnswers } from './job-events.js';
import type { VerifiedPath } from './file-checks.js';
import type { AppPhones, UpgradeTarget } from './phones.js';
import type { UploadStore } from './uploads.js';

interface RunningJob {
    readonly jobId: string;
    readonly recipeId: string;
    readonly deviceId: string;
    /** Every contract event of the job so far (the last progress only), so a reopened page can rebuild it. */
    readonly events: JobEventRecord[];
    readonly controller: AbortController;
    readonly confirms: PageAnswers;
    readonly log: string[];
    readonly virtual: VirtualPhone | undefined;
    instruction: JobInstruction | undefined;
    finished: boolean;
}

type JobEventRecord = CommandResult<'attachJob'>['events'][number];

/** How many of a job's events a reopened page gets back (log lines beyond are in the saved log). */
const MAX_RECORDED_EVENTS = 3000;

export interface UpgradeJobsEnvironment {
    readonly home: string;
    readonly recipes: readonly Recipe[];
    readonly uploads: UploadStore;
    readonly phones: AppPhones;
    /** How long a job waits for the phone after an instruction (default 10 minutes). */
    readonly waitTimeoutMs?: number | undefined;
    recipeById(id: string): Recipe;
    /** The file the files step checked under this id, when it passed. */
    verified(verificationId: string): VerifiedPath | undefined;
    emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
}

/** What a caller that starts an upgrade (the counter) learns of it, besides the contract's events. */
export interface UpgradeHooks {
    /** The phone was taken for the job, before the job starts: e.g. read who it is while it is in Android. */
    readonly onTarget?: ((target: UpgradeTarget, signal: AbortSignal) => Promise<void>) | undefined;
    /** Every event of the job as the job said it (its last one: done, failed or cancelled). */
    readonly onEvent?: ((event: JobEvent) => void) | undefined;
    /** The job ended and its journal is complete (also after a start that failed). */
    readonly onEnd?: (() => void) | undefined;
    /** Stops the job as Stop does (a lane cancelled on the counter). */
    readonly signal?: AbortSignal | undefined;
    /** Who can open the job's backup archive (the counter: the shop's key); a job with a backup to write and none refuses to start. */
    readonly backupKeys?: UpgradeOptions['backupKeys'];
}

export type UpgradeJobHandlers = Pick<CommandHandlers, 'startUpgrade' | 'listJobs' | 'attachJob' | 'resumeJob' | 'forgetJob' | 'answerConfirm' | 'pressVirtualButtons' | 'cancelJob' | 'saveLog'>;

export interface UpgradeJobs {
    readonly handlers: UpgradeJobHandlers;
    /** Start an upgrade as startUpgrade does (files the files step verified), telling `hooks` how it goes. */
    start(request: z.output<typeof StartUpgradeOptions>, hooks: UpgradeHooks): Promise<{ jobId: string }>;
    /** Keep a contract event of a running job (the backend calls it for every event it sends). */
    record(event: EventName, payload: unknown): void;
    /** Whether an upgrade runs on this virtual phone now. */
    runsOn(phone: VirtualPhone): boolean;
    /** Where a job that ended here put its verified backup (undefined: no such job, or no backup). */
    backupFolderOf(jobId: string): string | undefined;
    /** Stop every running job (Revive is closing). */
    close(): void;
}

/**
 * The page's upgrade locks its backup with the person's passphrase, the same way "Back up this
 * phone" does: nothing that opens the archive is written beside it (or anywhere), so the archive is
 * as safe as the passphrase. Undefined when no backup is to be written.
 */
function passphraseLock(passphrase: string | undefined, wanted: boolean, variant: 'start' | 'resume'): UpgradeOptions['backupKeys'] {
    if (!wanted) return undefined;
    if (passphrase === undefined) throw ReviveError.of('backup-passphrase-needed', { variant });
    if (!strongEnoughForBackup(ratePassphrase(passphrase))) throw ReviveError.of('backup-weak-passphrase', {});
    const lock = { kind: 'scrypt', passphrase } as const;
    return { recipients: [lock], verifyWith: [lock] };
}

export function createUpgradeJobs(env: UpgradeJobsEnvironment): UpgradeJobs {
    const { home } = env;
    const emit = env.emit;
    const jobs = new Map<string, RunningJob>();

    const jobById = (jobId: string): RunningJob => {
        const job = jobs.get(jobId);
        if (!job) throw ReviveError.of('job-unknown', { jobId });
        return job;
    };

    const toContractEvent = (job: RunningJob, event: JobEvent): void => {
        switch (event.type) {
            case 'started':
                return emit('jobStarted', { jobId: event.jobId, steps: event.steps.map((s) => ({ id: s.id, title: s.title, bytesToPhone: s.bytesToPhone ?? 0 })), resumed: event.resumed });
            case 'step':
                job.log.push(`${event.at}  [${event.step}] ${event.status}: ${event.description}`);
                if (event.status !== 'started') job.instruction = undefined;
                return emit('jobStep', { jobId: event.jobId, step: event.step, title: event.title, status: event.status, description: event.description });
            case 'progress':
                return emit('jobProgress', jobProgressPayload(event.jobId, event.progress));
            case 'instruction':
                job.instruction = event;
                job.log.push(`${event.at}  instruction: ${event.text}`);
                return emit('jobInstruction', instructionPayload(event, job.virtual !== undefined));
            case 'confirm':
                job.log.push(`${event.at}  question: ${event.question}`);
                return emit('jobConfirm', confirmPayload(event));
            case 'log':
                job.log.push(`${event.at}  ${event.line}`);
                return emit('jobLog', { jobId: event.jobId, at: event.at, ...(event.note ? { code: event.note.code, facts: event.note.facts } : { line: event.line }) });
            case 'done': {
                job.finished = true;
                const backup = event.report.backup;
                job.log.push(`${event.at}  done: Android ${event.report.after.androidVersion}`);
                emit('jobDone', {
                    jobId: event.jobId,
                    phoneName: event.report.phoneName,
                    installed: [...event.report.installed],
                    androidBefore: event.report.before.androidVersion,
                    androidAfter: event.report.after.androidVersion,
                    backupDirectory: backup.kind === 'verified' ? backup.directory : null,
                });
                return env.phones.announce();
            }
            case 'failed':
                job.finished = true;
                job.log.push(`${event.at}  failed: ${event.error.message} ${event.phoneState}`);
                emit('jobFailed', { jobId: event.jobId, error: apiErrorOf(event.error), step: event.step, phoneState: event.phoneState, phoneNow: { ...event.phoneNow, changes: [...event.phoneNow.changes] }, resumable: event.resumable });
                return env.phones.announce();
            case 'cancelled':
                job.finished = true;
                job.log.push(`${event.at}  cancelled: ${event.phoneState}`);
                emit('jobCancelled', { jobId: event.jobId, step: event.step, phoneState: event.phoneState, phoneNow: { ...event.phoneNow, changes: [...event.phoneNow.changes] }, reason: event.reason, resumable: event.resumable });
                return env.phones.announce();
        }
    };

    /**
     * Uploaded files live in a temp folder that goes with the backend; a job keeps its own copies
     * (hard links where possible) in the app's data folder, so it can be continued after a restart.
     */
    const keepForResume = async (files: Partial<Record<FileRole, string>>): Promise<Partial<Record<FileRole, string>>> => {
        const kept: Partial<Record<FileRole, string>> = {};
        for (const [role, path] of Object.entries(files) as Array<[FileRole, string | undefined]>) {
            if (!path || !env.uploads.holds(path)) {
                kept[role] = path;
                continue;
            }
            const dir = join(home, 'job-files', randomBytes(8).toString('hex'));
            await mkdir(dir, { recursive: true, mode: 0o700 });
            const copy = join(dir, basename(path));
            await link(path, copy).catch(() => copyFile(path, copy));
            kept[role] = copy;
        }
        return kept;
    };

    /** Upgrades that are running, or stopped or failed and not finished or forgotten, newest first. */
    const unfinishedJobs = (): CommandResult<'listJobs'>['jobs'] => {
        const dir = jobsDir(home);
        const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.jsonl')).sort().reverse().slice(0, 20) : [];
        const found: CommandResult<'listJobs'>['jobs'] = [];
        for (const name of names) {
            const jobId = name.slice(0, -'.jsonl'.length);
            let entries: JournalEntry[];
            try {
                entries = readJournal(join(dir, name));
            } catch {
                continue;
            }
            const header = entries[0];
            if (header?.t !== 'job' || header.kind !== 'upgrade') continue;
            const ends = entries.filter((e) => e.t === 'end');
            const end = ends.at(-1);
            if (entries.some((e) => e.t === 'note' && e.key === 'forgotten') || (end?.t === 'end' && end.outcome === 'done')) continue;
            const running = jobs.get(jobId);
            const recipe = env.recipes.find((r) => r.id === header.params['recipeId']);
            if (!recipe) continue;
            const now = phoneNow(entries, undefined);
            const lastRun = entries.filter((e) => e.t === 'run').length;
            const endedThisRun = end?.t === 'end' && end.run === lastRun;
            if (!running && !endedThisRun && now.changes.length === 0 && !entries.some((e) => e.t === 'step' && e.status === 'verified' && e.step === 'save-storage')) continue;
            const status = running && !running.finished ? 'running' : end?.t === 'end' && end.outcome === 'failed' ? 'failed' : 'stopped';
            const files = Object.values((header.params['files'] ?? {}) as Record<string, string>);
            found.push({
                jobId,
                recipeId: recipe.id,
                phoneName: recipe.name,
                status,
                startedAt: header.at,
                phoneNow: { changes: [...now.changes], interrupted: now.interrupted, mode: null },
                missingFiles: files.filter((path) => !existsSync(path)).map((path) => basename(path)),
                needsBackupPassphrase: backupStillToWrite(entries),
                virtual: (header.params['device'] as { kind?: unknown } | undefined)?.kind === 'virtual',
            });
        }
        return found.slice(0, 5);
    };

    /** Start (or continue) an upgrade job, under the id the page chose, on a phone of the list; resolves once the job started. */
    const launch = async (recipe: Recipe, deviceId: string, jobId: string, choices: Omit<UpgradeOptions, 'device' | 'jobId'>, hooks: UpgradeHooks = {}): Promise<{ jobId: string }> => {
        if (jobs.get(jobId)?.finished === false) throw ReviveError.of('job-running', {});
        const controller = new AbortController();
        if (hooks.signal) {
            const stop = (): void => controller.abort(new Error('Cancelled by the person.'));
            if (hooks.signal.aborted) stop();
            else hooks.signal.addEventListener('abort', stop, { once: true });
        }
        // Said while the phone shows "Allow USB debugging?" (a phone that does not know this computer yet).
        const onWaitingForAuth = (message: string): void => {
            const job = jobs.get(jobId);
            if (job?.controller !== controller) return;
            const at = new Date().toISOString();
            job.log.push(`${at}  ${message}`);
            emit('jobLog', { jobId, at, line: message });
        };
        const target = await env.phones.targetFor(deviceId, recipe, onWaitingForAuth);
        try {
            await hooks.onTarget?.(target, controller.signal);
        } catch (error) {
            await target.release().catch(() => undefined);
            hooks.onEnd?.();
            throw error;
        }
        const running: RunningJob = { jobId, recipeId: recipe.id, deviceId, controller, confirms: new Map(), log: [], events: [], virtual: target.virtual, instruction: undefined, finished: false };
        const before = jobs.get(jobId);
        jobs.set(jobId, running);
        let started = false;
        const upgrade: UpgradeOptions = { ...choices, ...(choices.resumeJobId ? {} : { jobId }), device: target.ref };
        const finished = runUpgrade(upgrade, {
            recipe,
            locator: target.locator,
            links: target.links,
            emit: (event) => {
                started ||= event.type === 'started';
                toContractEvent(running, event);
                hooks.onEvent?.(event);
            },
            signal: controller.signal,
            waitTimeoutMs: env.waitTimeoutMs,
            ui: {
                instruct: () => undefined,
                confirm: (request, signal) => askPage(running.confirms, request, signal),
            },
        });
        // The job ends in done/failed/cancelled events; the phone is free for the list and the panels then.
        void finished
            .catch(() => undefined)
            .finally(() => target.release().catch(() => undefined))
            .finally(() => hooks.onEnd?.());
        // runUpgrade says `started` before its first await; a job that could not even open its journal did not.
        if (!started) {
            if (before) jobs.set(jobId, before);
            else jobs.delete(jobId);
            await finished;
            throw ReviveError.of('job-not-started', {});
        }
        env.phones.announce();
        return { jobId };
    };

    const start = async (request: z.output<typeof StartUpgradeOptions>, hooks: UpgradeHooks): Promise<{ jobId: string }> => {
        const recipe = env.recipeById(request.recipeId);
        const files: Partial<Record<FileRole, string>> = {};
        const checksums: Partial<Record<FileRole, string>> = {};
        for (const { role, verificationId } of request.files) {
            const verified = env.verified(verificationId);
            if (!verified || verified.role !== role || verified.recipeId !== recipe.id) {
                throw ReviveError.of('file-not-verified', { role, phone: recipe.name });
            }
            files[role] = verified.path;
            if (verified.typed) checksums[role] = verified.sha256;
        }
        if (!files.recovery || !files.rom) {
            throw ReviveError.of('files-missing', {});
        }
        const kept = await keepForResume(files);
        return launch(recipe, request.deviceId, request.jobId, {
            files: { recovery: kept.recovery ?? files.recovery, rom: kept.rom ?? files.rom, gapps: kept.gapps, su: kept.su },
            checksums,
            noBackup: request.declineBackup,
            backupKeys: hooks.backupKeys,
            home,
        }, hooks);
    };

    const handlers: UpgradeJobHandlers = {
        startUpgrade: ({ backupPassphrase, ...request }) => start(request, { backupKeys: passphraseLock(backupPassphrase, !request.declineBackup, 'start') }),
        async listJobs() {
            return { jobs: unfinishedJobs() };
        },
        async attachJob({ jobId }) {
            const job = jobById(jobId);
            return { jobId, recipeId: job.recipeId, deviceId: job.deviceId, events: [...job.events] };
        },
        async resumeJob({ jobId, deviceId, backupPassphrase }) {
            if ([...jobs.values()].some((j) => j.jobId === jobId && !j.finished)) throw ReviveError.of('job-running', {});
            const header = Journal.peek(jobId, home);
            const params = header.params;
            const recipe = env.recipeById(String(params['recipeId'] ?? ''));
            const files = (params['files'] ?? {}) as Record<string, string>;
            const missing = Object.values(files).filter((path) => !existsSync(path));
            if (missing.length > 0 || !files['recovery'] || !files['rom']) {
                throw ReviveError.of('resume-files-missing', { files: missing.map((p) => basename(p)).join(', ') });
            }
            const typed = (params['typedChecksums'] ?? {}) as Record<string, string>;
            const backupKeys = passphraseLock(backupPassphrase, backupStillToWrite(readJournal(join(jobsDir(home), `${jobId}.jsonl`))), 'resume');
            return launch(recipe, deviceId, jobId, {
                files: { recovery: files['recovery'], rom: files['rom'], gapps: files['gapps'], su: files['su'] },
                checksums: typed,
                noBackup: params['noBackup'] === true,
                backupTo: typeof params['backupTo'] === 'string' ? params['backupTo'] : undefined,
                backupKeys,
                resumeJobId: jobId,
                home,
            });
        },
        async forgetJob({ jobId }) {
            const journal = Journal.resume(jobId, home);
            journal.append({ t: 'note', key: 'forgotten', data: { by: 'person' } });
            journal.append({ t: 'end', outcome: 'cancelled', detail: 'The person chose not to continue this upgrade.' });
            return { ok: true as const };
        },
        async answerConfirm({ jobId, requestId, yes }) {
            answerPage(jobById(jobId).confirms, requestId, yes);
            return { ok: true as const };
        },
        async pressVirtualButtons({ jobId, instructionId }) {
            const job = jobById(jobId);
            pressForPage(job.virtual, job.instruction, instructionId);
            return { ok: true as const };
        },
        async cancelJob({ jobId }) {
            const job = jobById(jobId);
            if (job.finished) return { cancelling: false };
            job.controller.abort(new Error('Cancelled by the person.'));
            return { cancelling: true };
        },
        async saveLog({ jobId }) {
            const job = jobById(jobId);
            const dir = join(home, 'logs');
            await mkdir(dir, { recursive: true, mode: 0o700 });
            const path = join(dir, `upgrade-${jobId}.log`);
            await writeFile(path, `${job.log.join('\n')}\n`, { mode: 0o600 });
            await chmod(path, 0o600);
            return { path };
        },
    };

    return {
        handlers,
        start,
        record(event, payload) {
            const jobId = (payload as { jobId?: unknown }).jobId;
            const job = event.startsWith('job') && typeof jobId === 'string' ? jobs.get(jobId) : undefined;
            if (!job) return;
            const last = job.events.at(-1);
            if (event === 'jobProgress' && last?.event === 'jobProgress') job.events.pop();
            if (job.events.length < MAX_RECORDED_EVENTS || event !== 'jobLog') job.events.push({ event, payload } as JobEventRecord);
        },
        runsOn: (phone) => [...jobs.values()].some((job) => !job.finished && job.virtual === phone),
        backupFolderOf(jobId) {
            const done = jobs.get(jobId)?.events.find((e) => e.event === 'jobDone');
            const directory = done?.payload['backupDirectory'];
            return typeof directory === 'string' ? directory : undefined;
        },
        close() {
            for (const job of jobs.values()) if (!job.finished) job.controller.abort(new Error('Revive is closing.'));
        },
    };
}
