/**
 * After the upgrade: the OpenPGP keys, WireGuard VPN, firewall and hardening-apps panels. Each
 * makes its files on this computer first; sending to the phone needs a phone started normally
 * with USB debugging on (the virtual phone counts).
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Device, KeyAlgorithm } from '../api/contract-types.js';
import { ratePassphrase } from '../../../common/passphrase.js';
import {
    PACKAGE_NAME,
    PANELS,
    SHA256,
    addApks,
    addTypedApp,
    clearResult,
    createFirewall,
    createKeys,
    createVpn,
    installApps,
    pushResult,
    readPhoneApps,
    removeApk,
    removeVpnFromPhone,
    rotateKeys,
    setApkChecksum,
    setAppNetwork,
    usePanels,
    type PanelName,
    type PanelTask,
} from '../panels-store.js';
import { goTo, useUi } from '../store.js';
import { ErrorBox, FilePicker, ProgressBar, ScreenHeading } from './common.js';

/** The phone the panels talk to: the first one started normally and ready for adb. */
export function usePanelPhone(): Device | undefined {
    return useUi((s) => s.snapshot.devices.find((d) => d.mode === 'android' && d.state === 'ready'));
}

function PanelNav({ current }: { current: PanelName }): ReactNode {
    const { t } = useTranslation();
    return (
        <nav className="panel-nav" aria-label={t('panels.navLabel')}>
            <button type="button" className="button secondary small" onClick={() => goTo('home')}>
                {t('panels.backHome')}
            </button>
            <ul>
                {PANELS.map((panel) => (
                    <li key={panel}>
                        <button type="button" className={`nav-link${panel === current ? ' current' : ''}`} aria-current={panel === current ? 'page' : undefined} onClick={() => goTo(panel)}>
                            {t(`panels.${panel}.short`)}
                        </button>
                    </li>
                ))}
            </ul>
        </nav>
    );
}

/** Step ids look like `push:wg-home.conf`; the part after ':' is the file the step works on. */
function stepTitle(t: TFunction, step: string, title: string): string {
    const [kind, name] = step.split(/:(.*)/s);
    return t(`panels.steps.${kind}`, { defaultValue: title, name: name ?? '' });
}

function TaskView({ task, kinds }: { task: PanelTask | undefined; kinds?: ReadonlyArray<PanelTask['kind']> }): ReactNode {
    const { t } = useTranslation();
    if (!task || (kinds && !kinds.includes(task.kind))) return null;
    const steps = task.steps.filter((s) => s.title !== '');
    return (
        <div className="task" aria-live="polite">
            {task.running ? (
                <p className="current-step" role="status">
                    <span className="spinner" aria-hidden="true" /> {t(`panels.task.${task.kind}`)}
                </p>
            ) : null}
            {steps.length > 0 ? (
                <ol className="job-steps task-steps" aria-label={t('panels.task.stepsLabel')}>
                    {steps.map((s) => (
                        <li key={s.step} className={s.status === 'finished' ? 'done' : s.status === 'failed' ? 'failed' : 'running'}>
                            <span className="step-mark" aria-hidden="true">
                                {s.status === 'finished' ? '✓' : s.status === 'failed' ? '✗' : '●'}
                            </span>
                            <span>{stepTitle(t, s.step, s.title)}</span>
                            <span className="visually-hidden">{t(`panels.task.status.${s.status}`)}</span>
                        </li>
                    ))}
                </ol>
            ) : null}
            {task.progress && task.running && task.progress.bytesTotal > 0 ? (
                <ProgressBar
                    label={stepTitle(t, task.progress.step.replace(/^verify:/, 'verify-apk:'), task.progress.step)}
                    bytesDone={task.progress.bytesDone}
                    bytesTotal={task.progress.bytesTotal}
                    rate={task.progress.rate}
                    etaSeconds={task.progress.etaSeconds}
                />
            ) : null}
            {task.error ? <ErrorBox error={task.error} /> : null}
        </div>
    );
}

