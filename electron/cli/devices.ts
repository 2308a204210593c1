/** `revive devices`: list phones on local USB, USB/IP servers and (with --virtual) a virtual phone. */
import { parseArgs } from 'node:util';
import type { DetectedDevice } from '../../native/usb/watcher.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { usbipSources } from '../phone-finding/usbip-sources.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { listingWatcher, modeOfDetected } from '../phone-finding/listing.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = 'revive devices [--watch] [--json] [--usbip HOST:PORT]… [--virtual CODENAME]';

const hex = (n: number): string => n.toString(16).padStart(4, '0');

function describe(device: DetectedDevice): Record<string, string | number | null> {
    return {
        id: device.id,
        /** Where it is plugged in; `--device` takes it (`usb:1-3.4`, `usbip:HOST:PORT/BUSID`). */
        port: device.port ?? null,
        name: device.name ?? ([device.manufacturer, device.product].filter(Boolean).join(' ') || 'Unknown device'),
        mode: device.mode,
        /** What a person would call the mode (android, recovery, download…), from USB and adbd's banner. */
        phoneMode: modeOfDetected(device) ?? 'unknown',
        state: device.state,
        usb: `${hex(device.vendorId)}:${hex(device.productId)}`,
        source: device.source,
        serial: device.serial ?? null,
        recipe: device.recipeId ?? null,
    };
}

function printTable(io: CliIo, devices: readonly DetectedDevice[]): void {
    if (devices.length === 0) {
        io.out('No phones found.\n');
        return;
    }
    const rows = devices.map(describe);
    const columns = ['port', 'name', 'phoneMode', 'state', 'usb', 'serial'] as const;
    const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '-').length)));
    const heading = (c: string): string => (c === 'phoneMode' ? 'MODE' : c.toUpperCase());
    io.out(`${columns.map((c, i) => heading(c).padEnd(widths[i] ?? 0)).join('  ')}\n`);
    for (const row of rows) io.out(`${columns.map((c, i) => String(row[c] ?? '-').padEnd(widths[i] ?? 0)).join('  ')}\n`);
}

async function devices(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
        args: [...args],
        options: {
            watch: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            usbip: { type: 'string', multiple: true, default: [] },
            virtual: { type: 'string' },
        },
        strict: true,
    });
    let servers: string[];
    try {
        servers = usbipSources(values.usbip);
    } catch (error) {
        if (error instanceof ReviveError) throw new CliUsageError(`--usbip: ${error.message} ${error.nextStep}`);
        throw error;
    }
    // adb phones show adbd's own state (recovery, sideload, unauthorized), asked without prompting.
    const watcher = listingWatcher({ pollMs: 500 });
    const notices: string[] = [];
    watcher.on('notice', (message) => {
        notices.push(message);
        if (values.watch) io.err(`${message}\n`);
    });
    let phone: VirtualPhone | undefined;
    try {
        if (values.virtual) {
            const { VirtualPhone } = await import('../../native/virtual/phone.js');
            phone = await VirtualPhone.create({ codename: values.virtual, mode: 'android' });
            watcher.addVirtualPhone(phone);
        }
        if (values.watch) {
            const print = (event: 'attach' | 'detach', device: DetectedDevice): void => {
                const info = describe(device);
                if (values.json) io.out(`${JSON.stringify({ event, ...info })}\n`);
                else io.out(`${event === 'attach' ? '+' : '-'} ${info.name}  ${info.phoneMode}/${info.state}  ${info.usb}  ${info.port ?? info.id}\n`);
            };
            watcher.on('attach', (d) => print('attach', d));
            watcher.on('detach', (d) => print('detach', d));
        }
        await watcher.startLocal();
        const firstPolls = servers.map((address) => watcher.addUsbIpSource(address));
        if (values.watch) {
            await new Promise<void>((resolve) => {
                if (io.signal.aborted) return resolve();
                io.signal.addEventListener('abort', () => resolve(), { once: true });
            });
            return 0;
        }
        await Promise.all(firstPolls);
        const found = watcher.list();
        if (values.json) for (const device of found) io.out(`${JSON.stringify(describe(device))}\n`);
        else {
            printTable(io, found);
            for (const notice of notices) io.err(`note: ${notice}\n`);
        }
        return 0;
    } finally {
        watcher.close();
        await phone?.close();
    }
}

export const commands: readonly CliCommand[] = [
    {
        name: 'devices',
        usage: USAGE,
        run: devices,
    },
];
