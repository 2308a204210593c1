/** The running upgrade: steps, what to do now (with the key-combo picture), questions, progress, log, cancel. */
import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { EventPayload, PhoneNow, RecipeView } from '../api/contract-types.js';
import { answerConfirm, askCancel, cancelJob, finishJob, openBackupFolder, pressVirtualButtons, resumeCurrentJob, saveLog, useUi, type JobState, type StepState } from '../store.js';
import { formatBytes } from '../format.js';
import { overallProgress } from '../job-progress.js';
import { ProgressBar, ScreenHeading } from './common.js';
import { InstructionBody } from './InstructionBody.js';
import { BackupPassphraseFields, useBackupPassphrase } from './NewPassphrase.js';
import { Glossary } from './Glossary.js';
import { WizardStages } from './Wizard.js';
import { errorWords } from '../error-words.js';

/** Step ids look like `install:rom`; translations are keyed by the id, falling back to the job's own title. */
export function useStepTitle(): (id: string, title: string) => string {
    const { t } = useTranslation();
    return (id, title) => t(`job.steps.${id.replace(/:/g, '-')}`, { defaultValue: title });
}

function useJobRecipe(): RecipeView | undefined {
    return useUi((s) => s.recipes.find((r) => r.id === s.recipeId));
}

type Exists = (key: string) => boolean;

/**
 * The job speaks English; known instruction ids are worded from the translations (with the
 * recipe's key-combo picture naming the buttons), unknown ones keep the job's own text.
 */
export function instructionText(t: TFunction, exists: Exists, instruction: EventPayload<'jobInstruction'>, recipe: RecipeView | undefined): string {
    const key = `job.instructions.${instruction.id}`;
    const comboKey = instruction.picture ? `combos.${instruction.picture.replace(/\.svg$/, '')}` : null;
    const combo = comboKey && exists(comboKey) ? t(comboKey) : null;
    if (!exists(key)) return instruction.text;
    if (instruction.id.startsWith('enter-') && instruction.picture && !combo) return instruction.text;
    return [t(key, { name: recipe?.name ?? '' }), combo].filter(Boolean).join(' ');
}

/**
 * A question's words by its id. What it says about backups comes from the facts the job sent with
 * it (what was really copied and where), never from what the person chose before the start.
 */
export function confirmTexts(t: TFunction, exists: Exists, confirm: EventPayload<'jobConfirm'>, recipe: RecipeView | undefined): { question: string; detail: string; confirm: string; cancel: string } {
    const base = `job.confirms.${confirm.id}`;
    const own = { question: confirm.question, detail: confirm.detail, confirm: confirm.confirmLabel, cancel: confirm.cancelLabel };
    if (!exists(`${base}.question`)) return own;
    const facts = confirm.facts;
    const values = { min: recipe?.minBatteryPercent ?? '', ...facts, count: typeof facts['files'] === 'number' ? facts['files'] : 0 };
    const pick = (field: string, fallback: string): string => (exists(`${base}.${field}`) ? t(`${base}.${field}`, values) : fallback);
    const recipeUnlock = recipe ? `recipes.${recipe.id}.unlock` : '';
    let question = pick('question', own.question);
    let detail = pick('detail', own.detail);
    if (confirm.id === 'unlock' && recipe?.unlock.wipesData) question = pick('questionWipes', question);
    if (confirm.id === 'write-twrp' && facts['fileNeeded'] === 'yes') detail = pick('detailNoFile', detail);
    if ((confirm.id === 'unlock' || confirm.id === 'oem-unlock-toggle') && recipeUnlock && exists(recipeUnlock)) detail = t(recipeUnlock);
    if (confirm.id === 'unlock' && recipe?.unlock.wipesData) detail = `${facts['copied'] === 'yes' ? t(`${base}.copied`, values) : t(`${base}.notCopied`)} ${detail}`;
    if (confirm.id === 'erase') {
        const storageFiles = typeof facts['storageFiles'] === 'number' ? facts['storageFiles'] : 0;
        detail = [
            pick('detail', own.detail),
            facts['twrpBackup'] === 'verified' ? pick('backupChecked', '') : pick('noBackup', ''),
            storageFiles > 0 ? t(`${base}.storageCopied`, { count: storageFiles }) : '',
        ]
            .filter(Boolean)
            .join(' ');
    }
    return { question, detail, confirm: pick('confirm', own.confirm), cancel: pick('cancel', own.cancel) };
}

