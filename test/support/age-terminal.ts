/**
 * Debian's age with a passphrase typed at its prompt: age reads passphrases only from a terminal,
 * so it runs inside a pseudo-terminal made by util-linux `script`, the lines fed to it.
 */
import { spawnSync } from 'node:child_process';

/** Run age with `lines` typed at its /dev/tty prompts; throws with what it said when it fails. */
export function ageOnTerminal(args: readonly string[], lines: readonly string[]): void {
    const command = ['age', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { input: lines.map((l) => `${l}\n`).join(''), encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`age ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
}
