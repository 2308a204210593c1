/** The running upgrade: steps, what to do now (with the key-combo picture), questions, progress, log, cancel. */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { answerConfirm, askCancel, cancelJob, finishJob, pressVirtualButtons, saveLog, useUi, type JobState } from '../store.js';
import { ComboPicture, ProgressBar, ScreenHeading } from './common.js';
import { WizardStages } from './Wizard.js';

/** Step ids look like `install:rom`; translations are keyed by the id, falling back to the job's own title. */
function useStepTitle(): (id: string, title: string) => string {
    const { t } = useTranslation();
    return (id, title) => t(`job.steps.${id.replace(/:/g, '-')}`, { defaultValue: title });
}

function StepList({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const title = useStepTitle();
    return (
        <ol className="job-steps" aria-label={t('run.stepsLabel')}>
            {job.steps.map((step) => (
                <li key={step.id} className={step.status} aria-current={step.status === 'running' ? 'step' : undefined}>
                    <span className="step-mark" aria-hidden="true">
                        {step.status === 'done' ? '✓' : step.status === 'skipped' ? '–' : step.status === 'running' ? '●' : '○'}
                    </span>
                    <span>{title(step.id, step.title)}</span>
                    <span className="visually-hidden">{t(`run.stepStatus.${step.status}`)}</span>
                </li>
            ))}
        </ol>
    );
}

function Instruction({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const instruction = job.instruction;
    if (!instruction) return null;
    const text = instruction.picture ? t(`combos.${instruction.picture.replace(/\.svg$/, '')}`, { defaultValue: instruction.text }) : t(`job.instructions.${instruction.id}`, { defaultValue: instruction.text });
    return (
        <section className="panel instruction" aria-labelledby="instruction-heading">
            <div className="instruction-text">
                <h2 id="instruction-heading">{t('run.doNow')}</h2>
                <p className="big">{text}</p>
                {instruction.waitingFor ? (
                    <p className="waiting" role="status">
                        <span className="spinner" aria-hidden="true" /> {t('run.waitingFor', { mode: t(`modes.${instruction.waitingFor}`) })}
                    </p>
                ) : null}
                {instruction.virtualPhone && instruction.buttons.length > 0 ? (
                    <button type="button" className="button primary" disabled={job.pressed} onClick={() => void pressVirtualButtons()}>
                        {job.pressed ? t('run.pressing') : t('run.holdingButtons')}
                    </button>
                ) : null}
            </div>
            {instruction.picture ? <ComboPicture picture={instruction.picture} buttons={instruction.buttons} /> : null}
        </section>
    );
}

function Confirm({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    const confirm = job.confirm;
    if (!confirm) return null;
    const key = `job.confirms.${confirm.id}`;
    return (
        <section className={`panel confirm${confirm.danger ? ' danger' : ''}`} role="alertdialog" aria-labelledby="confirm-heading" aria-describedby="confirm-detail">
            <h2 id="confirm-heading">{t(`${key}.question`, { defaultValue: confirm.question })}</h2>
            <p id="confirm-detail">{t(`${key}.detail`, { defaultValue: confirm.detail })}</p>
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => void answerConfirm(false)}>
                    {t(`${key}.cancel`, { defaultValue: confirm.cancelLabel })}
                </button>
                <button type="button" className={`button ${confirm.danger ? 'danger' : 'primary'}`} onClick={() => void answerConfirm(true)}>
                    {t(`${key}.confirm`, { defaultValue: confirm.confirmLabel })}
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
                    {job.log.join('\n')}
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

function Outcome({ job }: { job: JobState }): ReactNode {
    const { t } = useTranslation();
    if (job.outcome === 'done' && job.done) {
        return (
            <section className="panel success" aria-labelledby="done-heading">
                <h2 id="done-heading">{t('run.done.title')}</h2>
                <p className="big">{t('run.done.text', { name: job.done.phoneName, version: job.done.androidAfter })}</p>
                <ul>
                    {job.done.installed.map((name) => (
                        <li key={name}>{t('run.done.installed', { name })}</li>
                    ))}
                </ul>
                {job.done.backupDirectory ? <p>{t('run.done.backup', { path: job.done.backupDirectory })}</p> : <p>{t('run.done.noBackup')}</p>}
                <p>{t('run.done.next')}</p>
                <button type="button" className="button primary" onClick={finishJob}>
                    {t('run.done.finish')}
                </button>
            </section>
        );
    }
    if ((job.outcome === 'failed' || job.outcome === 'cancelled') && job.failure) {
        const failure = job.failure;
        return (
            <section className="panel error-box" role="alert" aria-labelledby="failed-heading">
                <h2 id="failed-heading">{job.outcome === 'cancelled' ? t('run.cancelled.title') : t('run.failed.title')}</h2>
                {'error' in failure ? (
                    <>
                        <p>{failure.error.message}</p>
                        <p>
                            <strong>{t('errors.nextStep')}</strong> {failure.error.nextStep}
                        </p>
                    </>
                ) : null}
                <p>
                    <strong>{t('run.failed.phoneState')}</strong> {failure.phoneState}
                </p>
                {failure.resumable ? <p>{t('run.failed.resumable')}</p> : null}
                <button type="button" className="button primary" onClick={finishJob}>
                    {t('run.failed.back')}
                </button>
            </section>
        );
    }
    return null;
}

export function RunStep(): ReactNode {
    const { t } = useTranslation();
    const job = useUi((s) => s.job);
    const title = useStepTitle();
    if (!job) return null;
    const running = job.steps.find((s) => s.status === 'running');
    return (
        <>
            <WizardStages current="run" />
            <ScreenHeading>{job.outcome === 'done' ? t('run.titleDone') : t('run.title')}</ScreenHeading>
            <div className="run-layout">
                <aside className="panel steps-panel" aria-label={t('run.stepsLabel')}>
                    <StepList job={job} />
                </aside>
                <div className="run-main">
                    {running && job.outcome === 'running' ? (
                        <p className="current-step" role="status">
                            {t('run.now', { step: title(running.id, running.title) })}
                        </p>
                    ) : null}
                    <Outcome job={job} />
                    <Confirm job={job} />
                    <Instruction job={job} />
                    {job.progress && job.outcome === 'running' && job.progress.bytesTotal > 0 ? (
                        <ProgressBar
                            label={title(running?.id ?? job.progress.step, running?.title ?? job.progress.step)}
                            bytesDone={job.progress.bytesDone}
                            bytesTotal={job.progress.bytesTotal}
                            rate={job.progress.rate}
                            etaSeconds={job.progress.etaSeconds}
                        />
                    ) : null}
                    <CancelControl job={job} />
                    <LogPanel job={job} />
                </div>
            </div>
        </>
    );
}