/** Where the files go: the phone to send to, or what to do to get one. */
function SendToPhone(props: { label: string; disabled?: boolean; busy: boolean; onSend: (deviceId: string) => void; children?: ReactNode }): ReactNode {
    const { t } = useTranslation();
    const phone = usePanelPhone();
    if (!phone) {
        return (
            <p className="hint no-phone" role="note">
                {t('panels.noPhone')}
            </p>
        );
    }
    return (
        <div className="send">
            <p className="hint">{t('panels.sendTo', { name: phone.name })}</p>
            {props.children}
            <button type="button" className="button primary" disabled={props.busy || props.disabled} onClick={() => props.onSend(phone.id)}>
                {props.label}
            </button>
        </div>
    );
}

function Pushed({ paths, help }: { paths: string[] | null; help: string }): ReactNode {
    const { t } = useTranslation();
    if (!paths) return null;
    return (
        <div className="pushed" role="status">
            <p>
                <strong>{t('panels.pushed')}</strong>
            </p>
            <ul>
                {paths.map((p) => (
                    <li key={p} className="mono">
                        {p}
                    </li>
                ))}
            </ul>
            <p>{help}</p>
        </div>
    );
}

function FileFacts({ files }: { files: ReadonlyArray<{ label: string; path: string | null }> }): ReactNode {
    return (
        <dl className="file-facts">
            {files
                .filter((f) => f.path)
                .map((f) => (
                    <div key={f.label}>
                        <dt>{f.label}</dt>
                        <dd className="mono">{f.path}</dd>
                    </div>
                ))}
        </dl>
    );
}

// ---------------------------------------------------------------- keys

function StrengthMeter({ passphrase }: { passphrase: string }): ReactNode {
    const { t } = useTranslation();
    const facts = ratePassphrase(passphrase);
    if (facts.length === 0) return null;
    const reasons: string[] = [];
    if (facts.length === 0) reasons.push(t('keys.strength.reasons.empty'));
    else if (facts.common) reasons.push(t('keys.strength.reasons.common'));
    else {
        if (facts.words >= 4) reasons.push(t('keys.strength.reasons.words', { count: facts.words }));
        if (facts.length < 8) reasons.push(t('keys.strength.reasons.tooShort', { count: facts.length }));
        else if (facts.length < 12 && facts.words < 4) reasons.push(t('keys.strength.reasons.short', { count: facts.length }));
        else reasons.push(t('keys.strength.reasons.length', { count: facts.length }));
        const classes = facts.classes.map((c) => t(`keys.strength.classes.${c}`)).join(', ');
        reasons.push(facts.classes.length < 3 && facts.words < 4 ? t('keys.strength.reasons.fewClasses', { classes }) : t('keys.strength.reasons.classes', { classes }));
        if (facts.run >= 3) reasons.push(t('keys.strength.reasons.run', { count: facts.run }));
    }
    return (
        <div className={`strength level-${facts.level}`} aria-live="polite">
            <div className="strength-head">
                <span id="strength-label">{t('keys.strength.label')}</span>
                <strong>{t(`keys.strength.levels.${facts.level}`)}</strong>
            </div>
            <div className="strength-track" role="meter" aria-labelledby="strength-label" aria-valuemin={0} aria-valuemax={4} aria-valuenow={facts.score} aria-valuetext={t(`keys.strength.levels.${facts.level}`)}>
                <div className="strength-fill" style={{ width: `${facts.length === 0 ? 0 : ((facts.score + 1) / 5) * 100}%` }} />
            </div>
            <ul className="strength-reasons">
                {reasons.map((r) => (
                    <li key={r}>{r}</li>
                ))}
            </ul>
        </div>
    );
}

interface Identity {
    readonly name: string;
    readonly email: string;
}

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