/** What the running step does, in the page's language when the step id is known. */
export function stepDescription(
    t: TFunction,
    exists: Exists,
    step: StepState,
    { recipe, files, keepBackup }: { recipe: RecipeView | undefined; files: Partial<Record<string, { name: string }>>; keepBackup: boolean },
): string | undefined {
    if (step.description === undefined) return undefined;
    const [kind, role] = step.id.split(':');
    if (kind === 'install' && role) return exists('job.descriptions.install') ? t('job.descriptions.install', { file: files[role]?.name ?? role }) : step.description;
    if (kind === 'backup' && !keepBackup) return t('job.descriptions.backupDeclined');
    const key = `job.descriptions.${kind}`;
    if (!exists(key)) return step.description;
    const partition = recipe?.steps.find((s) => s.kind === 'flash-recovery')?.detail ?? '';
    return t(key, { partition, method: recipe ? t(`job.methods.${recipe.method}`) : '' });
}

const STEP_MARK: Readonly<Record<StepState['status'], string>> = { done: '✓', skipped: '–', running: '●', waiting: '○', failed: '✗', stopped: '■' };

/** "The phone now", worded from the journal's facts the job sent (never from which step was running). */
export function phoneNowText(t: TFunction, now: PhoneNow, options: { withMode?: boolean } = {}): string {
    const parts: string[] = [];
    const installed = now.changes.filter((c) => c.startsWith('installed:')).map((c) => c.slice('installed:'.length));
    const has = (change: string): boolean => now.changes.includes(change);
    if (now.changes.length === 0 && !now.interrupted) parts.push(t('run.phoneNow.nothing'));
    if (has('unlocked-wiped')) parts.push(t('run.phoneNow.unlockedWiped'));
    else if (has('unlocked')) parts.push(t('run.phoneNow.unlocked'));
    if (has('recovery-written')) parts.push(t('run.phoneNow.recoveryWritten'));
    if (has('erased')) parts.push(installed.includes('rom') ? t('run.phoneNow.erased') : t('run.phoneNow.erasedNoSystem'));
    if (installed.length > 0) parts.push(t('run.phoneNow.installed', { names: installed.map((role) => t(`files.roles.${role}.title`, { defaultValue: role })).join(', ') }));
    if (now.interrupted) {
        const [kind, role] = now.interrupted.split(':');
        parts.push(kind === 'install' && role ? t('run.phoneNow.interrupted.install', { name: t(`files.roles.${role}.title`, { defaultValue: role }) }) : t(`run.phoneNow.interrupted.${kind ?? ''}`));
    } else if (!has('erased') && !has('unlocked-wiped')) parts.push(t('run.phoneNow.untouched'));
    if (options.withMode !== false) parts.push(now.mode ? t('run.phoneNow.mode', { mode: t(`modes.${now.mode}`) }) : t('run.phoneNow.notConnected'));
    return parts.join(' ');
}

