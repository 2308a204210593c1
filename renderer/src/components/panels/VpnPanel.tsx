/** The WireGuard VPN panel: a tunnel profile for the phone, as a file and a QR code. */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { clearResult, createVpn, pushResult, removeVpnFromPhone, usePanels } from '../../panels-store.js';
import { ScreenHeading } from '../common.js';
import { FileFacts, PanelNav, Pushed, SendToPhone, TaskView } from './shared.js';

const list = (text: string): string[] =>
    text
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);

function TextField(props: { label: string; hint?: string; value: string; onChange: (value: string) => void; mono?: boolean; inputMode?: 'numeric'; placeholder?: string }): ReactNode {
    const hintId = useId();
    return (
        <label className="field grow">
            <span>{props.label}</span>
            <input
                type="text"
                className={props.mono ? 'mono' : undefined}
                spellCheck={false}
                autoComplete="off"
                inputMode={props.inputMode}
                placeholder={props.placeholder}
                value={props.value}
                aria-describedby={props.hint ? hintId : undefined}
                onChange={(e) => props.onChange(e.target.value)}
            />
            {props.hint ? (
                <span id={hintId} className="field-hint">
                    {props.hint}
                </span>
            ) : null}
        </label>
    );
}

export function VpnPanel(): ReactNode {
    const { t } = useTranslation();
    const task = usePanels((s) => s.tasks.vpn);
    const vpn = usePanels((s) => s.vpn);
    const pushed = usePanels((s) => s.vpnPushed);
    const removed = usePanels((s) => s.vpnRemoved);
    const [form, setForm] = useState({ name: 'home', addresses: '10.8.0.2/32', dns: '', serverPublicKey: '', endpoint: '', allowedIps: '0.0.0.0/0, ::/0', keepalive: '25' });
    const field = (key: keyof typeof form) => ({ value: form[key], onChange: (value: string) => setForm({ ...form, [key]: value }) });
    const keepalive = Number(form.keepalive);
    const ready = /^[a-zA-Z0-9_=+.-]{1,12}$/.test(form.name) && list(form.addresses).length > 0 && form.serverPublicKey.trim().length > 0 && form.endpoint.trim().length > 0 && list(form.allowedIps).length > 0 && Number.isInteger(keepalive) && keepalive >= 0 && keepalive <= 65535;
    const submit = (event: FormEvent): void => {
        event.preventDefault();
        if (!ready) return;
        void createVpn({
            name: form.name,
            addresses: list(form.addresses),
            dns: list(form.dns),
            serverPublicKey: form.serverPublicKey.trim(),
            endpoint: form.endpoint.trim(),
            allowedIps: list(form.allowedIps),
            persistentKeepalive: keepalive,
        });
    };
    return (
        <>
            <PanelNav current="vpn" />
            <ScreenHeading>{t('panels.vpn.title')}</ScreenHeading>
            <p className="lead">{t('panels.vpn.lead')}</p>
            {vpn ? (
                <div className="actions end">
                    <button type="button" className="button secondary" disabled={task?.running === true} onClick={() => clearResult('vpn')}>
                        {t('vpn.change')}
                    </button>
                </div>
            ) : null}
            <form className="panel-form" onSubmit={submit} noValidate hidden={vpn !== null}>
                <section className="panel" aria-labelledby="vpn-phone-heading">
                    <h2 id="vpn-phone-heading">{t('vpn.phone.title')}</h2>
                    <div className="grid-2">
                        <TextField label={t('vpn.fields.name')} hint={t('vpn.fields.nameHint')} {...field('name')} />
                        <TextField label={t('vpn.fields.addresses')} hint={t('vpn.fields.addressesHint')} mono {...field('addresses')} />
                        <TextField label={t('vpn.fields.dns')} hint={t('vpn.fields.dnsHint')} mono placeholder="10.8.0.1" {...field('dns')} />
                    </div>
                </section>
                <section className="panel" aria-labelledby="vpn-server-heading">
                    <h2 id="vpn-server-heading">{t('vpn.server.title')}</h2>
                    <p className="hint">{t('vpn.server.hint')}</p>
                    <div className="grid-2">
                        <TextField label={t('vpn.fields.serverPublicKey')} hint={t('vpn.fields.serverPublicKeyHint')} mono {...field('serverPublicKey')} />
                        <TextField label={t('vpn.fields.endpoint')} hint={t('vpn.fields.endpointHint')} mono placeholder="vpn.example.org:51820" {...field('endpoint')} />
                        <TextField label={t('vpn.fields.allowedIps')} hint={t('vpn.fields.allowedIpsHint')} mono {...field('allowedIps')} />
                        <TextField label={t('vpn.fields.keepalive')} hint={t('vpn.fields.keepaliveHint')} inputMode="numeric" {...field('keepalive')} />
                    </div>
                </section>
                {!ready ? <p className="hint">{t('vpn.notReady')}</p> : null}
                <div className="actions end">
                    <button type="submit" className="button primary" disabled={!ready || task?.running === true}>
                        {t('vpn.create')}
                    </button>
                </div>
            </form>
            <TaskView task={task} kinds={['create']} />
            {vpn ? (
                <section className="panel success" aria-labelledby="vpn-done-heading">
                    <h2 id="vpn-done-heading">{t('vpn.result.title', { name: vpn.name })}</h2>
                    <div className="qr-layout">
                        <img className="qr" src={vpn.qrDataUrl} alt={t('vpn.result.qrAlt', { name: vpn.name })} width={300} height={300} />
                        <div>
                            <h3>{t('vpn.result.scanTitle')}</h3>
                            <ol>
                                <li>{t('vpn.result.scan1')}</li>
                                <li>{t('vpn.result.scan2')}</li>
                                <li>{t('vpn.result.scan3', { name: vpn.name })}</li>
                            </ol>
                            <p className="refusal">{t('vpn.result.secret')}</p>
                        </div>
                    </div>
                    <h3>{t('vpn.result.serverTitle')}</h3>
                    <p>{t('vpn.result.serverText')}</p>
                    <pre className="config-block" tabIndex={0} aria-label={t('vpn.result.serverTitle')}>
                        {vpn.serverPeerBlock}
                    </pre>
                    <FileFacts
                        files={[
                            { label: t('vpn.result.config'), path: vpn.files.config },
                            { label: t('vpn.result.serverPeer'), path: vpn.files.serverPeer },
                            { label: t('vpn.result.qr'), path: vpn.files.qr },
                        ]}
                    />
                    <h3>{t('vpn.push.title')}</h3>
                    <SendToPhone label={t('vpn.push.send', { file: vpn.files.config.split(/[\\/]/).pop() })} busy={task?.running === true} onSend={(id) => void pushResult('vpn', id)} />
                    <TaskView task={task} kinds={['push', 'remove']} />
                    <Pushed paths={pushed} help={t('vpn.push.help')} />
                    {pushed && !removed ? (
                        <button type="button" className="button" disabled={task?.running === true} onClick={() => void removeVpnFromPhone()}>
                            {t('vpn.push.remove')}
                        </button>
                    ) : null}
                    {removed ? <p role="status">{t('vpn.push.removed')}</p> : null}
                </section>
            ) : null}
        </>
    );
}

// ---------------------------------------------------------------- firewall
