/**
 * Everything that reaches a phone's shell (often TWRP's root shell) is quoted by this one function.
 */

/** One word for a POSIX shell: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}