function KeysForm(): ReactNode {
    const { t } = useTranslation();
    const task = usePanels((s) => s.tasks.keys);
    const [mode, setMode] = useState<'create' | 'rotate'>('create');
    const [identities, setIdentities] = useState<Identity[]>([{ name: '', email: '' }]);
    const [expiresInDays, setExpiry] = useState(730);
    const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('curve25519');
    const [passphrase, setPassphrase] = useState('');
    const [repeat, setRepeat] = useState('');
    const [show, setShow] = useState(false);
    const [oldKey, setOldKey] = useState<File | null>(null);
    const [oldPassphrase, setOldPassphrase] = useState('');
    const filled = identities.filter((i) => i.name.trim() || i.email.trim());
    const badEmail = identities.some((i) => i.email.trim() && !EMAIL.test(i.email.trim()));
    const score = ratePassphrase(passphrase).score;
    const problems: string[] = [];
    if (filled.length === 0) problems.push(t('keys.problems.identity'));
    if (badEmail) problems.push(t('keys.problems.email'));
    if (passphrase.length > 0 && score === 0) problems.push(t('keys.problems.weak'));
    if (passphrase.length === 0) problems.push(t('keys.problems.passphrase'));
    else if (repeat !== passphrase) problems.push(t('keys.problems.repeat'));
    if (mode === 'rotate' && !oldKey) problems.push(t('keys.problems.oldKey'));
    if (mode === 'rotate' && !oldPassphrase) problems.push(t('keys.problems.oldPassphrase'));
    const update = (index: number, change: Partial<Identity>): void => setIdentities(identities.map((id, i) => (i === index ? { ...id, ...change } : id)));
    const submit = (event: FormEvent): void => {
        event.preventDefault();
        if (problems.length > 0 || task?.running) return;
        const key = { userIds: filled.map((i) => ({ name: i.name.trim(), email: i.email.trim() })), algorithm, expiresInDays, passphrase };
        const done = mode === 'create' ? createKeys(key) : oldKey ? rotateKeys(oldKey, oldPassphrase, key) : Promise.resolve(false);
        void done.then((ok) => {
            // The passphrases are not kept once the key exists.
            if (ok) {
                setPassphrase('');
                setRepeat('');
                setOldPassphrase('');
            }
        });
    };
    const type = show ? 'text' : 'password';
    return (
        <form className="panel-form" onSubmit={submit} noValidate>
            <fieldset className="choices two">
                <legend>{t('keys.mode.legend')}</legend>
                {(['create', 'rotate'] as const).map((m) => (
                    <label key={m} className={`choice${mode === m ? ' selected' : ''}`}>
                        <input type="radio" name="keys-mode" checked={mode === m} onChange={() => setMode(m)} />
                        <span>
                            <strong>{t(`keys.mode.${m}`)}</strong>
                            <span className="choice-detail">{t(`keys.mode.${m}Detail`)}</span>
                        </span>
                    </label>
                ))}
            </fieldset>

            {mode === 'rotate' ? (
                <section className="panel" aria-labelledby="old-key-heading">
                    <h2 id="old-key-heading">{t('keys.old.title')}</h2>
                    <p className="hint">{t('keys.old.hint')}</p>
                    <div className="row">
                        <FilePicker
                            role="old-secret-key"
                            accept=".asc,.gpg,.key,.pgp,.txt"
                            label={oldKey ? t('keys.old.chooseOther') : t('keys.old.choose')}
                            onFiles={(files) => setOldKey(files[0] ?? null)}
                        />
                        <span className="file-name" role="status">
                            {oldKey ? oldKey.name : t('keys.old.none')}
                        </span>
                    </div>
                    <label className="field">
                        <span>{t('keys.old.passphrase')}</span>
                        <input type={type} autoComplete="off" value={oldPassphrase} onChange={(e) => setOldPassphrase(e.target.value)} />
                    </label>
                </section>
            ) : null}

            <section className="panel" aria-labelledby="identities-heading">
                <h2 id="identities-heading">{t('keys.identities.title')}</h2>
                <p className="hint">{t('keys.identities.hint')}</p>
                <ol className="identities">
                    {identities.map((id, index) => (
                        <li key={index} className="row">
                            <label className="field grow">
                                <span>{t('keys.identities.name', { n: index + 1 })}</span>
                                <input type="text" autoComplete="name" value={id.name} onChange={(e) => update(index, { name: e.target.value })} />
                            </label>
                            <label className="field grow">
                                <span>{t('keys.identities.email', { n: index + 1 })}</span>
                                <input type="email" autoComplete="email" value={id.email} onChange={(e) => update(index, { email: e.target.value })} aria-invalid={id.email.trim() !== '' && !EMAIL.test(id.email.trim())} />
                            </label>
                            {identities.length > 1 ? (
                                <button type="button" className="button secondary small" onClick={() => setIdentities(identities.filter((_, i) => i !== index))}>
                                    {t('keys.identities.remove', { n: index + 1 })}
                                </button>
                            ) : null}
                        </li>
                    ))}
                </ol>
                {identities.length < 10 ? (
                    <button type="button" className="button secondary small" onClick={() => setIdentities([...identities, { name: identities[0]?.name ?? '', email: '' }])}>
                        {t('keys.identities.add')}
                    </button>
                ) : null}
            </section>

            <section className="panel" aria-labelledby="key-options-heading">
                <h2 id="key-options-heading">{t('keys.options.title')}</h2>
                <div className="row">
                    <label className="field">
                        <span>{t('keys.options.expiry')}</span>
                        <select value={expiresInDays} onChange={(e) => setExpiry(Number(e.target.value))}>
                            {[365, 730, 1825, 0].map((days) => (
                                <option key={days} value={days}>
                                    {t(`keys.options.expiries.${days}`)}
                                </option>
                            ))}
                        </select>
                    </label>
                </div>
                <p className="hint">{t('keys.options.expiryHint')}</p>
                <fieldset className="choices two">
                    <legend>{t('keys.options.algorithm')}</legend>
                    {(['curve25519', 'rsa4096'] as const).map((a) => (
                        <label key={a} className={`choice${algorithm === a ? ' selected' : ''}`}>
                            <input type="radio" name="keys-algorithm" checked={algorithm === a} onChange={() => setAlgorithm(a)} />
                            <span>
                                <strong>{t(`keys.options.algorithms.${a}`)}</strong>
                                <span className="choice-detail">{t(`keys.options.algorithms.${a}Detail`)}</span>
                            </span>
                        </label>
                    ))}
                </fieldset>
            </section>

            <section className="panel" aria-labelledby="passphrase-heading">
                <h2 id="passphrase-heading">{t('keys.passphrase.title')}</h2>
                <p className="hint">{t('keys.passphrase.hint')}</p>
                <div className="row">
                    <label className="field grow">
                        <span>{t('keys.passphrase.label')}</span>
                        <input type={type} autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
                    </label>
                    <label className="field grow">
                        <span>{t('keys.passphrase.repeat')}</span>
                        <input type={type} autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} aria-invalid={repeat !== '' && repeat !== passphrase} />
                    </label>
                </div>
                <label className="inline-check">
                    <input type="checkbox" checked={show} onChange={(e) => setShow(e.target.checked)} />
                    <span>{t('keys.passphrase.show')}</span>
                </label>
                <StrengthMeter passphrase={passphrase} />
            </section>

            {problems.length > 0 ? (
                <ul className="hint problems" aria-label={t('keys.problems.label')}>
                    {problems.map((p) => (
                        <li key={p}>{p}</li>
                    ))}
                </ul>
            ) : null}
            <div className="actions end">
                <button type="submit" className="button primary" disabled={problems.length > 0 || task?.running === true}>
                    {mode === 'create' ? t('keys.create') : t('keys.rotate')}
                </button>
            </div>
        </form>
    );
}

