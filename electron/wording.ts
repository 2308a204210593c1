/**
 * English words on the Node side (the CLI, logs, --json, the journal) from the same locale file the
 * page uses, so a sentence is written once. Importing this module installs it as the wording of
 * every ReviveError made from a code and its facts, and of every coded log line.
 */
import i18next from 'i18next';
import { errorKeys, type ErrorCode, type ErrorFacts } from '../common/error-codes.js';
import { setErrorWording } from '../native/jobs/errors.js';
import { setLogWording } from '../native/jobs/log-note.js';
import en from '../renderer/locales/en/translation.json' with { type: 'json' };

const english = i18next.createInstance();
void english.init({
    resources: { en: { translation: en } },
    lng: 'en',
    fallbackLng: false,
    initAsync: false,
    // Step ids contain ':' (install:rom); keys are nested with '.' only — as on the page.
    nsSeparator: false,
    interpolation: { escapeValue: false },
    returnNull: false,
});

/** One English text from the locale file, with its facts filled in. */
export function englishText(key: string, facts: ErrorFacts = {}): string {
    return english.t(key, { ...facts });
}

/** A code and its facts as English: title, message and next step. */
export function englishError(code: ErrorCode, facts: ErrorFacts): { title: string; message: string; nextStep: string } {
    const keys = errorKeys(code, facts);
    return { title: english.t(keys.title, keys.values), message: english.t(keys.message, keys.values), nextStep: english.t(keys.nextStep, keys.values) };
}

setErrorWording(englishError);
setLogWording((code, facts) => english.t(`logLines.${code}`, { ...facts }));
