/**
 * `revive odin …`: Samsung download mode on a real phone (local USB, USB/IP) or a virtual one.
 * Flags follow Heimdall's: `--RECOVERY twrp.img`, `--no-reboot`, `--resume`.
 */
import { writeFile } from 'node:fs/promises';
import { openTransport } from '../../native/devices/open.js';
import type { DeviceRef } from '../../native/devices/ref.js';
import { readLimitedFile } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { ProgressTracker, type JobContext, type ProgressEvent } from '../../native/jobs/progress.js';
import { firmwareFlashFiles, inspectFirmware } from '../../native/odin/firmware.js';
import { odinDownloadPit, odinFlash, odinReboot, type OdinFlashFile } from '../../native/odin/flash.js';
import { formatPit, parsePit, PIT_MAX_FILE_SIZE } from '../../native/pit/index.js';
import type { UsbTransport } from '../../native/usb/transport.js';
import { formatBytes } from '../../common/format-bytes.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';
import { deviceRefFromOptions } from './device-options.js';

const DEVICE_USAGE = '[-s SERIAL|usb:BUS-PORT|usbip:HOST:PORT | --usbip HOST:PORT | --virtual CODENAME [--virtual-state DIR]]';
const SESSION_USAGE = '[--no-reboot] [--resume]';

/** Options every odin command takes; values are strings, switches `true`. */
interface Parsed {
    readonly options: Map<string, string | true>;
    /** `--NAME FILE` pairs that are not options: partitions to flash, in order. */
    readonly partitions: Array<{ partition: string; file: string }>;
    readonly tars: string[];
    /** The phone named by -s, --usbip or --virtual; undefined: the one in download mode on local USB. */
    readonly device: DeviceRef | undefined;
}

const VALUE_OPTIONS = new Set(['serial', 'usbip', 'virtual', 'virtual-state', 'output', 'pit']);
const SWITCHES = new Set(['no-reboot', 'resume', 'repartition', 'i-understand-repartition']);

function parseOdinArgs(args: readonly string[], allow: { partitions: boolean; options: readonly string[] }): Parsed {
    const options = new Map<string, string | true>();
    const partitions: Array<{ partition: string; file: string }> = [];
    const tars: string[] = [];
    for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        if (arg === '-s') {
            const value = args[++i];
            if (value === undefined) throw new CliUsageError('-s needs a value.');
            options.set('serial', value);
            continue;
        }
        if (!arg.startsWith('--') || arg.length < 3) throw new CliUsageError(`Unexpected argument "${arg}".`);
        const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
        // Heimdall aliases --PIT to --pit.
        const name = rawName === 'PIT' ? 'pit' : rawName;
        const takeValue = (): string => {
            const value = inline ?? args[++i];
            if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new CliUsageError(`--${rawName} needs a value.`);
            return value;
        };
        if (SWITCHES.has(name) || VALUE_OPTIONS.has(name) || name === 'tar') {
            if (!allow.options.includes(name) && !['serial', 'usbip', 'virtual', 'virtual-state', 'no-reboot', 'resume'].includes(name)) throw new CliUsageError(`--${name} does not apply to this command.`);
            if (name === 'tar') tars.push(takeValue());
            else if (SWITCHES.has(name)) options.set(name, true);
            else options.set(name, takeValue());
            continue;
        }
        if (!allow.partitions) throw new CliUsageError(`Unknown option --${rawName}.`);
        partitions.push({ partition: rawName, file: takeValue() });
    }
    const text = (name: string): string | undefined => {
        const value = options.get(name);
        return typeof value === 'string' ? value : undefined;
    };
    const device = deviceRefFromOptions({ serial: text('serial'), usbip: text('usbip'), virtual: text('virtual'), 'virtual-state': text('virtual-state') });
    return { options, partitions, tars, device };
}

/** A bar on a terminal; a plain line every 10 % otherwise (logs, CI). */
function progressPrinter(io: CliIo): (event: ProgressEvent) => void {
    let lastStep = '';
    let lastTenth = -1;
    return (event) => {
        // The PIT is a few KiB: a progress line for it is noise.
        if (event.step === 'pit:download') return;
        const fraction = event.bytesTotal > 0 ? event.bytesDone / event.bytesTotal : 1;
        const percent = Math.floor(fraction * 100);
        const rate = event.rate > 0 ? `${formatBytes(event.rate)}/s` : '';
        const eta = event.etaSeconds !== null && event.etaSeconds > 0 && fraction < 1 ? `, ${Math.ceil(event.etaSeconds)} s left` : '';
        if (io.interactive) {
            const width = 30;
            const filled = Math.round(fraction * width);
            io.err(`\r${event.step.padEnd(18)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${rate}${eta}   ${fraction >= 1 ? '\n' : ''}`);
            return;
        }
        const tenth = Math.floor(percent / 10);
        if (event.step === lastStep && tenth === lastTenth) return;
        lastStep = event.step;
        lastTenth = tenth;
        io.err(`${event.step}: ${percent}% (${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)})${rate ? `, ${rate}` : ''}\n`);
    };
}

