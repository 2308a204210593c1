/**
 * Every line a job writes to its log in its own words, with the facts those words use. Like error
 * codes (error-codes.ts): the backend sends the code and facts, the page words them from
 * `logLines.<code>` in renderer/locales/{en,de}/translation.json, and on Node the same English
 * words go to the terminal and the journal. Lines a phone or a tool says itself (fastboot INFO,
 * TWRP's output) stay as they were said.
 */
import type { ErrorFacts, FactValue } from './error-codes.js';

export const LOG_CODES = {
    // Waiting for the phone, and the mode changes in between.
    'waiting-for-phone': ['seconds', 'mode'],
    'waiting-for-allow': ['seconds'],
    'sideload-asked': [],
    'sideload-dropped': [],
    'recovery-silent': ['seconds'],
    'recovery-stock-known': ['how'],
    'recovery-stock-journalled': [],
    // The copy of internal storage and TWRP's backup.
    'storage-to-copy': ['count', 'bytes'],
    'backup-parts': ['parts'],
    'backup-finished': ['folder'],
    'backup-copying': ['file'],
    'backup-raw-copying': ['partition', 'device', 'file'],
    // The gate.
    'checksum-matches': ['file', 'source'],
    'recovery-built-for': ['file', 'devices', 'propFile'],
    'recovery-unreadable': ['file', 'reason', 'propFile', 'compression'],
    // Sideload and TWRP.
    'sideload-all-sent': ['file', 'minutes'],
    'twrp-leaving-sideload': [],
    'phone-no-sha256': ['file'],
    // The download job.
    'download-resuming': ['url', 'byte'],
    'download-dropped': ['host', 'bytes'],
    'download-cached': ['file', 'source'],
    'download-verified': ['file', 'url', 'checks'],
    'download-source-failed': ['file', 'url', 'reason', 'detail'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type LogCode = keyof typeof LOG_CODES;
/** One coded log line: its code and the facts its words use. */
export interface LogNote {
    readonly code: LogCode;
    readonly facts: ErrorFacts;
}

export type LogFactsOf<C extends LogCode> = { readonly [K in (typeof LOG_CODES)[C][number]]: FactValue };