function StepList({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const title = useStepTitle();
    return (
        <ol className="job-steps" aria-label={t('run.stepsLabel')}>
            {job.steps.map((step) => (
                <li key={step.id} className={step.status} aria-current={step.status === 'running' ? 'step' : undefined}>
                    <span className="step-mark" aria-hidden="true">
                        {STEP_MARK[step.status]}
                    </span>
                    <span>{title(step.id, step.title)}</span>
                    <span className="visually-hidden">{t(`run.stepStatus.${step.status}`)}</span>
                </li>
            ))}
        </ol>
    );
}

function Instruction({ job }: { job: JobState }): ReactNode {
    const { t, i18n } = useTranslation();
    const recipe = useJobRecipe();
    const instruction = job.instruction;
    if (!instruction) return null;
    return <InstructionPanel idPrefix="instruction" text={instructionText(t, i18n.exists.bind(i18n), instruction, recipe)} instruction={instruction} pressed={job.pressed} onPress={() => void pressVirtualButtons()} />;
}

/** A job's instruction to the person, focused as it appears: what to do now, with its key picture. */
export function InstructionPanel({ idPrefix, text, instruction, pressed, onPress }: { idPrefix: string; text: string; instruction: EventPayload<'jobInstruction'>; pressed: boolean; onPress: () => void }): ReactNode {
    const { t } = useTranslation();
    return (
        <section className="panel instruction" aria-labelledby={`${idPrefix}-heading`} aria-describedby={`${idPrefix}-text`}>
            <InstructionBody
                heading={
                    <h2 id={`${idPrefix}-heading`} tabIndex={-1} ref={focusOnMount}>
                        {t('run.doNow')}
                    </h2>
                }
                text={text}
                textId={`${idPrefix}-text`}
                instruction={instruction}
                pressed={pressed}
                onPress={onPress}
                primary
            />
        </section>
    );
}

function Confirm({ job }: { job: JobState }): ReactNode {
    const { t, i18n } = useTranslation();
    const recipe = useJobRecipe();
    const confirm = job.confirm;
    if (!confirm) return null;
    const words = confirmTexts(t, i18n.exists.bind(i18n), confirm, recipe);
    return <QuestionPanel idPrefix="confirm" danger={confirm.danger} words={words} onAnswer={(yes) => void answerConfirm(yes)} />;
}

/** A job's question to the person, focused as it appears: its heading, its detail, and the two answers. */
/**
 * A question the job waits on. `children`: what the person must give before a yes (the TWRP image a
 * backup needs), shown above the answers; `yesBlocked` keeps the yes from being chosen until then.
 */
export function QuestionPanel({ idPrefix, danger, words, onAnswer, children, yesBlocked }: { idPrefix: string; danger: boolean; words: ReturnType<typeof confirmTexts>; onAnswer: (yes: boolean) => void; children?: ReactNode; yesBlocked?: boolean | undefined }): ReactNode {
    return (
        <section className={`panel confirm${danger ? ' danger' : ''}`} role="alertdialog" aria-labelledby={`${idPrefix}-heading`} aria-describedby={`${idPrefix}-detail`}>
            <h2 id={`${idPrefix}-heading`} tabIndex={-1} ref={focusOnMount}>
                {words.question}
            </h2>
            <p id={`${idPrefix}-detail`}>{words.detail}</p>
            {children}
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => onAnswer(false)}>
                    {words.cancel}
                </button>
                {/* aria-disabled, not disabled: the button stays in the keyboard's way, as the page's other waits do. */}
                <button type="button" className={`button ${danger ? 'danger' : 'primary'}`} aria-disabled={yesBlocked === true} onClick={() => (yesBlocked ? undefined : onAnswer(true))}>
                    {words.confirm}
                </button>
            </div>
        </section>
    );
}

