/**
 * Waits told to a program reading --json: nobody watches the terminal, so a wait is one `log` line on
 * stdout whose note says what it waits for and for how long at most (the same vocabulary as a job's
 * log events), and it is bounded, as nobody is there to tap Allow.
 */
import { logLine, type LogNote } from '../../native/jobs/log-note.js';

/**
 * Without a person (--yes, --json) a wait for someone to act — keys to hold, a cable to plug, Allow
 * to tap — ends after this long (--wait sets it), with a message saying what it waited for.
 */
export const NO_PERSON_WAIT_MS = 120_000;

/** The --json line for "the phone asks Allow USB debugging?", waited for at most `ms`. */
export function allowWaitLine(ms: number, extra: Readonly<Record<string, string>> = {}): string {
    const note: LogNote = { code: 'waiting-for-allow', facts: { seconds: Math.round(ms / 1000) } };
    return `${JSON.stringify({ type: 'log', ...extra, at: new Date().toISOString(), line: logLine(note), note })}\n`;
}
