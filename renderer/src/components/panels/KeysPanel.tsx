/** The OpenPGP keys panel: create or rotate a key pair for OpenKeychain and GnuPG, with a live passphrase rating. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyAlgorithm } from '../../api/contract-types.js';
import { clearResult, createKeys, pushResult, rotateKeys, usePanels } from '../../panels-store.js';
import { FilePicker, MissingList, ScreenHeading } from '../common.js';
import { NewPassphrase } from '../NewPassphrase.js';
import { ratePassphrase } from '../../../../common/passphrase.js';
import { FileFacts, PanelNav, Pushed, SendToPhone, TaskView } from './shared.js';

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

            <NewPassphrase words="keys.passphrase" passphrase={passphrase} repeat={repeat} show={show} onPassphrase={setPassphrase} onRepeat={setRepeat} onShow={setShow} />

            <MissingList label={t('keys.problems.label')} problems={problems} />
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