function LogPanel({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const [open, setOpen] = useState(false);
    return (
        <section className="log-panel" aria-labelledby="log-heading">
            <div className="row">
                <h2 id="log-heading" className="small-heading">
                    {t('run.log.title', { count: job.log.length })}
                </h2>
                <button type="button" className="button secondary small" aria-expanded={open} aria-controls="job-log" onClick={() => setOpen(!open)}>
                    {open ? t('run.log.hide') : t('run.log.show')}
                </button>
                <button type="button" className="button secondary small" onClick={() => void saveLog()}>
                    {t('run.log.save')}
                </button>
            </div>
            {job.savedLogPath ? (
                <p role="status" className="hint">
                    {t('run.log.saved', { path: job.savedLogPath })}
                </p>
            ) : null}
            {open ? (
                <pre id="job-log" className="log" tabIndex={0}>
                    {job.log.map((entry) => `${entry.at}  ${entry.code ? t(`logLines.${entry.code}`, { ...entry.facts }) : (entry.line ?? '')}`).join('\n')}
                </pre>
            ) : null}
        </section>
    );
}

function CancelControl({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const cancellable = job.progress ? job.progress.cancellable : true;
    if (job.outcome !== 'running') return null;
    if (job.cancelStage === 'cancelling') {
        return (
            <p className="cancel-line" role="status">
                <span className="spinner" aria-hidden="true" /> {t('run.cancel.cancelling')}
            </p>
        );
    }
    if (job.cancelStage === 'asking') {
        return (
            <div className="cancel-line" role="group" aria-label={t('run.cancel.question')}>
                <span>{t('run.cancel.question')}</span>
                <button type="button" className="button secondary" onClick={() => askCancel(false)}>
                    {t('run.cancel.keepGoing')}
                </button>
                <button type="button" className="button danger" onClick={() => void cancelJob()}>
                    {t('run.cancel.confirm')}
                </button>
            </div>
        );
    }
    return (
        <div className="cancel-line">
            <button type="button" className="button secondary" disabled={!cancellable} onClick={() => askCancel(true)}>
                {t('run.cancel.button')}
            </button>
            {!cancellable ? <span className="hint">{t('run.cancel.notNow')}</span> : null}
        </div>
    );
}

/** Where the backup is: "Open the folder" where there is a desktop shell (Electron), and the path to copy. */
function BackupPlace({ path }: { path: string }): ReactNode {
    const { t } = useTranslation();
    const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
    const canOpen = useUi((s) => s.api?.openBackupFolder !== undefined);
    return (
        <div className="backup-place">
            <p>{t('run.done.backup', { path })}</p>
            {canOpen ? (
                <button type="button" className="button secondary" onClick={() => void openBackupFolder()}>
                    {t('run.done.openFolder')}
                </button>
            ) : null}
            <button
                type="button"
                className="button secondary"
                onClick={() =>
                    void navigator.clipboard.writeText(path).then(
                        () => setCopied('yes'),
                        () => setCopied('failed'),
                    )
                }
            >
                {t('run.done.copyPath')}
            </button>
            <span role="status" className="hint">
                {copied === 'yes' ? t('run.done.copied') : copied === 'failed' ? t('run.done.copyFailed') : ''}
            </span>
        </div>
    );
}

function Outcome({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    if (job.outcome === 'done' && job.done) {
        return (
            <section className="panel success" aria-labelledby="done-heading">
                <h2 id="done-heading" tabIndex={-1} ref={focusOnMount}>
                    {t('run.done.title')}
                </h2>
                <p className="big">{t('run.done.text', { name: job.done.phoneName, version: job.done.androidAfter })}</p>
                <ul>
                    {job.done.installed.map((name) => (
                        <li key={name}>{t('run.done.installed', { name })}</li>
                    ))}
                </ul>
                {job.done.backupDirectory ? <BackupPlace path={job.done.backupDirectory} /> : <p>{t('run.done.noBackup')}</p>}
                <p>{t('run.done.next')}</p>
                <button type="button" className="button primary" onClick={finishJob}>
                    {t('run.done.finish')}
                </button>
            </section>
        );
    }
    if (job.outcome === 'cancelled' && job.failure && !('error' in job.failure)) {
        const stop = job.failure;
        return (
            <section className="panel notice" role="status" aria-labelledby="stopped-heading">
                <h2 id="stopped-heading" tabIndex={-1} ref={focusOnMount}>
                    {t('run.cancelled.title')}
                </h2>
                <p>{t(stop.reason === 'declined' ? 'run.cancelled.declined' : 'run.cancelled.byPerson')}</p>
                <p data-testid="phone-now">
                    <strong>{t('run.failed.phoneState')}</strong> {phoneNowText(t, stop.phoneNow)}
                </p>
                {stop.resumable ? <p>{t('run.cancelled.resumable')}</p> : null}
                <OutcomeActions job={job} />
            </section>
        );
    }
    if (job.outcome === 'failed' && job.failure && 'error' in job.failure) {
        const failure = job.failure;
        return (
            <section className="panel error-box" role="alert" aria-labelledby="failed-heading">
                <h2 id="failed-heading" tabIndex={-1} ref={focusOnMount}>
                    {t('run.failed.title')}
                </h2>
                <p>{errorWords(t, failure.error).message}</p>
                <p>
                    <strong>{t('errors.nextStep')}</strong> {errorWords(t, failure.error).nextStep}
                </p>
                <p data-testid="phone-now">
                    <strong>{t('run.failed.phoneState')}</strong> {phoneNowText(t, failure.phoneNow)}
                </p>
                {failure.resumable ? <p>{t('run.failed.resumable')}</p> : null}
                <OutcomeActions job={job} />
            </section>
        );
    }
    return null;
}

/** Moves keyboard focus to a heading as it appears, so the person hears and sees what happened. */
export function focusOnMount(element: HTMLElement | null): void {
    element?.focus();
}

/** Where the keyboard goes when what had it went away: the question, the instruction, the outcome, else the step running now. */
const FOCUS_ORDER = ['#confirm-heading', '#instruction-heading', '#done-heading', '#failed-heading', '#stopped-heading', '.current-step', 'h1.screen-heading'];

/**
 * Keyboard focus never drops to the page body: when the element that had it is gone (an answered
 * question, a finished instruction, a button that went away), it moves to what the page says now.
 */
function useFocusStaysInside(container: RefObject<HTMLElement | null>): void {
    // A layout effect: it runs before the browser paints, so there is no moment without focus.
    useLayoutEffect(() => {
        const active = document.activeElement;
        if (active && active !== document.body && active.isConnected) return;
        // Between two steps nothing in the job's column may be there: the screen's heading is.
        const root = container.current?.closest('main');
        if (!root) return;
        for (const selector of FOCUS_ORDER) {
            const target = root.querySelector<HTMLElement>(selector);
            if (target) {
                target.focus({ preventScroll: true });
                return;
            }
        }
    });
}

/** The whole upgrade: steps done of all, and how much of the person's files the phone has. */
function OverallProgress({ job }: { job: JobState }): ReactNode {
    const { t, i18n } = useTranslation();
    const overall = overallProgress(job.steps, job.progress);
    if (overall.stepsTotal === 0) return null;
    const value = Math.floor((overall.stepsDone / overall.stepsTotal) * 100);
    const steps = t('run.overall.steps', { done: overall.stepsDone, total: overall.stepsTotal });
    const bytes = overall.bytesTotal > 0 ? t('run.overall.bytes', { done: formatBytes(overall.bytesDone, i18n.language), total: formatBytes(overall.bytesTotal, i18n.language) }) : null;
    return (
        <div className="progress overall-progress" data-testid="overall-progress">
            <div className="progress-label">
                <span>{t('run.overall.label')}</span>
                <span>{steps}</span>
            </div>
            <div className="progress-track" role="progressbar" aria-label={t('run.overall.label')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={[steps, bytes].filter(Boolean).join(', ')}>
                <div className="progress-fill" style={{ width: `${value}%` }} />
            </div>
            {bytes ? (
                <div className="progress-facts">
                    <span>{bytes}</span>
                </div>
            ) : null}
        </div>
    );
}

/** The running step's bar: a file checked once more, bytes the phone has, or bytes copied. */
function StepProgress({ job, stepTitle }: { job: JobState; stepTitle: string }): ReactNode {
    const { t } = useTranslation();
    const files = useUi((s) => s.files);
    const progress = job.progress;
    if (!progress || progress.bytesTotal <= 0) return null;
    const [kind, role] = progress.step.split(':');
    const label = kind === 'recheck' && role ? t('run.progress.recheck', { file: files[role as keyof typeof files]?.name ?? role }) : stepTitle;
    return (
        <ProgressBar
            label={label}
            bytesDone={progress.bytesDone}
            bytesTotal={progress.bytesTotal}
            rate={progress.rate}
            etaSeconds={progress.etaSeconds}
            {...(progress.toPhone ? { sent: progress.bytesSent, amountKey: 'progress.onPhone' } : {})}
        />
    );
}

function OutcomeActions({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const busy = useUi((s) => s.busy);
    const keepBackup = useUi((s) => s.keepBackup);
    const summary = useUi((s) => s.jobs.find((j) => j.jobId === job.jobId));
    const resumable = job.failure?.resumable ?? false;
    const lock = useBackupPassphrase();
    // Stopped before its backup was written: continuing needs the backup's passphrase again (Revive keeps it nowhere).
    const askPassphrase = resumable && (summary?.needsBackupPassphrase ?? (keepBackup && job.steps.some((s) => s.id === 'backup' && s.status !== 'done' && s.status !== 'skipped')));
    return (
        <>
            {askPassphrase ? <BackupPassphraseFields words="jobs.passphrase" state={lock} /> : null}
            <div className="actions">
                <button type="button" className={`button ${resumable ? 'secondary' : 'primary'}`} onClick={finishJob}>
                    {t('run.failed.back')}
                </button>
                {resumable ? (
                    <button type="button" className="button primary" disabled={busy || (askPassphrase && lock.problems.length > 0)} onClick={() => void resumeCurrentJob(askPassphrase ? lock.passphrase : undefined).then(lock.clear)}>
                        {t('jobs.continue')}
                    </button>
                ) : null}
            </div>
        </>
    );
}

export function RunStep(): ReactNode {
    const { t, i18n } = useTranslation();
    const job = useUi((s) => s.job);
    const recipe = useJobRecipe();
    const files = useUi((s) => s.files);
    const keepBackup = useUi((s) => s.keepBackup);
    const title = useStepTitle();
    const main = useRef<HTMLDivElement>(null);
    useFocusStaysInside(main);
    if (!job) return null;
    const running = job.steps.find((s) => s.status === 'running');
    const description = running ? stepDescription(t, i18n.exists.bind(i18n), running, { recipe, files, keepBackup }) : undefined;
    return (
        <>
            <WizardStages current="run" />
            <ScreenHeading>{job.outcome === 'done' ? t('run.titleDone') : t('run.title')}</ScreenHeading>
            <div className="run-layout">
                <aside className="panel steps-panel" aria-label={t('run.stepsLabel')}>
                    <StepList job={job} />
                </aside>
                <div className="run-main" ref={main}>
                    {job.outcome === 'running' ? <OverallProgress job={job} /> : null}
                    {running && job.outcome === 'running' ? (
                        <div role="status">
                            <p className="current-step" tabIndex={-1}>
                                {t('run.now', { step: title(running.id, running.title) })}
                            </p>
                            {description ? <p className="hint step-description">{description}</p> : null}
                        </div>
                    ) : null}
                    <Outcome job={job} />
                    {/* Keyed by the question and the instruction, so each new one mounts afresh and takes the focus. */}
                    <Confirm key={job.confirm ? job.confirm.id : 'no-question'} job={job} />
                    <Instruction key={job.instruction ? job.instruction.id : 'no-instruction'} job={job} />
                    {job.outcome === 'running' ? <StepProgress job={job} stepTitle={title(running?.id ?? job.progress?.step ?? '', running?.title ?? job.progress?.step ?? '')} /> : null}
                    <CancelControl job={job} />
                    <LogPanel job={job} />
                    {recipe ? <Glossary recipe={recipe} /> : null}
                </div>
            </div>
        </>
    );
}
