/** The home screen: phones as they come and go, and the virtual phone when none is attached. */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Device } from '../api/contract-types.js';
import { openWizard, replugVirtualPhone, startVirtualPhone, unplugVirtualPhone, useUi } from '../store.js';
import { ScreenHeading } from './common.js';
import { AfterUpgrade } from './Panels.js';

function DeviceCard({ device }: { device: Device }): ReactNode {
    const { t } = useTranslation();
    const busy = useUi((s) => s.busy);
    const upgradable = device.state === 'ready' && device.recipeId !== null;
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
                        <dd>{t(`states.${device.state}`)}</dd>
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
                {device.state !== 'ready' ? <p className="hint">{t(`states.${device.state}Help`)}</p> : null}
            </div>
            <div className="device-actions">
                {upgradable ? (
                    <button type="button" className="button primary" disabled={busy} onClick={() => openWizard(device.id)}>
                        {t('devices.upgrade')}
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

function VirtualOffer(): ReactNode {
    const { t } = useTranslation();
    const recipes = useUi((s) => s.recipes);
    const busy = useUi((s) => s.busy);
    const [codename, setCodename] = useState('ks01ltexx');
    const chosen = recipes.some((r) => r.id === codename) ? codename : recipes[0]?.id;
    if (!chosen) return null;
    return (
        <section className="panel offer" aria-labelledby="virtual-offer-heading">
            <h2 id="virtual-offer-heading">{t('devices.virtualOffer.title')}</h2>
            <p>{t('devices.virtualOffer.text')}</p>
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
            <AfterUpgrade />
        </>
    );
}
