/**
 * "Back up this phone" and the "Before you travel" flow: back up → encrypt (the passphrase, asked
 * twice with its strength) → verify (the archive read back) → optionally travel-clean (format
 * /data, only once this backup is verified, after a danger question) → later "Back home: restore".
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { backUpPhone, makeTravelClean, openRestore, useBackups } from '../../backups-store.js';
import { formatBytes } from '../../format.js';
import { ScreenHeading } from '../common.js';
import { BackupPassphraseFields, useBackupPassphrase } from '../NewPassphrase.js';
import { BackupFooter, DangerQuestion, formatWhen, OutcomeHeading, TaskView, useBackupPhone, useBackupPhoneName } from './shared.js';

type Stage = 'backup' | 'encrypt' | 'verify' | 'clean' | 'home';

function PassphraseForm(): ReactNode {
    const { t } = useTranslation();
    const task = useBackups((s) => s.task);
    const lock = useBackupPassphrase();
    const submit = (event: FormEvent): void => {
        event.preventDefault();
        if (lock.problems.length > 0 || task?.running) return;
        void backUpPhone(lock.passphrase).then((ok) => {
            // Not kept once the backup exists.
            if (ok) lock.clear();
        });
    };
    return (
        <form className="panel-form" onSubmit={submit} noValidate>
            <BackupPassphraseFields words="backups.flow.passphrase" state={lock} />
            <div className="actions end">
                <button type="submit" className="button primary" disabled={lock.problems.length > 0 || task?.running === true}>
                    {t('backups.flow.start')}
                </button>
            </div>
        </form>
    );
}

function Stages({ current, done, travel }: { current: Stage | null; done: readonly Stage[]; travel: boolean }): ReactNode {
    const { t } = useTranslation();
    const stages: Stage[] = travel ? ['backup', 'encrypt', 'verify', 'clean', 'home'] : ['backup', 'encrypt', 'verify'];
    return (
        <ol className="stages" aria-label={t('backups.flow.stagesLabel')}>
            {stages.map((stage, i) => {
                const state = done.includes(stage) ? 'done' : stage === current ? 'current' : '';
                return (
                    <li key={stage} className={state} aria-current={stage === current ? 'step' : undefined}>
                        <span className="stage-number" aria-hidden="true">
                            {done.includes(stage) ? '✓' : i + 1}
                        </span>
                        {t(`backups.flow.stages.${stage}`)}
                        {state === 'done' ? <span className="visually-hidden"> {t('backups.flow.stageDone')}</span> : null}
                    </li>
                );
            })}
        </ol>
    );
}

function TravelClean(): ReactNode {
    const { t } = useTranslation();
    const phone = useBackupPhone();
    const current = useBackups((s) => s.current);
    const task = useBackups((s) => s.task);
    const cleaned = useBackups((s) => s.travelClean);
    const [asking, setAsking] = useState(false);
    const verified = current?.lastVerifiedAt != null;
    return (
        <section className="panel" aria-labelledby="travel-clean-heading">
            <h2 id="travel-clean-heading">{t('backups.flow.clean.title')}</h2>
            <p>{t('backups.flow.clean.text')}</p>
            {cleaned ? (
                <>
                    <p className="status-word verified" role="status">
                        {t('backups.flow.clean.done', { count: cleaned.storageFilesLeft })}
                    </p>
                    <p>{t('backups.flow.clean.after')}</p>
                </>
            ) : asking && current && phone ? (
                <DangerQuestion
                    question={t('backups.flow.clean.question', { name: phone.name })}
                    detail={t('backups.flow.clean.detail', { file: current.backupId })}
                    cancel={t('backups.flow.clean.keep')}
                    confirm={t('backups.flow.clean.confirm')}
                    onAnswer={(yes) => {
                        setAsking(false);
                        if (yes) void makeTravelClean();
                    }}
                />
            ) : (
                <>
                    {!verified ? <p className="hint">{t('backups.flow.clean.needsVerified')}</p> : null}
                    {!phone || phone.mode !== 'recovery' ? <p className="hint">{t('backups.flow.clean.needsTwrp')}</p> : <p className="hint">{t('backups.flow.clean.waiting')}</p>}
                    <div className="actions end">
                        <button type="button" className="button danger" disabled={!verified || !phone || phone.mode !== 'recovery' || task?.running === true} onClick={() => setAsking(true)}>
                            {t('backups.flow.clean.ask')}
                        </button>
                    </div>
                </>
            )}
        </section>
    );
}

export function BackupFlowScreen(): ReactNode {
    const { t, i18n } = useTranslation();
    const flow = useBackups((s) => s.flow);
    const task = useBackups((s) => s.task);
    const current = useBackups((s) => s.current);
    const cleaned = useBackups((s) => s.travelClean);
    const deviceId = useBackups((s) => s.deviceId);
    const travel = flow === 'travel';
    const name = useBackupPhoneName();
    const running = task?.running ? task.steps.find((s) => s.status === 'started')?.step : undefined;
    const done: Stage[] = current ? ['backup', 'encrypt', ...(current.lastVerifiedAt ? (['verify'] as const) : []), ...(cleaned ? (['clean'] as const) : [])] : [];
    const stage: Stage | null = running === 'verify-archive' ? 'verify' : running ? 'backup' : !current ? 'backup' : travel ? (cleaned ? 'home' : 'clean') : null;
    const showTask = task && (task.kind === 'backup' ? !current || task.error !== null : task.running || task.error !== null);
    return (
        <>
            <ScreenHeading>{travel ? t('backups.flow.titleTravel', { name }) : t('backups.flow.title', { name })}</ScreenHeading>
            <p className="lead">{travel ? t('backups.flow.leadTravel') : t('backups.flow.lead')}</p>
            <Stages current={stage} done={done} travel={travel} />
            {!current && !task?.running ? <PassphraseForm /> : null}
            {showTask ? <TaskView task={task} /> : null}
            {current ? (
                <section className="panel success" aria-labelledby="backup-made-heading">
                    <OutcomeHeading id="backup-made-heading">{current.lastVerifiedAt ? t('backups.flow.done.title') : t('backups.flow.done.titleUnverified')}</OutcomeHeading>
                    <p>{t('backups.flow.done.text', { file: current.backupId, size: formatBytes(current.sizeBytes, i18n.language) })}</p>
                    {current.lastVerifiedAt ? <p>{t('backups.flow.done.verified', { time: formatWhen(current.lastVerifiedAt, i18n.language) })}</p> : null}
                    <p className="mono small">{current.path}</p>
                </section>
            ) : null}
            {current && travel ? <TravelClean /> : null}
            {current && travel ? (
                <section className="panel" aria-labelledby="back-home-heading">
                    <h2 id="back-home-heading">{t('backups.flow.home.title')}</h2>
                    <p>{t('backups.flow.home.text')}</p>
                    <div className="actions end">
                        <button type="button" className="button primary" disabled={task?.running === true} onClick={() => openRestore(deviceId, current)}>
                            {t('backups.flow.home.restore')}
                        </button>
                    </div>
                </section>
            ) : null}
            <BackupFooter />
        </>
    );
}
