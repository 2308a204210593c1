/** Small shared pieces: headings that take focus, the error box, progress bars, combo pictures. */
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/contract-types.js';
import { errorWords } from '../error-words.js';
import { formatBytes, formatDuration, percent } from '../format.js';
import { COMBO_KEYS, type ComboKey } from '../combo-keys.js';
import type { TFunction } from 'i18next';

/** The screen's heading; takes focus when the screen appears so keyboard and screen-reader users start there. */
export function ScreenHeading({ children, id }: { children: ReactNode; id?: string }): ReactNode {
    const ref = useRef<HTMLHeadingElement>(null);
    useEffect(() => {
        // A question or instruction that came with the screen (a reopened page) took the focus first: it is what to read.
        const active = document.activeElement;
        if (active instanceof HTMLElement && active !== ref.current && active.tabIndex === -1 && active.closest('main')) return;
        ref.current?.focus();
    }, []);
    return (
        <h1 ref={ref} tabIndex={-1} id={id} className="screen-heading">
            {children}
        </h1>
    );
}

/** An error in words; `nextStep` replaces the backend's next step where this page offers another way on. Its heading can take the focus. */
export function ErrorBox({ error, onDismiss, nextStep }: { error: ApiError; onDismiss?: () => void; nextStep?: string | undefined }): ReactNode {
    const { t } = useTranslation();
    const words = errorWords(t, error);
    return (
        <div className="error-box" role="alert">
            <h2 tabIndex={-1}>{words.title}</h2>
            <p>{words.message}</p>
            <p>
                <strong>{t('errors.nextStep')}</strong> {nextStep ?? words.nextStep}
            </p>
            {onDismiss ? (
                <button type="button" className="button secondary" onClick={onDismiss}>
                    {t('errors.dismiss')}
                </button>
            ) : null}
        </div>
    );
}

/**
 * A byte bar. With `sent` (bytes that left the computer ahead of the phone's acknowledgement) the
 * solid fill is what the phone HAS and a lighter fill what is still on its way; `amountKey` words the
 * amount ("… on the phone", "… copied").
 */
export function ProgressBar(props: { label: string; bytesDone: number; bytesTotal: number; rate: number; etaSeconds: number | null; sent?: number; amountKey?: string }): ReactNode {
    const { t, i18n } = useTranslation();
    const value = percent(props.bytesDone, props.bytesTotal);
    const sent = props.sent !== undefined && props.sent > props.bytesDone ? percent(props.sent, props.bytesTotal) : null;
    const eta = props.etaSeconds === null ? null : formatDuration(props.etaSeconds);
    const amount = t(props.amountKey ?? 'progress.amount', { done: formatBytes(props.bytesDone, i18n.language), total: formatBytes(props.bytesTotal, i18n.language) });
    const moved = Math.max(props.bytesDone, props.sent ?? 0);
    return (
        <div className="progress">
            <div className="progress-label">
                <span>{props.label}</span>
                <span>{t('progress.percent', { value })}</span>
            </div>
            <div className="progress-track" role="progressbar" aria-label={props.label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} aria-valuetext={`${t('progress.percent', { value })}, ${amount}`}>
                {sent !== null ? <div className="progress-sent" style={{ width: `${sent}%` }} /> : null}
                <div className="progress-fill" style={{ width: `${value}%` }} />
            </div>
            <div className="progress-facts">
                <span>{amount}</span>
                {props.sent !== undefined && props.sent > props.bytesDone ? <span>{t('progress.sent', { sent: formatBytes(props.sent, i18n.language) })}</span> : null}
                {props.rate > 0 ? <span>{t('progress.rate', { rate: formatBytes(props.rate, i18n.language) })}</span> : null}
                {eta && moved < props.bytesTotal ? (
                    <span>{eta.minutes > 0 ? t('progress.etaMinutes', { minutes: eta.minutes, seconds: eta.seconds }) : t('progress.etaSeconds', { seconds: eta.seconds })}</span>
                ) : null}
            </div>
        </div>
    );
}

const comboUrls = import.meta.glob<string>('../../assets/combos/*.svg', { eager: true, query: '?url', import: 'default' });

export function comboUrl(picture: string): string | undefined {
    return comboUrls[`../../assets/combos/${picture}`];
}

/** The key-combo picture with its numbered arrows named underneath, in the page's language. */
export function ComboPicture({ picture, buttons }: { picture: string; buttons: readonly string[] }): ReactNode {
    const { t } = useTranslation();
    const url = comboUrl(picture);
    if (!url) return null;
    const keys = COMBO_KEYS[picture] ?? [];
    const name = (button: string): string => t(`buttons.${button}`, { defaultValue: button });
    const held = keys.filter((k) => !k.once && !k.then);
    const alt = keys.length > 0 ? keys.map((k) => comboKeyWords(t, k, name(k.button))).join(', ') : buttons.map(name).join(' + ');
    return (
        <figure className="combo">
            <img className="combo-picture" src={url} alt={t('combo.alt', { buttons: alt })} width={220} height={300} />
            {keys.length > 0 ? (
                <figcaption>
                    <ol className="combo-keys" aria-label={t('combo.keysLabel')}>
                        {keys.map((k) => (
                            <li key={k.n} className={k.once ? 'once' : undefined}>
                                <span className="combo-badge" aria-hidden="true">
                                    {k.n}
                                </span>
                                <span>{comboKeyWords(t, k, name(k.button))}</span>
                            </li>
                        ))}
                    </ol>
                    {held.length > 1 ? <p className="hint">{t('combo.together', { numbers: held.map((k) => k.n).join(' + ') })}</p> : null}
                </figcaption>
            ) : null}
        </figure>
    );
}

function comboKeyWords(t: TFunction, key: ComboKey, name: string): string {
    if (key.once) return t('combo.once', { button: name });
    if (key.then) return t('combo.then', { button: name });
    return name;
}

/**
 * A button that opens the system file picker. The real <input type="file"> stays hidden (its look
 * cannot be styled) and out of the tab order; the button is what keyboard and mouse users reach.
 */
export function FilePicker(props: { role: string; label: string; multiple?: boolean; accept?: string; onFiles: (files: File[]) => void }): ReactNode {
    const input = useRef<HTMLInputElement>(null);
    return (
        <>
            <input
                ref={input}
                type="file"
                className="visually-hidden"
                tabIndex={-1}
                aria-hidden="true"
                data-role={props.role}
                multiple={props.multiple}
                accept={props.accept}
                onChange={(e) => {
                    props.onFiles([...(e.target.files ?? [])]);
                    e.target.value = '';
                }}
            />
            <button type="button" className="button secondary" onClick={() => input.current?.click()}>
                {props.label}
            </button>
        </>
    );
}

/** What still keeps a form from being sent, one line each; nothing when all is there. */
export function MissingList({ label, problems }: { label: string; problems: readonly string[] }): ReactNode {
    if (problems.length === 0) return null;
    return (
        <ul className="hint problems" aria-label={label}>
            {problems.map((p) => (
                <li key={p}>{p}</li>
            ))}
        </ul>
    );
}