function fingerprintGroups(fingerprint: string): string {
    return fingerprint.replace(/(.{4})/g, '$1 ').trim();
}

function KeysResultView(): ReactNode {
    const { t, i18n } = useTranslation();
    const keys = usePanels((s) => s.keys);
    const pushed = usePanels((s) => s.keysPushed);
    const task = usePanels((s) => s.tasks.keys);
    const [withSecret, setWithSecret] = useState(false);
    if (!keys) return null;
    const revocationName = keys.files.revocation.split(/[\\/]/).pop() ?? keys.files.revocation;
    return (
        <section className="panel success" aria-labelledby="keys-done-heading">
            <h2 id="keys-done-heading">{keys.rotation ? t('keys.result.rotatedTitle') : t('keys.result.title')}</h2>
            <dl className="file-facts">
                <div>
                    <dt>{t('keys.result.fingerprint')}</dt>
                    <dd className="mono">{fingerprintGroups(keys.fingerprint)}</dd>
                </div>
                <div>
                    <dt>{t('keys.result.identities')}</dt>
                    <dd>{keys.userIds.join(', ')}</dd>
                </div>
                <div>
                    <dt>{t('keys.result.expires')}</dt>
                    <dd>{keys.expiresAt ? new Date(keys.expiresAt).toLocaleDateString(i18n.language, { dateStyle: 'long' }) : t('keys.result.never')}</dd>
                </div>
            </dl>
            <FileFacts
                files={[
                    { label: t('keys.result.publicKey'), path: keys.files.publicKey },
                    { label: t('keys.result.secretKey'), path: keys.files.secretKey },
                    { label: t('keys.result.revocation'), path: keys.files.revocation },
                ]}
            />
            <div className="panel warning revocation-advice" role="note" aria-labelledby="revocation-heading">
                <h3 id="revocation-heading">{t('keys.revocation.title')}</h3>
                <p>{t('keys.revocation.text', { file: revocationName })}</p>
                <p>{t('keys.revocation.private')}</p>
            </div>
            {keys.rotation ? (
                <div className="panel" aria-labelledby="contacts-heading">
                    <h3 id="contacts-heading">{t('keys.rotation.title')}</h3>
                    <p>{t('keys.rotation.old', { fingerprint: fingerprintGroups(keys.rotation.oldFingerprint) })}</p>
                    <ol>
                        <li>{t('keys.rotation.step1', { file: keys.rotation.transitionStatement })}</li>
                        <li>{t('keys.rotation.step2', { file: keys.rotation.oldKeyRevocation })}</li>
                        <li>{t('keys.rotation.step3')}</li>
                    </ol>
                </div>
            ) : null}
            <h3>{t('keys.push.title')}</h3>
            <SendToPhone label={withSecret ? t('keys.push.sendBoth') : t('keys.push.send')} busy={task?.running === true} onSend={(id) => void pushResult('keys', id, withSecret)}>
                <label className="inline-check">
                    <input type="checkbox" checked={withSecret} onChange={(e) => setWithSecret(e.target.checked)} />
                    <span>{t('keys.push.withSecret')}</span>
                </label>
                {withSecret ? <p className="refusal">{t('keys.push.secretWarning')}</p> : null}
            </SendToPhone>
            <TaskView task={task} kinds={['push']} />
            <Pushed paths={pushed} help={t('keys.push.help')} />
        </section>
    );
}

