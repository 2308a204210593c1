/**
 * `revive`: the command line over the same jobs the desktop app runs. Runs under plain Node.
 */
import { ReviveError } from '../native/jobs/errors.js';
import { checkSilenceBounds } from '../native/jobs/silence-bounds.js';
import './wording.js';
import { CliUsageError, type CliIo } from './cli/command.js';
import { deviceOptionsAfterCommand } from './cli/device-options.js';
import { catalog, loadCommand, type CatalogEntry } from './cli/index.js';

function findCommand(argv: readonly string[]): { entry: CatalogEntry; rest: readonly string[] } | undefined {
    let best: { entry: CatalogEntry; words: number } | undefined;
    for (const entry of catalog) {
        const words = entry.name.split(' ');
        if (words.every((word, i) => argv[i] === word) && (!best || words.length > best.words)) best = { entry, words: words.length };
    }
    return best ? { entry: best.entry, rest: argv.slice(best.words) } : undefined;
}

function help(io: CliIo): void {
    // Plain code-unit order: the names are ASCII, and localeCompare's first call loads ICU's collator (~10 ms of a `revive help`).
    const commands = [...catalog].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const width = Math.max(...commands.map((c) => c.name.length), 8);
    io.out('Revive: give an old Android phone a current, hardened OS.\n\nUsage: revive <command> [options]\n\nCommands:\n');
    for (const command of commands) io.out(`  ${command.name.padEnd(width)}  ${command.summary}\n`);
    io.out('\nRun `revive help <command>` for its options.\n');
}

export async function main(argv: readonly string[], io?: Partial<CliIo>): Promise<number> {
    const controller = new AbortController();
    const onSigint = (): void => controller.abort(new Error('Interrupted'));
    if (!io?.signal) process.once('SIGINT', onSigint);
    const cliIo: CliIo = {
        out: io?.out ?? ((text) => void process.stdout.write(text)),
        err: io?.err ?? ((text) => void process.stderr.write(text)),
        interactive: io?.interactive ?? Boolean(process.stdout.isTTY),
        signal: io?.signal ?? controller.signal,
    };
    try {
        if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
            const target = argv[0] === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
            if (target) cliIo.out(`${target.entry.summary}\n\nUsage: ${(await loadCommand(target.entry)).usage}\n`);
            else help(cliIo);
            return 0;
        }
        const found = findCommand(deviceOptionsAfterCommand(argv, (words) => catalog.some((entry) => entry.name === words.join(' '))));
        if (!found) {
            cliIo.err(`revive: unknown command "${argv.join(' ')}". Run \`revive help\` to see the commands.\n`);
            return 2;
        }
        const command = await loadCommand(found.entry);
        checkSilenceBounds();
        try {
            return await command.run(found.rest, cliIo);
        } catch (error) {
            if (error instanceof CliUsageError) {
                cliIo.err(`revive ${command.name}: ${error.message}\nUsage: ${command.usage}\n`);
                return 2;
            }
            throw error;
        }
    } catch (error) {
        const failure = ReviveError.from(error);
        cliIo.err(`Error: ${failure.message}\nWhat to do: ${failure.nextStep}\n`);
        return 1;
    } finally {
        process.removeListener('SIGINT', onSigint);
    }
}
