/** `revive twrp …`: TWRP's command line over adb (wipe, format, backup, restore) and fetching backups. */
import { Twrp } from '../../native/adb/twrp.js';
import type { JobContext } from '../../native/jobs/progress.js';
import { openAdbSession } from './adb.js';
import { DEVICE_USAGE, deviceOptions } from './device-options.js';
import { jobContext as adbJobContext } from './progress.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';

interface TwrpCommandSpec {
    readonly name: string;
    readonly usage: string;
    readonly positionals: [number, number];
    readonly work: (twrp: Twrp, positionals: string[], io: CliIo) => Promise<void>;
}

function twrpCommand({ name, usage, positionals: count, work }: TwrpCommandSpec): CliCommand {
    return {
        name: `twrp ${name}`,
        usage: `revive twrp ${usage} ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: deviceOptions, allowPositionals: true, strict: true });
            if (positionals.length < count[0] || positionals.length > count[1]) throw new CliUsageError(`Expected ${usage}.`);
            const session = await openAdbSession(values, io);
            try {
                await work(new Twrp(session.phone), positionals, io);
                return 0;
            } finally {
                await session.close();
            }
        },
    };
}

/** TWRP's own lines go to stdout once (printLines), not again through the log. */
function jobContext(io: CliIo): JobContext {
    return { ...adbJobContext(io), onLog: undefined };
}

const WIPE_TARGETS = ['cache', 'system', 'data', 'dalvik'] as const;

function printLines(io: CliIo, lines: readonly string[]): void {
    for (const line of lines) io.out(`${line}\n`);
}

export const commands: readonly CliCommand[] = [
    twrpCommand({
        name: 'wipe',
        usage: 'wipe cache|system|data|dalvik',
        positionals: [1, 1],
        work: async (twrp, [part = ''], io) => {
            if (!(WIPE_TARGETS as readonly string[]).includes(part)) throw new CliUsageError(`wipe takes ${WIPE_TARGETS.join(', ')}; not "${part}".`);
            printLines(io, (await twrp.wipe(part as (typeof WIPE_TARGETS)[number], jobContext(io))).lines);
        },
    }),
    twrpCommand({
        name: 'format-data',
        usage: 'format-data',
        positionals: [0, 0],
        work: async (twrp, _p, io) => printLines(io, (await twrp.formatData(jobContext(io))).lines),
    }),
    twrpCommand({
        name: 'backup',
        usage: 'backup LETTERS [NAME]',
        positionals: [1, 2],
        work: async (twrp, [letters = '', name], io) => {
            const backupName = name ?? `revive-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`;
            printLines(io, (await twrp.backup(letters, backupName, jobContext(io))).lines);
            io.out(`Backup: ${await twrp.backupFolder(backupName)}\n`);
        },
    }),
    twrpCommand({
        name: 'restore',
        usage: 'restore NAME [LETTERS]',
        positionals: [1, 2],
        work: async (twrp, [name = '', letters], io) => printLines(io, (await twrp.restore(name, letters, jobContext(io))).lines),
    }),
    twrpCommand({
        name: 'pull-backup',
        usage: 'pull-backup NAME DIR',
        positionals: [2, 2],
        work: async (twrp, [name = '', dir = ''], io) => {
            const checks = await twrp.pullBackup(name, dir, jobContext(io));
            for (const check of checks) io.out(`${check.file}: sha256 ${check.sha256} OK\n`);
            io.out(`All ${checks.length} files match their digests; saved in ${dir}\n`);
        },
    }),
];
