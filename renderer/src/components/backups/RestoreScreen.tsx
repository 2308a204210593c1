/**
 * "Restore a backup" (and "Back home: restore"): which backup of this phone's model, its
 * passphrase, a danger question, then the restore with its progress and what the phone reports.
 * The backup's raw state partitions (EFS, modem) are offered apart, off by default, and written
 * only once the person has read what the wrong ones do and typed the backup's codename back.
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BackupView, CommandRequest, Device } from '../../api/contract-types.js';
import { chooseBackup, restoreBackup, useBackups } from '../../backups-store.js';
import { ScreenHeading } from '../common.js';
import { BackupFooter, backupLine, DangerQuestion, OutcomeHeading, TaskView, UnlockForm, useBackupPhone, useBackupPhoneName } from './shared.js';

/** "EFS, MODEMST1": a backup's raw state partitions as the page names them. */
const rawNames = (backup: BackupView): string => (backup.rawState ?? []).map((n) => n.toUpperCase()).join(', ');

/** The offer to write the backup's state partitions too: off by default; on, it says what the wrong ones do and wants the codename typed. */
function RawStateChoice(props: { backup: BackupView; phone: Device | undefined; wanted: boolean; typed: string; onWanted: (wanted: boolean) => void; onTyped: (typed: string) => void }): ReactNode {
    const { t } = useTranslation();
    const { backup, phone } = props;
    const partitions = rawNames(backup);
    const serial = backup.serial !== null && phone?.serial ? (backup.serial === phone.serial ? 'same' : 'other') : 'unknown';
    return (
        <section className="panel">
            <label className="check">
                <input type="checkbox" checked={props.wanted} onChange={(e) => props.onWanted(e.target.checked)} aria-describedby={props.wanted ? 'restore-raw-what' : undefined} />
                <span>
                    <strong>{t('backups.restore.raw.offer', { partitions })}</strong>
                    <span className="choice-detail">{t('backups.restore.raw.offerDetail')}</span>
                </span>
            </label>
            {props.wanted ? (
                <div className="panel warning" data-testid="restore-raw-warning">
                    <h2>{t('backups.restore.raw.title')}</h2>
                    <p id="restore-raw-what">{t('backups.restore.raw.what')}</p>
                    {serial === 'same' ? <p>{t('backups.restore.raw.sameSerial', { serial: backup.serial })}</p> : null}
                    {serial === 'other' ? (
                        <p className="error-box" role="alert">
                            {t('backups.restore.raw.otherSerial', { backup: backup.serial, phone: phone?.serial })}
                        </p>
                    ) : null}
                    {serial === 'unknown' ? <p>{t('backups.restore.raw.unknownSerial')}</p> : null}
                    <label className="field">
                        <span>{t('backups.restore.raw.typed', { partitions, codename: backup.codename ?? '' })}</span>
                        <input type="text" autoComplete="off" spellCheck={false} value={props.typed} onChange={(e) => props.onTyped(e.target.value)} aria-describedby="restore-raw-typed-hint" />
                    </label>
                    <p className="hint" id="restore-raw-typed-hint">
                        {t('backups.restore.raw.typedHint')}
                    </p>
                </div>
            ) : null}
        </section>
    );
}

export function RestoreScreen(): ReactNode {
    const { t, i18n } = useTranslation();
    const phone = useBackupPhone();
    const backups = useBackups((s) => s.backups);
    const current = useBackups((s) => s.current);
    const task = useBackups((s) => s.task);
    const restored = useBackups((s) => s.restored);
    const [unlock, setUnlock] = useState<CommandRequest<'restoreBackup'>['unlock'] | null>(null);
    const [rawWanted, setRawWanted] = useState(false);
    const [rawTyped, setRawTyped] = useState('');
    const name = useBackupPhoneName();
    // Backups of this phone's model (a restore of another model is refused anyway); a hand-made one whose phone is unknown too.
    const fitting = backups.filter((b) => !phone?.recipeId || b.codename === null || b.phoneName === phone.name || b.codename === phone.recipeId);
    const chosen = current && fitting.some((b) => b.backupId === current.backupId) ? current : null;
    // The restore job brings the phone to TWRP itself, from whatever mode it is in.
    const phoneReady = phone !== undefined && phone.state !== 'needs-permission';
    const offersRaw = chosen !== null && chosen.codename !== null && (chosen.rawState ?? []).length > 0;
    const withRaw = offersRaw && rawWanted;
    // Nothing starts while the state partitions are wanted but their codename is not typed back exactly.
    const rawBlocked = withRaw && rawTyped.trim() !== chosen.codename;
    return (
        <>
            <ScreenHeading>{t('backups.restore.title', { name })}</ScreenHeading>
            <p className="lead">{t('backups.restore.lead')}</p>
            {!phoneReady && !restored && !task?.running ? <p className="panel warning">{t('backups.restore.needsPhone')}</p> : null}
            {restored ? (
                <section className="panel success" aria-labelledby="restored-heading">
                    <OutcomeHeading id="restored-heading">{t('backups.restore.done.title')}</OutcomeHeading>
                    <p>{t('backups.restore.done.text', { parts: restored.restored.join(', '), count: restored.storageFiles })}</p>
                    {restored.rawRestored.length > 0 ? <p>{t('backups.restore.done.raw', { partitions: restored.rawRestored.map((n) => n.toUpperCase()).join(', ') })}</p> : null}
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
                                <input
                                    type="radio"
                                    name="restore-backup"
                                    checked={chosen?.backupId === b.backupId}
                                    onChange={() => {
                                        setRawWanted(false);
                                        setRawTyped('');
                                        chooseBackup(b);
                                    }}
                                />
                                <span>
                                    {backupLine(t, b, i18n.language)}
                                    <span className="choice-detail">{b.lastVerifiedAt ? t('backups.restore.verified') : t('backups.restore.notVerified')}</span>
                                </span>
                            </label>
                        ))}
                    </fieldset>
                    {chosen && phoneReady && !unlock && offersRaw ? <RawStateChoice backup={chosen} phone={phone} wanted={rawWanted} typed={rawTyped} onWanted={setRawWanted} onTyped={setRawTyped} /> : null}
                    {chosen && phoneReady && !unlock ? (
                        <section className="panel" aria-labelledby="restore-unlock-heading">
                            <h2 id="restore-unlock-heading">{t('backups.restore.unlockTitle')}</h2>
                            <UnlockForm key={chosen.backupId} backup={chosen} idPrefix="restore" submitLabel={t('backups.restore.start')} busy={rawBlocked} onUnlock={setUnlock} />
                        </section>
                    ) : null}
                    {chosen && unlock ? (
                        <DangerQuestion
                            question={t('backups.restore.question', { name })}
                            detail={[t('backups.restore.detail', { backup: backupLine(t, chosen, i18n.language) }), ...(withRaw ? [t('backups.restore.detailRaw', { partitions: rawNames(chosen) })] : [])].join(' ')}
                            cancel={t('backups.restore.cancel')}
                            confirm={t('backups.restore.confirm')}
                            onAnswer={(yes) => {
                                const given = unlock;
                                setUnlock(null);
                                if (yes) void restoreBackup(chosen.backupId, given, withRaw ? rawTyped.trim() : undefined);
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