export function KeysPanel(): ReactNode {
    const { t } = useTranslation();
    const task = usePanels((s) => s.tasks.keys);
    const keys = usePanels((s) => s.keys);
    return (
        <>
            <PanelNav current="keys" />
            <ScreenHeading>{t('panels.keys.title')}</ScreenHeading>
            <p className="lead">{t('panels.keys.lead')}</p>
            {keys ? null : <KeysForm />}
            <TaskView task={task} kinds={['create', 'rotate']} />
            <KeysResultView />
            {keys ? (
                <div className="actions end">
                    <button type="button" className="button secondary" disabled={task?.running === true} onClick={() => clearResult('keys')}>
                        {t('keys.another')}
                    </button>
                </div>
            ) : null}
        </>
    );
}

// ---------------------------------------------------------------- VPN

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
    const shown = apps.filter((a) => a.packageName.toLowerCase().includes(filter.trim().toLowerCase()));
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
                                            <span className="mono">{app.packageName}</span>
                                            <span className="uid">{app.uid === null ? t('firewall.table.noUid') : t('firewall.table.uid', { uid: app.uid })}</span>
                                        </th>
                                        {NETWORKS.map((n) => (
                                            <td key={n}>
                                                <input
                                                    type="checkbox"
                                                    checked={app[n]}
                                                    aria-label={t('firewall.table.allow', { network: t(`firewall.networks.${n}`), app: app.packageName })}
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
                    {result.files.ipv4 === null ? <p className="hint">{t('firewall.result.noScript', { apps: unknownUid.map((a) => a.packageName).join(', ') })}</p> : null}
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

const SUGGESTED = ['afwall', 'wireguard', 'openkeychain', 'k9', 'focus', 'snoopsnitch'] as const;

export function AppsPanel(): ReactNode {
    const { t } = useTranslation();
    const task = usePanels((s) => s.tasks.apps);
    const apks = usePanels((s) => s.apks);
    const results = usePanels((s) => s.appResults);
    const failure = usePanels((s) => s.appsError);
    const ready = apks.length > 0 && apks.every((a) => a.status === 'ready' && SHA256.test(a.sha256));
    return (
        <>
            <PanelNav current="apps" />
            <ScreenHeading>{t('panels.apps.title')}</ScreenHeading>
            <p className="lead">{t('panels.apps.lead')}</p>
            <details className="panel suggested">
                <summary>{t('apps.suggested.title')}</summary>
                <ul>
                    {SUGGESTED.map((app) => (
                        <li key={app}>
                            <strong>{t(`apps.suggested.${app}.name`)}</strong> – {t(`apps.suggested.${app}.why`)}
                        </li>
                    ))}
                </ul>
                <p className="hint">{t('apps.suggested.hint')}</p>
            </details>
            <section className="panel" aria-labelledby="apks-heading">
                <h2 id="apks-heading">{t('apps.files.title')}</h2>
                <p className="hint">{t('apps.files.hint')}</p>
                <FilePicker role="apk" multiple accept=".apk,.sha256,.sha256sum" label={t('apps.files.choose')} onFiles={(files) => void addApks(files)} />
                {apks.length > 0 ? (
                    <ul className="file-list apk-list">
                        {apks.map((apk) => {
                            const outcome = results?.find((r) => r.fileName === apk.name || r.fileName === apk.name.replace(/[^A-Za-z0-9._-]/g, '_'));
                            const state = outcome ? outcome.status : apk.status;
                            return (
                                <li key={apk.id} className={`file-row apk ${state === 'installed' ? 'verified' : state === 'refused' || state === 'failed' ? 'refused' : ''}`}>
                                    <div>
                                        <h3 className="file-name">{apk.name}</h3>
                                        <p className={`status-word ${state === 'installed' ? 'verified' : state === 'refused' || state === 'failed' ? 'refused' : ''}`} role="status">
                                            {t(`apps.status.${state}`)}
                                        </p>
                                        {outcome && outcome.status !== 'installed' ? <p className="refusal">{outcome.message}</p> : null}
                                        {apk.error ? <p className="refusal">{apk.error.message}</p> : null}
                                    </div>
                                    <label className="field grow">
                                        <span>{t('apps.files.checksum', { name: apk.name })}</span>
                                        <input
                                            type="text"
                                            className="mono"
                                            spellCheck={false}
                                            autoComplete="off"
                                            value={apk.sha256}
                                            aria-invalid={apk.sha256 !== '' && !SHA256.test(apk.sha256)}
                                            onChange={(e) => setApkChecksum(apk.id, e.target.value)}
                                        />
                                    </label>
                                    <button type="button" className="button secondary small nowrap" disabled={task?.running === true} aria-label={t('apps.files.remove', { name: apk.name })} onClick={() => removeApk(apk.id)}>
                                        {t('apps.files.removeShort')}
                                    </button>
                                </li>
                            );
                        })}
                    </ul>
                ) : null}
                {apks.length > 0 && !ready ? <p className="hint">{t('apps.files.notReady')}</p> : null}
            </section>
            <SendToPhone label={t('apps.install', { count: apks.length })} disabled={!ready} busy={task?.running === true} onSend={(id) => void installApps(id)} />
            <TaskView task={task} />
            {failure ? <ErrorBox error={failure} /> : null}
            {results && !failure ? (
                <p className="panel success" role="status">
                    {t('apps.result', { installed: results.filter((r) => r.status === 'installed').length, count: results.length })}
                </p>
            ) : null}
        </>
    );
}

/** The home screen's way into the panels. */
export function AfterUpgrade(): ReactNode {
    const { t } = useTranslation();
    return (
        <section className="after-upgrade" aria-labelledby="after-heading">
            <h2 id="after-heading">{t('panels.sectionTitle')}</h2>
            <p className="hint">{t('panels.sectionLead')}</p>
            <ul className="panel-cards">
                {PANELS.map((panel) => (
                    <li key={panel} className="panel-card">
                        <h3>{t(`panels.${panel}.title`)}</h3>
                        <p>{t(`panels.${panel}.card`)}</p>
                        <button type="button" className="button secondary" onClick={() => goTo(panel)} aria-label={t('panels.openLabel', { panel: t(`panels.${panel}.title`) })}>
                            {t('panels.open')}
                        </button>
                    </li>
                ))}
            </ul>
        </section>
    );
}
