/** The hardening-apps panel: APKs checked against their SHA-256, then installed on the phone. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SHA256, addApks, installApps, removeApk, setApkChecksum, usePanels } from '../../panels-store.js';
import { errorWords } from '../../error-words.js';
import { ErrorBox, FilePicker, ScreenHeading } from '../common.js';
import { PanelNav, SendToPhone, TaskView } from './shared.js';

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
                                        {outcome?.problem ? <p className="refusal">{errorWords(t, outcome.problem).message}</p> : null}
                                        {apk.error ? <p className="refusal">{errorWords(t, apk.error).message}</p> : null}
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
