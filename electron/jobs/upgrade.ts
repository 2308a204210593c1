/**
 * The guided upgrade, run from its step table (upgrade/steps.ts): identify → check files → copy
 * internal storage → unlock → TWRP → recovery → backup → wipe → ROM, Gapps, su → reboot → the new
 * system answers. UI-independent (runs under plain Node); the person is reached through a JobUi,
 * the phone through a PhoneLocator and ProtocolLinks. Every step is journalled; a resumed job
 * re-detects the phone and skips verified steps.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ReviveError } from '../../native/jobs/errors.js';
import type { ReportBackup, UpgradeReport } from '../../native/jobs/events.js';
import { appHome, Journal, jobsDir, newJobId, readJournal, type JournalValue } from '../../native/jobs/journal.js';
import { JobRun } from '../../native/jobs/runner.js';
import type { FileRole, Recipe } from '../../native/manifests/schema.js';
import type { UpgradeOptions } from './types.js';
import { backupStillToWrite } from './upgrade/backup.js';
import { UpgradeJob, type UpgradeEnvironment } from './upgrade/job.js';
import { describePhoneNow, phoneNow } from './upgrade/phone-now.js';
import { planSteps, STEP_IDS, upgradeSteps, type PlanFacts } from './upgrade/steps.js';

export type { UpgradeEnvironment } from './upgrade/job.js';

/** Answers of Stop to the job's questions: a deliberate stop, not a failure. */
const DECLINED: ReadonlySet<string> = new Set(['unlock-declined', 'wipe-declined', 'backup-required', 'backup-raw-missing', 'battery-declined']);

/** What a job's journal header records it was started with; the recipe is unknown for a phone never found. */
export function journalParams(options: UpgradeOptions, recipe: Recipe | undefined): Record<string, JournalValue> {
    const device: Record<string, JournalValue> = { ...options.device, stateDir: 'stateDir' in options.device ? (options.device.stateDir ?? null) : null };
    return {
        recipeId: recipe?.id ?? null,
        device,
        files: Object.fromEntries(Object.entries(options.files).filter(([, v]) => v !== undefined)) as Record<string, string>,
        typedChecksums: Object.fromEntries(Object.entries(options.checksums ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>,
        backupTo: options.backupTo ?? null,
        noBackup: options.noBackup ?? false,
    };
}

/** A file's size for the plan's byte count; a missing file counts 0 here (the gate step says what is wrong). */
function fileBytes(path: string | undefined): number {
    if (!path) return 0;
    try {
        return statSync(path).size;
    } catch {
        return 0;
    }
}

function stringOf(value: JournalValue | undefined, fallback = ''): string {
    return typeof value === 'string' ? value : fallback;
}

export function planFacts(recipe: Recipe, options: Pick<UpgradeOptions, 'files' | 'noBackup'>): PlanFacts {
    const roles = new Set((Object.keys(options.files) as FileRole[]).filter((role) => options.files[role] !== undefined));
    return { recipe, roles, noBackup: options.noBackup ?? false };
}

/**
 * Run (or resume) an upgrade. Resolves with the report when the new system answered; rejects with
 * a ReviveError otherwise (after a `failed` or `cancelled` event). The job's id is the caller's
 * (`options.jobId`, or `resumeJobId` to continue one), so a caller knows it before the first event.
 */
export async function runUpgrade(options: UpgradeOptions, env: UpgradeEnvironment): Promise<UpgradeReport> {
    const recipe = env.recipe;
    const home = options.home ?? appHome();
    // Refused before the journal or the phone is touched: Revive keeps no key beside a backup, so a backup still to be written needs its lock from the caller.
    if (!options.backupKeys && !options.noBackup && (!options.resumeJobId || backupStillToWrite(readJournal(join(jobsDir(home), `${options.resumeJobId}.jsonl`))))) {
        throw ReviveError.of('backup-lock-needed', { variant: 'job' });
    }
    const journal = options.resumeJobId
        ? Journal.resume(options.resumeJobId, home)
        : Journal.create(options.jobId ?? newJobId(), 'upgrade', journalParams(options, recipe), home);
    const run = new JobRun({ journal, emit: env.emit, ui: env.ui, signal: env.signal });
    const job = new UpgradeJob(env, options, run);
    const plan = planFacts(recipe, options);
    run.start('upgrade', planSteps(plan, (role) => fileBytes(options.files[role])));
    const startedAt = journal.entries[0]?.at ?? new Date().toISOString();
    try {
        for (const step of upgradeSteps(recipe)) {
            const applies = step.applies ? step.applies(plan) : true;
            if (applies === false) continue;
            if (typeof applies === 'string') {
                run.skip(step, applies);
                continue;
            }
            await run.step({ id: step.id, title: step.title, description: step.description(job) }, () => step.run(job), { always: step.always?.(job) ?? false });
        }
        const firstIdentify = journal.entries.find((e) => e.t === 'step' && e.step === STEP_IDS.identify && e.status === 'verified');
        const firstData = firstIdentify?.t === 'step' ? firstIdentify.data : undefined;
        const before = {
            androidVersion: stringOf(firstData?.['androidVersion'], job.found?.androidVersion ?? recipe.stockAndroidVersion),
            buildFingerprint: stringOf(firstData?.['fingerprint'], job.found?.fingerprint ?? ''),
        };
        const system = run.verifiedData(STEP_IDS.verify);
        const after = { androidVersion: stringOf(system?.['androidVersion']), buildFingerprint: stringOf(system?.['fingerprint']) };
        const backup = run.verifiedData(STEP_IDS.backup)?.['backup'] as unknown as ReportBackup | undefined;
        const gateFiles = (run.verifiedData(STEP_IDS.gate)?.['files'] as unknown as UpgradeReport['files'] | undefined) ?? [];
        const report: UpgradeReport = {
            jobId: journal.jobId,
            recipeId: recipe.id,
            phoneName: recipe.name,
            serial: job.found?.serial ?? '',
            startedAt,
            finishedAt: new Date().toISOString(),
            runs: journal.run,
            steps: run.outcomes.map((o) => ({ id: o.id, title: o.title, status: o.status, detail: o.detail })),
            files: gateFiles,
            backup: backup ?? { kind: 'declined', declinedAt: '' },
            installed: recipe.installOrder.filter((role) => options.files[role]).map((role) => basename(options.files[role] ?? '')),
            before,
            after,
            journalPath: journal.path,
        };
        return run.done(report, `The phone runs Android ${after.androidVersion}.`);
    } catch (error) {
        const now = phoneNow(journal.entries, env.locator.current()?.mode);
        const phoneState = describePhoneNow(now);
        // Before anything was changed a job can simply start again; after, it continues where it stopped.
        const resumable = now.changes.length > 0 || now.interrupted !== null || run.wasVerified(STEP_IDS.saveStorage);
        throw run.end(error, {
            declined: (refusal) => DECLINED.has(refusal.code),
            cancelledDetail: phoneState,
            cancelled: { phoneState, phoneNow: now, resumable: true },
            // Where the phone was left is in the cancelled event (phoneNow), worded by whoever shows it.
            cancelError: (cause) => ReviveError.of('cancelled', { variant: 'upgrade', what: 'upgrade', jobId: journal.jobId }, { cause }),
            failed: () => ({ phoneState, phoneNow: now, resumable }),
        });
    }
}

export { planSteps };
