/**
 * Everything that reaches a phone's shell (often TWRP's root shell) is quoted by this one function;
 * the names in it are checked first (../jobs/names.ts).
 */

/** One word for a POSIX shell: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, each quoted. */
export function shellCommand(...words: readonly string[]): string {
    return words.map(shellQuote).join(' ');
}
