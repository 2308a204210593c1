/**
 * The guided upgrade, run from its step table (upgrade/steps.ts): identify → check files → copy
 * internal storage → unlock → TWRP → recovery → backup → wipe → ROM, Gapps, su → reboot → the new
 * system answers. UI-independent (runs under plain Node); the person is reached through a JobUi,
 * the phone through a PhoneLocator and ProtocolLinks. Every step is journalled; a resumed job
 * re-detects the phone and skips verified steps.
 */
import { basename } from 'node:path';
import { ReviveError } from '../../native/jobs/errors.js';
import type { ReportBackup, UpgradeReport } from '../../native/jobs/events.js';
import { appHome, Journal, newJobId, type JournalValue } from '../../native/jobs/journal.js';
import { JobCancelled, JobRun } from '../../native/jobs/runner.js';
import type { FileRole, PhoneMode, Recipe } from '../../native/manifests/schema.js';
import type { UpgradeOptions } from './types.js';
import { UpgradeJob, type UpgradeEnvironment } from './upgrade/job.js';
import { MODE_WORDS } from './upgrade/modes.js';
import { planSteps, STEP_IDS, upgradeSteps, type PlanFacts } from './upgrade/steps.js';

export type { UpgradeEnvironment } from './upgrade/job.js';

function journalParams(options: UpgradeOptions, recipe: Recipe): Record<string, JournalValue> {
    const device: Record<string, JournalValue> = { ...options.device, stateDir: 'stateDir' in options.device ? (options.device.stateDir ?? null) : null };
    return {
        recipeId: recipe.id,
        device,
        files: Object.fromEntries(Object.entries(options.files).filter(([, v]) => v !== undefined)) as Record<string, string>,
        typedChecksums: Object.fromEntries(Object.entries(options.checksums ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>,
        backupTo: options.backupTo ?? null,
        noBackup: options.noBackup ?? false,
    };
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
 * a ReviveError otherwise (after a `failed` or `cancelled` event). The `started` event, with the
 * job id, is emitted synchronously before the first await: callers rely on it to track the job.
 */
export async function runUpgrade(options: UpgradeOptions, env: UpgradeEnvironment): Promise<UpgradeReport> {
    const recipe = env.recipe;
    const home = options.home ?? appHome();
    const journal = options.resumeJobId
        ? Journal.resume(options.resumeJobId, home)
        : Journal.create(newJobId(), 'upgrade', journalParams(options, recipe), home);
    const run = new JobRun({ journal, emit: env.emit, ui: env.ui, signal: env.signal });
    const job = new UpgradeJob(env, options, run);
    const plan = planFacts(recipe, options);
    run.start('upgrade', planSteps(plan));
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
        journal.append({ t: 'end', outcome: 'done', detail: `The phone runs Android ${after.androidVersion}.` });
        run.emit({ type: 'done', report });
        return report;
    } catch (error) {
        const step = run.currentStep;
        const phoneState = describePhoneState(step, env.locator.current()?.mode);
        if (env.signal.aborted || error instanceof JobCancelled) {
            journal.append({ t: 'end', outcome: 'cancelled', detail: phoneState });
            run.emit({ type: 'cancelled', step, phoneState, resumable: true });
            throw new ReviveError({ code: 'cancelled', message: `The upgrade was stopped. ${phoneState}`, nextStep: `Resume it later with the job id ${journal.jobId}.` }, { cause: error });
        }
        const failure = ReviveError.from(error);
        const beforePhone = step === STEP_IDS.identify || step === STEP_IDS.gate || step === STEP_IDS.unlock;
        journal.append({ t: 'end', outcome: 'failed', detail: `${failure.code}: ${failure.message}` });
        run.emit({ type: 'failed', error: failure.toJSON(), step, phoneState, resumable: !beforePhone });
        throw failure;
    }
}

function describePhoneState(step: string | null, mode: PhoneMode | undefined): string {
    const where = mode ? `The phone is in ${MODE_WORDS[mode]}.` : 'The phone is not connected.';
    if (step === null || step === 'identify' || step === 'gate' || step === 'save-storage') return `Nothing was written to the phone. ${where}`;
    if (step === 'unlock' || step === 'flash-recovery') return `The old system is untouched; the recovery may be incomplete. ${where}`;
    if (step === 'enter-recovery' || step === 'backup') return `TWRP is on the phone; the old system and data are untouched. ${where}`;
    return `The old system is erased; the phone can reach TWRP with the recovery keys and the job can go on from there. ${where}`;
}

export { planSteps };
