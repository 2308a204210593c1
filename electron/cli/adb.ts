/**
 * `revive adb …`: adb on a real phone (local USB, USB/IP, TCP) or a virtual one, with adb's own
 * device syntax (`-s SERIAL`, `-s tcp:HOST:PORT`, before or after the sub-command) plus
 * `-s usb:BUS-PORT`, `-s usbip:HOST:PORT` (or `--usbip`) and `--virtual`.
 */
import { connectAdb, type AdbPhone, type AdbRebootMode } from '../../native/adb/phone.js';
import { localUsbDevices, openAdbTarget } from '../../native/devices/open.js';
import { hashFile } from '../../native/integrity/hash.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { DEVICE_USAGE, deviceOptions, deviceRefFromOptions, ownerChoice, type DeviceValues } from './device-options.js';
import { jobContext } from './progress.js';
import { allowWaitLine, NO_PERSON_WAIT_MS } from './json-waits.js';

export interface AdbSession {
    readonly phone: AdbPhone;
    readonly virtual: VirtualPhone | undefined;
    close(): Promise<void>;
}

function waitingNotice(io: CliIo): (message: string) => void {
    return (message) => io.err(`${message} (the phone asks "Allow USB debugging?").\n`);
}

/**
 * `json`: a program reads stdout and nobody taps Allow, so that wait is a --json line there and ends
 * after `waitMs` (default NO_PERSON_WAIT_MS) with a message saying so.
 */
export async function openAdbSession(values: DeviceValues, io: CliIo, noPerson: { json: boolean; waitMs?: number | undefined } = { json: false }): Promise<AdbSession> {
    const ref = deviceRefFromOptions(values);
    const opened = await openAdbTarget(ref, { signal: io.signal, owner: ref?.kind === 'virtual' ? ownerChoice(values.owner, io) : undefined });
    try {
        const allowMs = noPerson.json ? (noPerson.waitMs ?? NO_PERSON_WAIT_MS) : undefined;
        const onWaitingForAuth = allowMs === undefined ? waitingNotice(io) : () => io.out(allowWaitLine(allowMs));
        const phone = await connectAdb(opened.target, { signal: io.signal, onWaitingForAuth, allowTimeoutMs: allowMs });
        return {
            phone,
            virtual: opened.virtual,
            async close() {
                await phone.close();
                await opened.close();
            },
        };
    } catch (error) {
        await opened.close();
        throw error;
    }
}

interface AdbCommandSpec {
    readonly name: string;
    readonly usage: string;
    readonly options?: Record<string, { type: 'string' }>;
    readonly positionals: [number, number];
    readonly work: (session: AdbSession, positionals: string[], values: Record<string, string | undefined>, io: CliIo) => Promise<number | void>;
}

function adbCommand({ name, usage, options: extra = {}, positionals: count, work }: AdbCommandSpec): CliCommand {
    return {
        name: `adb ${name}`,
        usage: `revive adb ${usage} ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { ...deviceOptions, ...extra }, allowPositionals: true, strict: true });
            if (positionals.length < count[0] || positionals.length > count[1]) throw new CliUsageError(`Expected ${usage}.`);
            const session = await openAdbSession(values, io);
            try {
                return (await work(session, positionals, values as Record<string, string | undefined>, io)) ?? 0;
            } finally {
                await session.close();
            }
        },
    };
}

const REBOOT_MODES: readonly AdbRebootMode[] = ['system', 'bootloader', 'recovery', 'sideload', 'download'];

export const commands: readonly CliCommand[] = [
    {
        name: 'adb devices',
        usage: `revive adb devices ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values } = parseCliArgs({ args: [...args], options: deviceOptions, allowPositionals: false, strict: true });
            if (deviceRefFromOptions(values)) {
                const session = await openAdbSession(values, io);
                try {
                    io.out(`${session.phone.serial}\t${session.phone.state}\n`);
                } finally {
                    await session.close();
                }
                return 0;
            }
            const { devices } = await localUsbDevices('adb');
            io.out('List of devices attached\n');
            // Listing does not connect: connecting would make an unknown phone ask for permission.
            for (const device of devices) io.out(`${device.serialNumber ?? '(no serial)'}\t${device.productName ?? 'adb'}\n`);
            return 0;
        },
    },
    adbCommand({
        name: 'shell',
        usage: 'shell COMMAND...',
        positionals: [1, Number.MAX_SAFE_INTEGER],
        work: async (session, positionals, _values, io) => {
            const result = await session.phone.shell(positionals.join(' '));
            io.out(result.stdout);
            if (result.stderr) io.err(result.stderr);
            return result.exitCode;
        },
    }),
    adbCommand({
        name: 'push',
        usage: 'push LOCAL REMOTE',
        positionals: [2, 2],
        work: async (session, [local = '', remote = ''], _values, io) => {
            const { sha256, bytes, checkedOn } = await session.phone.push(local, remote, jobContext(io), { verifyOnPhone: true });
            const how = checkedOn === 'phone' ? "the phone's copy matches" : 'the phone cannot hash files; this is the hash of what was sent';
            io.out(`${local} -> ${remote}: ${bytes} bytes, sha256 ${sha256} (${how})\n`);
        },
    }),
    adbCommand({
        name: 'pull',
        usage: 'pull REMOTE LOCAL',
        positionals: [2, 2],
        work: async (session, [remote = '', local = ''], _values, io) => {
            const { sha256, bytes } = await session.phone.pull(remote, local, jobContext(io));
            io.out(`${remote} -> ${local}: ${bytes} bytes, sha256 ${sha256}\n`);
        },
    }),
    adbCommand({
        name: 'install',
        usage: 'install APK',
        positionals: [1, 1],
        work: async (session, [apk = ''], _values, io) => {
            await session.phone.install(apk, jobContext(io));
            io.out('Success\n');
        },
    }),
    adbCommand({
        name: 'reboot',
        usage: 'reboot [system|bootloader|recovery|sideload|download]',
        positionals: [0, 1],
        work: async (session, [mode = 'system']) => {
            if (!REBOOT_MODES.includes(mode as AdbRebootMode)) throw new CliUsageError(`reboot takes ${REBOOT_MODES.join(', ')}; not "${mode}".`);
            await session.phone.reboot(mode as AdbRebootMode);
        },
    }),
    adbCommand({
        name: 'sideload',
        usage: 'sideload FILE [--sha256 HEX]',
        options: { sha256: { type: 'string' } },
        positionals: [1, 1],
        work: async (session, [file = ''], values, io) => {
            const expected = values['sha256']?.toLowerCase();
            if (expected !== undefined) {
                if (!/^[0-9a-f]{64}$/.test(expected)) throw new CliUsageError('--sha256 takes 64 hex digits.');
                const { sha256 } = await hashFile(file, { signal: io.signal });
                if (sha256 !== expected) {
                    throw ReviveError.of('sideload-checksum', { file, found: sha256, expected });
                }
            }
            await session.phone.sideload(file, jobContext(io));
            io.out(`Installed ${file}\n`);
        },
    }),
];
