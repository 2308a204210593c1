/** The home screen: phones as they come and go, and the virtual phone when none is attached. */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Device, JobSummary } from '../api/contract-types.js';
import { attachJob, deviceForJob, forgetJob, goTo, openWizard, replugVirtualPhone, resumeJob, startVirtualPhone, unplugVirtualPhone, useUi } from '../store.js';
import { phoneNowText } from './RunStep.js';
import { ScreenHeading } from './common.js';
import { BackupPassphraseFields, useBackupPassphrase } from './NewPassphrase.js';
import { AfterUpgrade } from './panels/AfterUpgrade.js';
import { BackupsSection } from './backups/BackupsSection.js';
import { openBackupFlow, openRestore } from '../backups-store.js';

function DeviceCard({ device }: { device: Device }): ReactNode {
    const { t } = useTranslation();
    const busy = useUi((s) => s.busy);
    const upgradable = device.state === 'ready' && device.recipeId !== null;
    // Busy with our own upgrade: say so, and lead back to it.
    const ownJob = useUi((s) => (device.state === 'busy' ? s.jobs.find((job) => job.status === 'running' && job.recipeId === device.recipeId) : undefined));
    const headingId = `device-${device.id.replace(/[^A-Za-z0-9]/g, '-')}`;
    return (
        <li className="device-card" aria-labelledby={headingId}>
            <div className="device-main">
                <h2 id={headingId}>
                    {device.name}
                    {device.virtual ? <span className="tag">{t('devices.virtualTag')}</span> : null}
                </h2>
                <dl className="device-facts">
                    <div>
                        <dt>{t('devices.mode')}</dt>
                        <dd>{t(`modes.${device.mode}`)}</dd>
                    </div>
                    <div>
                        <dt>{t('devices.state')}</dt>
                        <dd>{ownJob ? t('states.upgrading') : t(`states.${device.state}`)}</dd>
                    </div>
                    <div>
                        <dt>{t('devices.battery')}</dt>
                        <dd>{device.batteryPercent === null ? t('devices.batteryUnknown') : t('devices.batteryPercent', { value: device.batteryPercent })}</dd>
                    </div>
                    {device.serial ? (
                        <div>
                            <dt>{t('devices.serial')}</dt>
                            <dd className="mono">{device.serial}</dd>
                        </div>
                    ) : null}
                </dl>
                {device.recipeId === null ? <p className="hint">{t('devices.noRecipe')}</p> : null}
                {ownJob ? <p className="hint">{t('states.upgradingHelp')}</p> : device.state !== 'ready' ? <p className="hint">{t(`states.${device.state}Help`)}</p> : null}
            </div>
            <div className="device-actions">
                {ownJob ? (
                    <button type="button" className="button primary" disabled={busy} onClick={() => void attachJob(ownJob.jobId)}>
                        {t('jobs.open')}
                    </button>
                ) : null}
                {upgradable ? (
                    <button type="button" className="button primary" disabled={busy} onClick={() => openWizard(device.id)}>
                        {t('devices.upgrade')}
                    </button>
                ) : null}
                {/* The backup job restarts a phone in Android into TWRP itself; the restore job brings it to TWRP from any mode. */}
                {upgradable && (device.mode === 'android' || device.mode === 'recovery') ? (
                    <>
                        <button type="button" className="button secondary" disabled={busy} onClick={() => openBackupFlow(device.id, 'backup')}>
                            {t('devices.backUp')}
                        </button>
                        <button type="button" className="button secondary" disabled={busy} onClick={() => openBackupFlow(device.id, 'travel')}>
                            {t('devices.travel')}
                        </button>
                    </>
                ) : null}
                {upgradable ? (
                    <button type="button" className="button secondary" disabled={busy} onClick={() => openRestore(device.id, null)}>
                        {t('devices.restore')}
                    </button>
                ) : null}
                {device.virtual ? (
                    <button type="button" className="button secondary" disabled={busy} onClick={() => void unplugVirtualPhone()}>
                        {t('devices.unplugVirtual')}
                    </button>
                ) : null}
            </div>
        </li>
    );
}