function jobContext(io: CliIo): JobContext {
    const tracker = new ProgressTracker(progressPrinter(io));
    return { signal: io.signal, onLog: (line) => io.err(`${line}\n`), onProgress: (facts) => tracker.report(facts) };
}

function sessionOptions(parsed: Parsed): { reboot: boolean; resume: boolean } {
    return { reboot: !parsed.options.has('no-reboot'), resume: parsed.options.has('resume') };
}

async function withDevice<T>(parsed: Parsed, io: CliIo, work: (transport: UsbTransport) => Promise<T>): Promise<T> {
    const connection = await openTransport(parsed.device, 'samsung-download', { signal: io.signal });
    try {
        return await work(connection.transport);
    } finally {
        await connection.close();
    }
}

const printPit: CliCommand = {
    name: 'odin print-pit',
    usage: `revive odin print-pit ${SESSION_USAGE} ${DEVICE_USAGE}`,
    async run(args, io) {
        const parsed = parseOdinArgs(args, { partitions: false, options: [] });
        const pit = await withDevice(parsed, io, (transport) => odinDownloadPit(transport, sessionOptions(parsed), jobContext(io)));
        io.out(formatPit(parsePit(pit, "The phone's partition table")));
        return 0;
    },
};

const downloadPit: CliCommand = {
    name: 'odin download-pit',
    usage: `revive odin download-pit --output FILE ${SESSION_USAGE} ${DEVICE_USAGE}`,
    async run(args, io) {
        const parsed = parseOdinArgs(args, { partitions: false, options: ['output'] });
        const output = parsed.options.get('output');
        if (typeof output !== 'string') throw new CliUsageError('--output FILE is required.');
        const pit = await withDevice(parsed, io, (transport) => odinDownloadPit(transport, sessionOptions(parsed), jobContext(io)));
        await writeFile(output, pit);
        io.out(`Saved the phone's partition table (${pit.length} bytes) to ${output}.\n`);
        return 0;
    },
};

const flash: CliCommand = {
    name: 'odin flash',
    usage: `revive odin flash [--PARTITION FILE]… [--tar FIRMWARE.tar.md5]… [--repartition --pit FILE --i-understand-repartition] ${SESSION_USAGE} ${DEVICE_USAGE}`,
    async run(args, io) {
        const parsed = parseOdinArgs(args, { partitions: true, options: ['tar', 'pit', 'repartition', 'i-understand-repartition'] });
        const repartition = parsed.options.has('repartition');
        const pitFile = parsed.options.get('pit');
        if (repartition && typeof pitFile !== 'string') throw new CliUsageError('--repartition needs --pit FILE.');
        if (!repartition && pitFile !== undefined) throw new CliUsageError('--pit is only used with --repartition.');
        if (repartition && !parsed.options.has('i-understand-repartition')) {
            throw ReviveError.of('odin-repartition-unconfirmed', {});
        }
        if (parsed.partitions.length === 0 && parsed.tars.length === 0 && !repartition) throw new CliUsageError('Name at least one --PARTITION FILE or --tar FIRMWARE.');
        const ctx = jobContext(io);
        // Archives are verified (MD5) and indexed before the phone is touched.
        const files: OdinFlashFile[] = parsed.partitions.map(({ partition, file }) => ({ partition, source: { path: file } }));
        for (const tar of parsed.tars) {
            const archive = await inspectFirmware(tar, ctx);
            if (archive.md5) io.err(`${tar}: MD5 verified.\n`);
            for (const ignored of archive.ignored) io.err(`${tar}: ignoring ${ignored.name} (${ignored.reason}).\n`);
            files.push(...firmwareFlashFiles(archive));
        }
        const repartitionPit = typeof pitFile === 'string' ? await readLimitedFile(pitFile, { what: 'pit', maxBytes: PIT_MAX_FILE_SIZE }) : undefined;
        const result = await withDevice(parsed, io, (transport) =>
            odinFlash(transport, { files, ...sessionOptions(parsed), repartitionPit, expertRepartition: repartition && parsed.options.has('i-understand-repartition') }, ctx),
        );
        for (const item of result.flashed) io.out(`${item.partition}: ${item.bytes} bytes flashed.\n`);
        for (const name of result.skipped) io.out(`${name}: skipped (this phone has no partition for it).\n`);
        io.out(result.rebooted ? 'Done; the phone is restarting.\n' : 'Done; the phone stays in download mode (use --resume next time).\n');
        return 0;
    },
};

const reboot: CliCommand = {
    name: 'odin reboot',
    usage: `revive odin reboot [--resume] ${DEVICE_USAGE}`,
    async run(args, io) {
        const parsed = parseOdinArgs(args, { partitions: false, options: [] });
        if (parsed.options.has('no-reboot')) throw new CliUsageError('--no-reboot makes no sense here.');
        await withDevice(parsed, io, (transport) => odinReboot(transport, { resume: parsed.options.has('resume') }, jobContext(io)));
        io.out('The phone is restarting.\n');
        return 0;
    },
};

export const commands: readonly CliCommand[] = [printPit, downloadPit, flash, reboot];
