/**
 * The backups on this computer, one card each: phone, date, size, how each is locked and when it
 * was last verified, with verify (the passphrase asked in the row), restore (onto a phone in TWRP) and
 * delete (asked first).
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupView } from '../../api/contract-types.js';
import { deleteBackup, openRestore, useBackups, verifyBackup } from '../../backups-store.js';
import { formatBytes } from '../../format.js';
import { goTo, useUi } from '../../store.js';
import { ErrorBox, ScreenHeading } from '../common.js';
import { backupLine, DangerQuestion, formatWhen, TaskView, UnlockForm } from './shared.js';

function BackupRow({ backup }: { backup: BackupView }): ReactNode {
    const { t, i18n } = useTranslation();
    const task = useBackups((s) => s.task);
    const justVerified = useBackups((s) => s.justVerified === backup.backupId);
    const restoreTarget = useUi((s) => s.snapshot.devices.find((d) => d.state === 'ready' && d.recipeId !== null && (backup.codename === null || d.recipeId === backup.codename || d.name === backup.phoneName)));
    const [open, setOpen] = useState<'verify' | 'delete' | null>(null);
    const line = backupLine(t, backup, i18n.language);
    const mine = task?.backupId === backup.backupId;
    const rowId = `backup-${backup.backupId.replace(/[^A-Za-z0-9]/g, '-')}`;
    return (
        <li className="backup-card" aria-labelledby={`${rowId}-heading`}>
            <div className="backup-card-row">
                <div className="device-main">
                    <h2 id={`${rowId}-heading`}>{backup.phoneName ?? backup.codename ?? t('backups.unknownPhone')}</h2>
                    <p className="mono small">{backup.backupId}</p>
                    <dl className="device-facts">
                        <div>
                            <dt>{t('backups.list.columns.made')}</dt>
                            <dd>{formatWhen(backup.createdAt, i18n.language)}</dd>
                        </div>
                        <div>
                            <dt>{t('backups.list.columns.size')}</dt>
                            <dd>{formatBytes(backup.sizeBytes, i18n.language)}</dd>
                        </div>
                        <div>
                            <dt>{t('backups.list.columns.locked')}</dt>
                            <dd>{t(`backups.list.locked.${backup.lockedWith}`)}</dd>
                        </div>
                        <div>
                            <dt>{t('backups.list.columns.verified')}</dt>
                            <dd data-testid="last-verified">{backup.lastVerifiedAt ? formatWhen(backup.lastVerifiedAt, i18n.language) : t('backups.list.never')}</dd>
                        </div>
                    </dl>
                    {justVerified ? (
                        <p className="status-word verified" role="status">
                            {t('backups.list.verifiedNow')}
                        </p>
                    ) : null}
                </div>
                <div className="device-actions">
                    <button type="button" className="button secondary" aria-label={t('backups.list.verifyLabel', { backup: line })} disabled={task?.running === true} aria-expanded={open === 'verify'} onClick={() => setOpen(open === 'verify' ? null : 'verify')}>
                        {t('backups.list.verify')}
                    </button>
                    {restoreTarget ? (
                        <button type="button" className="button secondary" aria-label={t('backups.list.restoreLabel', { backup: line })} disabled={task?.running === true} onClick={() => openRestore(restoreTarget.id, backup)}>
                            {t('backups.list.restore')}
                        </button>
                    ) : null}
                    <button type="button" className="button secondary" aria-label={t('backups.list.deleteLabel', { backup: line })} disabled={task?.running === true} onClick={() => setOpen('delete')}>
                        {t('backups.list.delete')}
                    </button>
                </div>
            </div>
            {open === 'verify' ? (
                <UnlockForm
                    backup={backup}
                    idPrefix={rowId}
                    submitLabel={t('backups.list.verifyNow')}
                    busy={task?.running === true}
                    onCancel={() => setOpen(null)}
                    onUnlock={(unlock) => {
                        setOpen(null);
                        void verifyBackup(backup.backupId, unlock);
                    }}
                />
            ) : null}
            {open === 'delete' ? (
                <DangerQuestion
                    question={t('backups.list.deleteQuestion', { backup: line })}
                    detail={t('backups.list.deleteDetail', { file: backup.backupId })}
                    cancel={t('backups.list.keep')}
                    confirm={t('backups.list.deleteConfirm')}
                    onAnswer={(yes) => {
                        setOpen(null);
                        if (yes) void deleteBackup(backup.backupId);
                    }}
                />
            ) : null}
            {mine && (task.running || task.error) ? <TaskView task={task} /> : null}
        </li>
    );
}

export function BackupsListScreen(): ReactNode {
    const { t } = useTranslation();
    const backups = useBackups((s) => s.backups);
    const folder = useBackups((s) => s.folder);
    const loaded = useBackups((s) => s.loaded);
    const listError = useBackups((s) => s.listError);
    // A task whose backup left the list (its file moved or deleted meanwhile): its row is gone, so how it ended shows here.
    const task = useBackups((s) => s.task);
    const orphan = task && !task.running && task.error && !backups.some((b) => b.backupId === task.backupId) ? task : null;
    return (
        <>
            <ScreenHeading>{t('backups.list.title')}</ScreenHeading>
            <p className="lead">{t('backups.list.lead', { folder: folder ?? '' })}</p>
            <p className="hint">{t('backups.list.openWithout')}</p>
            {listError ? <ErrorBox error={listError} /> : null}
            {orphan ? <TaskView task={orphan} /> : null}
            {loaded && backups.length === 0 ? <p className="empty">{t('backups.list.empty')}</p> : null}
            {backups.length > 0 ? (
                <ul className="backup-list" aria-label={t('backups.list.caption')}>
                    {backups.map((b) => (
                        <BackupRow key={b.backupId} backup={b} />
                    ))}
                </ul>
            ) : null}
            <p className="hint">{t('backups.list.restoreHint')}</p>
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => goTo('home')}>
                    {t('backups.backHome')}
                </button>
            </div>
        </>
    );
}
