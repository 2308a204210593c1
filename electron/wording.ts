/**
 * English words on the Node side (the CLI, logs, --json, the journal) from the same locale file the
 * page uses, so a sentence is written once. Importing this module installs it as the wording of
 * every ReviveError made from a code and its facts, and of every coded log line.
 *
 * i18next and the locale are loaded when the first sentence is worded, not on import: a `revive`
 * command that succeeds without one (a flash, a push) starts ~15 ms of CPU sooner.
 */
import { createRequire } from 'node:module';
import type { i18n } from 'i18next';
import { errorKeys, type ErrorCode, type ErrorFacts } from '../common/error-codes.js';
import { setErrorWording } from '../native/jobs/errors.js';
import { setLogWording } from '../native/jobs/log-note.js';
import { englishLocale } from './english-locale.js';

let english: i18n | undefined;

/** The i18next instance, made on first use; synchronous, as wording a ReviveError is. */
function words(): i18n {
    if (english) return english;
    const i18next = createRequire(import.meta.url)('i18next') as i18n;
    const instance = i18next.createInstance();
    void instance.init({
        resources: { en: { translation: englishLocale() } },
        lng: 'en',
        fallbackLng: false,
        initAsync: false,
        // Step ids contain ':' (install:rom); keys are nested with '.' only — as on the page.
        nsSeparator: false,
        interpolation: { escapeValue: false },
        returnNull: false,
    });
    english = instance;
    return instance;
}

/** One English text from the locale file, with its facts filled in. */
export function englishText(key: string, facts: ErrorFacts = {}): string {
    return words().t(key, { ...facts });
}

/** A code and its facts as English: title, message and next step. */
export function englishError(code: ErrorCode, facts: ErrorFacts): { title: string; message: string; nextStep: string } {
    const keys = errorKeys(code, facts);
    const en = words();
    return { title: en.t(keys.title, keys.values), message: en.t(keys.message, keys.values), nextStep: en.t(keys.nextStep, keys.values) };
}

setErrorWording(englishError);
setLogWording((code, facts) => words().t(`logLines.${code}`, { ...facts }));
