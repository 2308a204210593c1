/**
 * Names Revive puts into paths and phone commands (backup names, job ids) and names a phone gives
 * for its files: strict patterns, so none of them can carry a separator, `..`, a quote or a command.
 */
import { ReviveError } from './errors.js';

/** A plain file name as phones and TWRP write them; `\` is a separator on Windows, so never part of one. */
const PLAIN_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

export function isPlainFileName(name: string): boolean {
    return PLAIN_FILE_NAME.test(name) && name !== '.' && name !== '..';
}

/** Backup names and job ids: letters, digits, `.`, `_`, `-`, not starting with `.` or `-`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type NameKind = 'backup' | 'job';

/** The name itself when it is plain, else a refusal (before anything reaches the phone or the disk). */
export function checkedName(kind: NameKind, name: string): string {
    if (NAME.test(name)) return name;
    throw new ReviveError({
        code: 'bad-name',
        message: `"${name.slice(0, 80)}" cannot be a ${kind === 'job' ? 'job id' : 'backup name'}: only letters, digits, dots, dashes and underscores, starting with a letter or digit.`,
        nextStep: kind === 'job' ? 'Give the job id exactly as Revive printed it (like 20260101-120000-ab12cd).' : 'Give a backup name like revive-2026-01-01. Nothing was sent to the phone.',
        details: { kind, name: name.slice(0, 80) },
    });
}
