/**
 * A new passphrase, typed twice, with its rating (common/passphrase.ts) and the reasons as it is
 * typed, in the page's language: the same for an OpenPGP key and a backup.
 */
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ratePassphrase, strongEnoughForBackup } from '../../../common/passphrase.js';
import { MissingList } from './common.js';

export function StrengthMeter({ passphrase }: { passphrase: string }): ReactNode {
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

/** The words of one passphrase section: `<words>.title`, `.hint`, `.label`, `.repeat`, `.show` in the locale files. */
export function NewPassphrase(props: {
    words: 'keys.passphrase' | 'backups.flow.passphrase' | 'review.passphrase' | 'jobs.passphrase';
    passphrase: string;
    repeat: string;
    show: boolean;
    onPassphrase: (value: string) => void;
    onRepeat: (value: string) => void;
    onShow: (value: boolean) => void;
}): ReactNode {
    const { t } = useTranslation();
    const type = props.show ? 'text' : 'password';
    const headingId = `${props.words.replace(/\./g, '-')}-heading`;
    return (
        <section className="panel" aria-labelledby={headingId}>
            <h2 id={headingId}>{t(`${props.words}.title`)}</h2>
            <p className="hint">{t(`${props.words}.hint`)}</p>
            <div className="row">
                <label className="field grow">
                    <span>{t(`${props.words}.label`)}</span>
                    <input type={type} autoComplete="new-password" value={props.passphrase} onChange={(e) => props.onPassphrase(e.target.value)} />
                </label>
                <label className="field grow">
                    <span>{t(`${props.words}.repeat`)}</span>
                    <input type={type} autoComplete="new-password" value={props.repeat} onChange={(e) => props.onRepeat(e.target.value)} aria-invalid={props.repeat !== '' && props.repeat !== props.passphrase} />
                </label>
            </div>
            <label className="inline-check">
                <input type="checkbox" checked={props.show} onChange={(e) => props.onShow(e.target.checked)} />
                <span>{t(`${props.words}.show`)}</span>
            </label>
            <StrengthMeter passphrase={props.passphrase} />
        </section>
    );
}

/** A backup's new passphrase as a form keeps it: both fields, whether it is shown, and what still stops it. */
export interface BackupPassphrase {
    readonly passphrase: string;
    readonly repeat: string;
    readonly show: boolean;
    /** In words: empty, too weak for a whole phone, or the second one differs. None: it can lock a backup. */
    readonly problems: readonly string[];
    setPassphrase(value: string): void;
    setRepeat(value: string): void;
    setShow(value: boolean): void;
    /** Forget it (once the one command that needed it has it). */
    clear(): void;
}

/** The rules every backup passphrase form follows ("Back up this phone", the upgrade, continuing an upgrade). */
export function useBackupPassphrase(): BackupPassphrase {
    const { t } = useTranslation();
    const [passphrase, setPassphrase] = useState('');
    const [repeat, setRepeat] = useState('');
    const [show, setShow] = useState(false);
    const problems: string[] = [];
    if (passphrase.length === 0) problems.push(t('backups.flow.problems.empty'));
    else if (!strongEnoughForBackup(ratePassphrase(passphrase))) problems.push(t('backups.flow.problems.weak'));
    else if (repeat !== passphrase) problems.push(t('backups.flow.problems.repeat'));
    return {
        passphrase,
        repeat,
        show,
        problems,
        setPassphrase,
        setRepeat,
        setShow,
        clear: () => {
            setPassphrase('');
            setRepeat('');
        },
    };
}

/** The form's fields and what still stops it, worded by `words`. */
export function BackupPassphraseFields({ words, state }: { words: 'backups.flow.passphrase' | 'review.passphrase' | 'jobs.passphrase'; state: BackupPassphrase }): ReactNode {
    const { t } = useTranslation();
    return (
        <>
            <NewPassphrase words={words} passphrase={state.passphrase} repeat={state.repeat} show={state.show} onPassphrase={state.setPassphrase} onRepeat={state.setRepeat} onShow={state.setShow} />
            <MissingList label={t('backups.flow.problems.label')} problems={state.problems} />
        </>
    );
}
