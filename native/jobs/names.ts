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
    throw ReviveError.of('bad-name', { variant: kind, kind, name: name.slice(0, 80) });
}
