/** The firewall panel: which apps may use Wi-Fi, mobile data and the VPN, as an AFWall+ profile. */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import {
    PACKAGE_NAME,
    addTypedApp,
    createFirewall,
    pushResult,
    readPhoneApps,
    setAppNetwork,
    usePanels,
} from '../../panels-store.js';
import { appLabelKey } from '../../app-labels.js';
import { ScreenHeading } from '../common.js';
import { FileFacts, PanelNav, Pushed, SendToPhone, TaskView, usePanelPhone } from './shared.js';

const NETWORKS = ['wifi', 'mobile', 'vpn'] as const;

export function FirewallPanel(): ReactNode {
    const { t } = useTranslation();
    const task = usePanels((s) => s.tasks.firewall);
    const apps = usePanels((s) => s.firewallApps);
    const read = usePanels((s) => s.phoneAppsRead);
    const found = usePanels((s) => s.phoneAppsFound);
    const result = usePanels((s) => s.firewall);
    const pushed = usePanels((s) => s.firewallPushed);
    const phone = usePanelPhone();
    const [typed, setTyped] = useState('');
    const [typedError, setTypedError] = useState(false);
    const [filter, setFilter] = useState('');
    const allowed = apps.filter((a) => a.wifi || a.mobile || a.vpn);
    // The name people know an app by, with its package name beside it; the package name alone where Revive does not know the app.
    const label = (packageName: string): string | undefined => {
        const key = appLabelKey(packageName);
        return key ? t(key) : undefined;
    };
    const named = (packageName: string): string => {
        const name = label(packageName);
        return name ? `${name} (${packageName})` : packageName;
    };
    const wanted = filter.trim().toLowerCase();
    const shown = apps.filter((a) => named(a.packageName).toLowerCase().includes(wanted));
    const unknownUid = allowed.filter((a) => a.uid === null);
    return (
        <>
            <PanelNav current="firewall" />
            <ScreenHeading>{t('panels.firewall.title')}</ScreenHeading>
            <p className="lead">{t('panels.firewall.lead')}</p>
            <section className="panel" aria-labelledby="fw-apps-heading">
                <h2 id="fw-apps-heading">{t('firewall.apps.title')}</h2>
                <div className="row">
                    {phone ? (
                        <button type="button" className="button secondary" disabled={task?.running === true} onClick={() => void readPhoneApps(phone.id)}>
                            {read ? t('firewall.apps.readAgain', { name: phone.name }) : t('firewall.apps.read', { name: phone.name })}
                        </button>
                    ) : (
                        <p className="hint no-phone">{t('firewall.apps.noPhone')}</p>
                    )}
                </div>
                {found === 0 ? (
                    <p className="hint no-phone" role="status">
                        {t('firewall.apps.noneListed')}
                    </p>
                ) : found !== null ? (
                    <p className="hint" role="status">
                        {t('firewall.apps.listed', { count: found })}
                    </p>
                ) : null}
                <form
                    className="row"
                    onSubmit={(e) => {
                        e.preventDefault();
                        const ok = addTypedApp(typed);
                        setTypedError(!ok);
                        if (ok) setTyped('');
                    }}
                >
                    <label className="field grow">
                        <span>{t('firewall.apps.typeLabel')}</span>
                        <input type="text" className="mono" spellCheck={false} autoComplete="off" placeholder="org.mozilla.focus" value={typed} aria-invalid={typedError} onChange={(e) => setTyped(e.target.value)} />
                    </label>
                    <button type="submit" className="button secondary" disabled={!PACKAGE_NAME.test(typed.trim())}>
                        {t('firewall.apps.add')}
                    </button>
                </form>
                {typedError ? <p className="hint" role="alert">{t('firewall.apps.typeError')}</p> : null}
            </section>
            <TaskView task={task} kinds={['list']} />
            {apps.length > 0 ? (
                <section className="panel" aria-labelledby="fw-table-heading">
                    <h2 id="fw-table-heading">{t('firewall.table.title')}</h2>
                    <p className="hint">{t('firewall.table.hint', { count: allowed.length, total: apps.length })}</p>
                    <p className="hint">{t('firewall.table.packageNames')}</p>
                    {apps.length > 10 ? (
                        <label className="field">
                            <span>{t('firewall.table.filter')}</span>
                            <input type="text" spellCheck={false} autoComplete="off" value={filter} onChange={(e) => setFilter(e.target.value)} />
                        </label>
                    ) : null}
                    <div className="table-scroll">
                        <table className="app-table">
                            <thead>
                                <tr>
                                    <th scope="col">{t('firewall.table.app')}</th>
                                    {NETWORKS.map((n) => (
                                        <th key={n} scope="col">
                                            {t(`firewall.networks.${n}`)}
                                        </th>
                                    ))}
                                </tr>
                            </thead>
                            <tbody>
                                {shown.map((app) => (
                                    <tr key={app.packageName} className={app.wifi || app.mobile || app.vpn ? 'allowed' : ''}>
                                        <th scope="row">
                                            {label(app.packageName) ? <span className="app-label">{label(app.packageName)}</span> : null}
                                            <span className="mono">{app.packageName}</span>
                                            <span className="uid">{app.uid === null ? t('firewall.table.noUid') : t('firewall.table.uid', { uid: app.uid })}</span>
                                        </th>
                                        {NETWORKS.map((n) => (
                                            <td key={n}>
                                                <input
                                                    type="checkbox"
                                                    checked={app[n]}
                                                    aria-label={t('firewall.table.allow', { network: t(`firewall.networks.${n}`), app: named(app.packageName) })}
                                                    onChange={(e) => setAppNetwork(app.packageName, n, e.target.checked)}
                                                />
                                            </td>
                                        ))}
                                    </tr>
                                ))}
                            </tbody>
                        </table>
                    </div>
                </section>
            ) : null}
            <div className="actions end">
                <button type="button" className="button primary" disabled={task?.running === true} onClick={() => void createFirewall()}>
                    {t('firewall.create', { count: allowed.length })}
                </button>
            </div>
            <TaskView task={task} kinds={['create']} />
            {result ? (
                <section className="panel success" aria-labelledby="fw-done-heading">
                    <h2 id="fw-done-heading">{t('firewall.result.title')}</h2>
                    <p>{t('firewall.result.summary', { count: result.allowedApps })}</p>
                    <FileFacts
                        files={[
                            { label: t('firewall.result.afwall'), path: result.files.afwall },
                            { label: t('firewall.result.ipv4'), path: result.files.ipv4 },
                            { label: t('firewall.result.ipv6'), path: result.files.ipv6 },
                            { label: t('firewall.result.apply'), path: result.files.apply },
                        ]}
                    />
                    {result.files.ipv4 === null ? <p className="hint">{t('firewall.result.noScript', { apps: unknownUid.map((a) => named(a.packageName)).join(', ') })}</p> : null}
                    <p>{t('firewall.result.howTo')}</p>
                    <h3>{t('firewall.push.title')}</h3>
                    <SendToPhone label={t('firewall.push.send')} busy={task?.running === true} onSend={(id) => void pushResult('firewall', id)} />
                    <TaskView task={task} kinds={['push']} />
                    <Pushed paths={pushed} help={t('firewall.push.help')} />
                </section>
            ) : null}
        </>
    );
}

// ---------------------------------------------------------------- apps
