/**
 * A log line made of a code and facts (common/log-codes.ts): `line` holds its English words for the
 * terminal and the journal, from the wording the app's edge installs; the page words the code in
 * the person's language.
 */
import type { ErrorFacts } from '../../common/error-codes.js';
import type { LogCode, LogFactsOf, LogNote } from '../../common/log-codes.js';
import type { JobContext } from './progress.js';

export type { LogNote };

let wording: (code: LogCode, facts: ErrorFacts) => string = (code, facts) => `${code} ${JSON.stringify(facts)}`;

export function setLogWording(words: (code: LogCode, facts: ErrorFacts) => string): void {
    wording = words;
}

/** The English line for a note. */
export function logLine(note: LogNote): string {
    return wording(note.code, note.facts);
}

/** Write one coded line to a job's log. */
export function logNote<C extends LogCode>(ctx: Pick<JobContext, 'onLog'> | undefined, code: C, facts: LogFactsOf<C>): void {
    const note: LogNote = { code, facts };
    ctx?.onLog?.(logLine(note), note);
}
