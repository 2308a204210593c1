/** One `revive` sub-command. Each group (pit, odin, fastboot, adb, …) lives in its own module. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface CliIo {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    /** True when stdout is a terminal (progress bars) rather than a pipe (plain lines / JSON). */
    readonly interactive: boolean;
    /** Aborted on Ctrl-C. */
    readonly signal: AbortSignal;
}

export interface CliCommand {
    /** Words after `revive`, e.g. `pit print` or `devices`. */
    readonly name: string;
    /** Usage line(s) shown by `revive help NAME` and on a usage error. */
    readonly usage: string;
    run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage mistake: the CLI prints the command's usage and exits 2. */
export class CliUsageError extends Error {
    override readonly name = 'CliUsageError';
}

/** parseArgs, with its complaints (unknown option, missing value) turned into usage errors. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
    try {
        return parseArgs(config);
    } catch (error) {
        if (error instanceof TypeError) throw new CliUsageError(error.message);
        throw error;
    }
}