function UnfinishedJob({ summary }: { summary: JobSummary }): ReactNode {
    const { t } = useTranslation();
    const busy = useUi((s) => s.busy);
    const deviceId = useUi(() => deviceForJob(summary));
    const headingId = `job-${summary.jobId}`;
    const lock = useBackupPassphrase();
    // A backup still to be written needs its passphrase again: Revive keeps it nowhere.
    const askPassphrase = summary.status !== 'running' && summary.needsBackupPassphrase;
    const canContinue = summary.missingFiles.length === 0 && deviceId !== undefined && (!askPassphrase || lock.problems.length === 0);
    return (
        <li className="panel job-card" aria-labelledby={headingId}>
            <h2 id={headingId}>{summary.status === 'running' ? t('jobs.runningTitle', { name: summary.phoneName }) : t('jobs.continueTitle', { name: summary.phoneName })}</h2>
            {summary.status !== 'running' ? (
                <>
                    <p>{t(`jobs.status.${summary.status}`)}</p>
                    <p>
                        <strong>{t('run.failed.phoneState')}</strong> {phoneNowText(t, summary.phoneNow, { withMode: false })}
                    </p>
                    {summary.missingFiles.length > 0 ? <p className="hint">{t('jobs.missingFiles', { names: summary.missingFiles.join(', ') })}</p> : null}
                    {summary.missingFiles.length === 0 && deviceId === undefined ? <p className="hint">{t('jobs.connectFirst', { name: summary.phoneName })}</p> : null}
                    {askPassphrase && summary.missingFiles.length === 0 ? <BackupPassphraseFields words="jobs.passphrase" state={lock} /> : null}
                </>
            ) : null}
            <div className="actions">
                {summary.status === 'running' ? (
                    <button type="button" className="button primary" disabled={busy} onClick={() => void attachJob(summary.jobId)}>
                        {t('jobs.open')}
                    </button>
                ) : (
                    <>
                        <button type="button" className="button secondary" disabled={busy} onClick={() => void forgetJob(summary.jobId)}>
                            {t('jobs.forget')}
                        </button>
                        <button type="button" className="button primary" disabled={busy || !canContinue} onClick={() => void resumeJob(summary, askPassphrase ? lock.passphrase : undefined).then(lock.clear)}>
                            {t('jobs.continue')}
                        </button>
                    </>
                )}
            </div>
        </li>
    );
}

function UnfinishedJobs(): ReactNode {
    const { t } = useTranslation();
    const jobs = useUi((s) => s.jobs);
    if (jobs.length === 0) return null;
    return (
        <ul className="job-list" aria-label={t('jobs.listLabel')}>
            {jobs.map((job) => (
                <UnfinishedJob key={job.jobId} summary={job} />
            ))}
        </ul>
    );
}

function VirtualOffer(): ReactNode {
    const { t } = useTranslation();
    const recipes = useUi((s) => s.recipes);
    const busy = useUi((s) => s.busy);
    const dataFolder = useUi((s) => s.dataFolder);
    const [codename, setCodename] = useState('ks01ltexx');
    const chosen = recipes.some((r) => r.id === codename) ? codename : recipes[0]?.id;
    if (!chosen) return null;
    return (
        <section className="panel offer" aria-labelledby="virtual-offer-heading">
            <h2 id="virtual-offer-heading">{t('devices.virtualOffer.title')}</h2>
            <p>{t('devices.virtualOffer.text')}</p>
            {dataFolder ? <p>{t('devices.virtualOffer.writes', { folder: dataFolder })}</p> : null}
            <div className="row">
                <label className="field">
                    <span>{t('devices.virtualOffer.model')}</span>
                    <select value={chosen} onChange={(e) => setCodename(e.target.value)}>
                        {recipes.map((r) => (
                            <option key={r.id} value={r.id}>
                                {r.name} ({r.models.join(', ')})
                            </option>
                        ))}
                    </select>
                </label>
                <button type="button" className="button primary" disabled={busy} onClick={() => void startVirtualPhone(chosen)}>
                    {t('devices.virtualOffer.start')}
                </button>
            </div>
        </section>
    );
}

export function DeviceList(): ReactNode {
    const { t } = useTranslation();
    const { devices, virtualPhone } = useUi((s) => s.snapshot);
    const busy = useUi((s) => s.busy);
    return (
        <>
            <ScreenHeading>{t('devices.title')}</ScreenHeading>
            <p className="lead">{t('devices.lead')}</p>
            <UnfinishedJobs />
            <div aria-live="polite" aria-atomic="false">
                {devices.length > 0 ? (
                    <ul className="device-list" aria-label={t('devices.listLabel')}>
                        {devices.map((device) => (
                            <DeviceCard key={device.id} device={device} />
                        ))}
                    </ul>
                ) : (
                    <p className="empty">{t('devices.none')}</p>
                )}
            </div>
            {virtualPhone && !virtualPhone.plugged ? (
                <section className="panel" aria-labelledby="virtual-unplugged-heading">
                    <h2 id="virtual-unplugged-heading">{t('devices.virtualUnplugged.title', { name: virtualPhone.name })}</h2>
                    <p>{t('devices.virtualUnplugged.text')}</p>
                    <button type="button" className="button primary" disabled={busy} onClick={() => void replugVirtualPhone()}>
                        {t('devices.virtualUnplugged.replug')}
                    </button>
                </section>
            ) : null}
            {devices.length === 0 && !virtualPhone ? <VirtualOffer /> : null}
            <BackupsSection />
            <section className="panel offer" aria-labelledby="counter-offer-heading">
                <h2 id="counter-offer-heading">{t('counter.offer.title')}</h2>
                <p>{t('counter.offer.text')}</p>
                <button type="button" className="button secondary" onClick={() => goTo('counter')}>
                    {t('counter.offer.open')}
                </button>
            </section>
            <AfterUpgrade />
        </>
    );
}
