/** The pieces every panel uses: the phone it talks to, the panel tabs, task progress, sending to the phone, file facts. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Device } from '../../api/contract-types.js';
import { PANELS, type PanelName, type PanelTask } from '../../panels-store.js';
import { goTo, useUi } from '../../store.js';
import { ErrorBox, ProgressBar } from '../common.js';

/** The phone the panels talk to: the first one started normally and ready for adb. */
export function usePanelPhone(): Device | undefined {
    return useUi((s) => s.snapshot.devices.find((d) => d.mode === 'android' && d.state === 'ready'));
}

export function PanelNav({ current }: { current: PanelName }): ReactNode {
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
export function stepTitle(t: TFunction, step: string, title: string): string {
    const [kind, name] = step.split(/:(.*)/s);
    return t(`panels.steps.${kind}`, { defaultValue: title, name: name ?? '' });
}

export function TaskView({ task, kinds }: { task: PanelTask | undefined; kinds?: ReadonlyArray<PanelTask['kind']> }): ReactNode {
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
export function SendToPhone(props: { label: string; disabled?: boolean; busy: boolean; onSend: (deviceId: string) => void; children?: ReactNode }): ReactNode {
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

export function Pushed({ paths, help }: { paths: string[] | null; help: string }): ReactNode {
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

export function FileFacts({ files }: { files: ReadonlyArray<{ label: string; path: string | null }> }): ReactNode {
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
