/** Pieces the backup screens share: dates, the running task with its progress, the unlock form, a danger question. */
import { TaskPerson } from './TaskPerson.js';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { BackupView, CommandRequest, Device } from '../../api/contract-types.js';
import { cancelBackupTask, openBackupsList, useBackups, type BackupTask } from '../../backups-store.js';
import { formatBytes } from '../../format.js';
import { goTo, useUi } from '../../store.js';
import { ErrorBox, FilePicker, ProgressBar } from '../common.js';

export function formatWhen(iso: string, language: string): string {
    return new Date(iso).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "Galaxy S4, 14 Mar 2026, 10:42, 1.2 GB": a backup in one line. */
export function backupLine(t: TFunction, backup: BackupView, language: string): string {
    return t('backups.line', { phone: backup.phoneName ?? backup.codename ?? t('backups.unknownPhone'), date: formatWhen(backup.createdAt, language), size: formatBytes(backup.sizeBytes, language) });
}

/** The phone the backup screens work on, as the list shows it now. */
export function useBackupPhone(): Device | undefined {
    const deviceId = useBackups((s) => s.deviceId);
    return useUi((s) => s.snapshot.devices.find((d) => d.id === deviceId));
}

/** The phone's name for headings: as listed now, else as it was when the screen opened (unplugged, restarting). */
export function useBackupPhoneName(): string {
    const { t } = useTranslation();
    const listed = useBackupPhone()?.name;
    const opened = useBackups((s) => s.deviceName);
    return listed ?? opened ?? t('backups.unknownPhone');
}

/**
 * What a bar counts: the whole backup's copy (`backup`, its current part in `item`), the archive
 * read back (`backup-read`), the whole archive copied to the phone (`restore-push`), a file's check
 * (`verify:<name>`), or a step's bytes.
 */
function progressLabel(t: TFunction, step: string): string {
    const kind = step.split(':')[0] ?? step;
    if (kind === 'backup') return t('backups.progress.whole');
    if (kind === 'backup-read') return t('backups.progress.reading');
    if (kind === 'restore-push') return t('backups.progress.toPhone');
    if (kind === 'hash') return t('backups.progress.hashing');
    // A file's own check (`verify:<role or name>`), e.g. the TWRP image before it is written.
    if (kind === 'verify' && step.includes(':')) {
        const what = step.slice('verify:'.length);
        return t('backups.progress.checkingFile', { file: t(`files.roles.${what}.title`, { defaultValue: what }) });
    }
    return t(`backups.steps.${kind}`, { defaultValue: t('backups.progress.working') });
}

/** The keyboard focus is nowhere (its control went away with the form or the Stop button) or already in `region`. */
function focusLostOrIn(region: HTMLElement | null): boolean {
    const active = document.activeElement;
    return active === null || active === document.body || (region?.contains(active) ?? false);
}

/**
 * The task's steps, its bar (size, rate, time left), Stop while it runs, and how it failed. The
 * button that started or stopped it goes away with its form, so the keyboard focus follows the
 * task: onto it when it starts, onto how it ended when it fails.
 */
export function TaskView({ task }: { task: BackupTask | null }): ReactNode {
    const { t } = useTranslation();
    const region = useRef<HTMLDivElement>(null);
    const jobId = task?.jobId;
    const error = task?.error;
    useEffect(() => {
        if (jobId && focusLostOrIn(null)) region.current?.focus();
    }, [jobId]);
    useEffect(() => {
        if (error && focusLostOrIn(region.current)) region.current?.querySelector<HTMLElement>('.error-box h2')?.focus();
    }, [error]);
    if (!task) return null;
    // The app has no resume for these jobs: a stop is started again from this page, never with a command line.
    const stopped = task.error?.code === 'cancelled' ? t(`backups.task.stoppedNext.${task.error.facts?.['variant'] === 'backup-kept' ? 'backup-kept' : task.kind}`) : undefined;
    return (
        <div className="task" role="group" aria-live="polite" ref={region} tabIndex={-1}>
            {task.steps.length > 0 ? (
                <ol className="job-steps task-steps" aria-label={t('backups.task.stepsLabel')}>
                    {task.steps.map((s) => (
                        <li key={s.step} className={s.status === 'finished' ? 'done' : s.status === 'failed' ? 'failed' : 'running'}>
                            <span className="step-mark" aria-hidden="true">
                                {s.status === 'finished' ? '✓' : s.status === 'failed' ? '✗' : '●'}
                            </span>
                            <span>{t(`backups.steps.${s.step}`)}</span>
                            <span className="visually-hidden">{t(`panels.task.status.${s.status}`)}</span>
                        </li>
                    ))}
                </ol>
            ) : task.running ? (
                <p className="current-step" role="status">
                    <span className="spinner" aria-hidden="true" /> {t('backups.task.starting')}
                </p>
            ) : null}
            <TaskPerson task={task} />
            {task.running && task.progress && task.progress.bytesTotal > 0 ? (
                <>
                    <ProgressBar label={progressLabel(t, task.progress.step)} bytesDone={task.progress.bytesDone} bytesTotal={task.progress.bytesTotal} rate={task.progress.rate} etaSeconds={task.progress.etaSeconds} />
                    {task.progress.item ? (
                        <p className="progress-item" data-testid="progress-item">
                            {t('backups.progress.item')} <span className="mono">{task.progress.item}</span>
                        </p>
                    ) : null}
                </>
            ) : null}
            {task.running ? (
                <div className="actions end">
                    <button type="button" className="button secondary" aria-disabled={task.cancelling} onClick={() => (task.cancelling ? undefined : void cancelBackupTask())}>
                        {task.cancelling ? t('backups.task.stopping') : t('backups.task.stop')}
                    </button>
                </div>
            ) : null}
            {task.error ? <ErrorBox error={task.error} nextStep={stopped} /> : null}
        </div>
    );
}

/**
 * How to open a backup: its passphrase, or (for one locked with keys) an age identity file. The
 * passphrase stays in this form until the one command that needs it.
 */
export function UnlockForm(props: { backup: BackupView; submitLabel: string; idPrefix: string; busy: boolean; onUnlock: (unlock: CommandRequest<'verifyBackup'>['unlock']) => void; onCancel?: () => void }): ReactNode {
    const { t } = useTranslation();
    const api = useUi((s) => s.api);
    const [passphrase, setPassphrase] = useState('');
    const [identity, setIdentity] = useState<{ name: string; ref: CommandRequest<'verifyBackup'>['unlock'] } | null>(null);
    const byKey = props.backup.lockedWith === 'key';
    const ready = byKey ? identity !== null : passphrase.length > 0;
    return (
        <form
            className="unlock-form"
            onSubmit={(e) => {
                e.preventDefault();
                if (!ready || props.busy) return;
                props.onUnlock(byKey && identity ? identity.ref : { passphrase });
                setPassphrase('');
            }}
        >
            {byKey ? (
                <div className="row">
                    <p className="hint">{identity ? t('backups.unlock.identityChosen', { name: identity.name }) : t('backups.unlock.identityHint')}</p>
                    <FilePicker
                        role="age-identity"
                        label={t('backups.unlock.identityPick')}
                        onFiles={(files) => {
                            const file = files[0];
                            if (!file || !api) return;
                            void api.fileRef(file).then((ref) => (ref.ok ? setIdentity({ name: file.name, ref: { identity: ref.value } }) : undefined));
                        }}
                    />
                </div>
            ) : (
                <label className="field grow">
                    <span>{t('backups.unlock.passphrase')}</span>
                    <input id={`${props.idPrefix}-passphrase`} type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
                </label>
            )}
            <div className="actions end">
                {props.onCancel ? (
                    <button type="button" className="button secondary" onClick={props.onCancel}>
                        {t('backups.unlock.cancel')}
                    </button>
                ) : null}
                <button type="submit" className="button primary" disabled={!ready || props.busy}>
                    {props.submitLabel}
                </button>
            </div>
        </form>
    );
}

/** An outcome's heading that takes the keyboard focus once, when it appears, so it is read first. */
export function OutcomeHeading({ id, children }: { id: string; children: ReactNode }): ReactNode {
    const ref = useRef<HTMLHeadingElement>(null);
    useEffect(() => ref.current?.focus(), []);
    return (
        <h2 id={id} ref={ref} tabIndex={-1} className="outcome-heading">
            {children}
        </h2>
    );
}

/** A question before something that cannot be undone; it takes the keyboard focus when it appears. */
export function DangerQuestion(props: { question: string; detail: string; cancel: string; confirm: string; onAnswer: (yes: boolean) => void }): ReactNode {
    return (
        <section className="panel confirm danger" role="alertdialog" aria-labelledby="backup-confirm-heading" aria-describedby="backup-confirm-detail">
            <OutcomeHeading id="backup-confirm-heading">{props.question}</OutcomeHeading>
            <p id="backup-confirm-detail">{props.detail}</p>
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => props.onAnswer(false)}>
                    {props.cancel}
                </button>
                <button type="button" className="button danger" onClick={() => props.onAnswer(true)}>
                    {props.confirm}
                </button>
            </div>
        </section>
    );
}

/** Back to the phones, or to all backups; not while a task runs. */
export function BackupFooter(): ReactNode {
    const { t } = useTranslation();
    const running = useBackups((s) => s.task?.running === true);
    return (
        <div className="actions">
            <button type="button" className="button secondary" disabled={running} onClick={() => goTo('home')}>
                {t('backups.backHome')}
            </button>
            <button type="button" className="button secondary" disabled={running} onClick={openBackupsList}>
                {t('backups.showAll')}
            </button>
        </div>
    );
}
