/**
 * "Restore a backup" (and "Back home: restore"): which backup of this phone's model, its
 * passphrase, a danger question, then the restore with its progress and what the phone reports.
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CommandRequest } from '../../api/contract-types.js';
import { chooseBackup, restoreBackup, useBackups } from '../../backups-store.js';
import { ScreenHeading } from '../common.js';
import { BackupFooter, backupLine, DangerQuestion, OutcomeHeading, TaskView, UnlockForm, useBackupPhone } from './shared.js';

export function RestoreScreen(): ReactNode {
    const { t, i18n } = useTranslation();
    const phone = useBackupPhone();
    const backups = useBackups((s) => s.backups);
    const current = useBackups((s) => s.current);
    const task = useBackups((s) => s.task);
    const restored = useBackups((s) => s.restored);
    const [unlock, setUnlock] = useState<CommandRequest<'restoreBackup'>['unlock'] | null>(null);
    const name = phone?.name ?? t('backups.unknownPhone');
    // Backups of this phone's model (a restore of another model is refused anyway); a hand-made one whose phone is unknown too.
    const fitting = backups.filter((b) => !phone?.recipeId || b.codename === null || b.phoneName === phone.name || b.codename === phone.recipeId);
    const chosen = current && fitting.some((b) => b.backupId === current.backupId) ? current : null;
    const inTwrp = phone?.mode === 'recovery' && phone.state !== 'needs-permission';
    return (
        <>
            <ScreenHeading>{t('backups.restore.title', { name })}</ScreenHeading>
            <p className="lead">{t('backups.restore.lead')}</p>
            {!inTwrp && !restored && !task?.running ? <p className="panel warning">{t('backups.restore.needsTwrp')}</p> : null}
            {restored ? (
                <section className="panel success" aria-labelledby="restored-heading">
                    <OutcomeHeading id="restored-heading">{t('backups.restore.done.title')}</OutcomeHeading>
                    <p>{t('backups.restore.done.text', { parts: restored.restored.join(', '), count: restored.storageFiles })}</p>
                    {restored.fingerprintChecked && restored.fingerprint ? (
                        <p>
                            {t('backups.restore.done.fingerprint')} <span className="mono small">{restored.fingerprint}</span>
                        </p>
                    ) : null}
                </section>
            ) : task?.running ? null : (
                <>
                    <fieldset className="choices">
                        <legend>{t('backups.restore.which')}</legend>
                        {fitting.length === 0 ? <p className="empty">{t('backups.restore.none')}</p> : null}
                        {fitting.map((b) => (
                            <label key={b.backupId} className={`choice${chosen?.backupId === b.backupId ? ' selected' : ''}`}>
                                <input type="radio" name="restore-backup" checked={chosen?.backupId === b.backupId} onChange={() => chooseBackup(b)} />
                                <span>
                                    {backupLine(t, b, i18n.language)}
                                    <span className="choice-detail">{b.lastVerifiedAt ? t('backups.restore.verified') : t('backups.restore.notVerified')}</span>
                                </span>
                            </label>
                        ))}
                    </fieldset>
                    {chosen && inTwrp && !unlock ? (
                        <section className="panel" aria-labelledby="restore-unlock-heading">
                            <h2 id="restore-unlock-heading">{t('backups.restore.unlockTitle')}</h2>
                            <UnlockForm key={chosen.backupId} backup={chosen} idPrefix="restore" submitLabel={t('backups.restore.start')} busy={false} onUnlock={setUnlock} />
                        </section>
                    ) : null}
                    {chosen && unlock ? (
                        <DangerQuestion
                            question={t('backups.restore.question', { name })}
                            detail={t('backups.restore.detail', { backup: backupLine(t, chosen, i18n.language) })}
                            cancel={t('backups.restore.cancel')}
                            confirm={t('backups.restore.confirm')}
                            onAnswer={(yes) => {
                                const given = unlock;
                                setUnlock(null);
                                if (yes) void restoreBackup(chosen.backupId, given);
                            }}
                        />
                    ) : null}
                </>
            )}
            {task?.kind === 'restore' ? <TaskView task={task} /> : null}
            <BackupFooter />
        </>
    );
}
