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

/** The catalog's commands under a group's first word (`fastboot` → `fastboot flash`, `fastboot erase`, …). */
function groupCommands(word: string | undefined): CatalogEntry[] {
    return word === undefined ? [] : catalog.filter((entry) => entry.name.startsWith(`${word} `));
}

/** node:util parseArgs' complaints (unknown option, missing value): usage mistakes, whichever command parsed. */
function isParseArgsError(error: unknown): error is TypeError {
    const code = error instanceof TypeError ? (error as TypeError & { code?: unknown }).code : undefined;
    return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** `--help` or `-h` among a command's words, before a `--` that ends its options. */
function asksHelp(words: readonly string[]): boolean {
    for (const word of words) {
        if (word === '--') return false;
        if (word === '--help' || word === '-h') return true;
    }
    return false;
}

function listCommands(io: CliIo, commands: readonly CatalogEntry[]): void {
    // Plain code-unit order: the names are ASCII, and localeCompare's first call loads ICU's collator (~10 ms of a `revive help`).
    const sorted = [...commands].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const width = Math.max(...sorted.map((c) => c.name.length), 8);
    for (const command of sorted) io.out(`  ${command.name.padEnd(width)}  ${command.summary}\n`);
}

function groupHelp(io: CliIo, word: string, commands: readonly CatalogEntry[]): void {
    io.out(`Usage: revive ${word} <command> [options]\n\nCommands:\n`);
    listCommands(io, commands);
    io.out(`\nRun \`revive help ${word} <command>\` for its options.\n`);
}

function help(io: CliIo): void {
    io.out('Revive: give an old Android phone a current, hardened OS.\n\nUsage: revive <command> [options]\n\nCommands:\n');
    listCommands(io, catalog);
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
            const group = argv[0] === 'help' && !target ? groupCommands(argv[1]) : [];
            if (target) cliIo.out(`${target.entry.summary}\n\nUsage: ${(await loadCommand(target.entry)).usage}\n`);
            else if (group.length > 0) groupHelp(cliIo, argv[1] ?? '', group);
            else help(cliIo);
            return 0;
        }
        const found = findCommand(deviceOptionsAfterCommand(argv, (words) => catalog.some((entry) => entry.name === words.join(' '))));
        if (!found) {
            // A group's word alone, or with words that are not one of its commands: show what it has.
            const group = groupCommands(argv[0]);
            if (group.length > 0 && asksHelp(argv.slice(1))) {
                groupHelp(cliIo, argv[0] ?? '', group);
                return 0;
            }
            if (group.length > 0) {
                cliIo.err(argv.length === 1 ? `revive ${argv[0]}: which command?\n\n` : `revive: "${argv.join(' ')}" is not a command of revive ${argv[0]}.\n\n`);
                groupHelp({ ...cliIo, out: cliIo.err }, argv[0] ?? '', group);
                return 2;
            }
            cliIo.err(`revive: unknown command "${argv.join(' ')}". Run \`revive help\` to see the commands.\n`);
            return 2;
        }
        const command = await loadCommand(found.entry);
        // Only the first word: later ones may be a phone command's own (`revive adb shell ls -h`).
        if (found.rest[0] === '--help' || found.rest[0] === '-h') {
            cliIo.out(`${found.entry.summary}\n\nUsage: ${command.usage}\n`);
            return 0;
        }
        checkSilenceBounds();
        try {
            return await command.run(found.rest, cliIo);
        } catch (error) {
            if (error instanceof CliUsageError || isParseArgsError(error)) {
                // `--help` later among the options, where the command's own parser did not take it.
                if (asksHelp(found.rest)) {
                    cliIo.out(`${found.entry.summary}\n\nUsage: ${command.usage}\n`);
                    return 0;
                }
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
