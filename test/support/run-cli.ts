/** Run `revive ARGS…` in-process (electron/cli main) and collect its exit status, stdout and stderr. */
import { main } from '../../electron/cli.js';

export interface CliRun {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

export async function runCli(args: readonly string[]): Promise<CliRun> {
    let out = '';
    let err = '';
    const code = await main([...args], { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
    return { code, out, err };
}

/** runCli with the words as arguments: `await revive('pit', 'print', file)`. */
export function revive(...args: string[]): Promise<CliRun> {
    return runCli(args);
}
