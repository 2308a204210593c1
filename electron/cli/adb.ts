/**
 * `revive adb …`: adb on a real phone (local USB, USB/IP, TCP) or a virtual one, with adb's own
 * device syntax (`-s SERIAL`, `-s tcp:HOST:PORT`) plus `-s usbip:HOST:PORT` and `--virtual`.
 */
import { connectAdb, usbManagerFromDetach, type AdbPhone, type AdbRebootMode, type AdbTarget } from '../../native/adb/phone.js';
import { parseDeviceRef } from '../../native/devices/ref.js';
import { hashFile } from '../../native/integrity/hash.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { UsbIpClient } from '../../native/usbip/client.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import type { OwnerChoice } from '../../native/virtual/owner.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { jobContext } from './progress.js';

export const adbDeviceOptions = {
    serial: { type: 'string', short: 's' },
    virtual: { type: 'string' },
    'virtual-state': { type: 'string' },
    owner: { type: 'string' },
} as const;

export const ADB_DEVICE_USAGE = '[-s SERIAL | -s tcp:HOST:PORT | -s usbip:HOST:PORT | --virtual CODENAME [--virtual-state DIR] [--owner accept|deny|ask]]';

const ADB_CLASS = { classCode: 0xff, subclassCode: 0x42, protocolCode: 0x01 } as const;

export interface AdbSession {
    readonly phone: AdbPhone;
    readonly virtual: VirtualPhone | undefined;
    close(): Promise<void>;
}

function hasAdbInterface(device: USBDevice): boolean {
    return (device.configurations ?? []).some((c) =>
        c.interfaces.some((i) => i.alternates.some((a) => a.interfaceClass === ADB_CLASS.classCode && a.interfaceSubclass === ADB_CLASS.subclassCode && a.interfaceProtocol === ADB_CLASS.protocolCode)),
    );
}

function noDevice(where: string): ReviveError {
    return new ReviveError({
        code: 'adb-no-device',
        message: `No phone with adb was found ${where}.`,
        nextStep: 'Switch on USB debugging (or boot TWRP), connect the phone with a data cable, and try again.',
    });
}

async function localUsbDevices(): Promise<{ usb: USB; devices: USBDevice[] }> {
    const { WebUSB } = await import('usb');
    const usb = new WebUSB({ allowAllDevices: true }) as unknown as USB;
    return { usb, devices: (await usb.getDevices()).filter(hasAdbInterface) };
}

function ownerChoice(value: string | undefined, io: CliIo): OwnerChoice {
    if (value === undefined) return io.interactive ? 'ask' : 'accept';
    if (value === 'accept' || value === 'deny' || value === 'ask') return value;
    throw new CliUsageError(`--owner is accept, deny or ask, not "${value}".`);
}

function waitingNotice(io: CliIo): (message: string) => void {
    return (message) => io.err(`${message} (the phone asks "Allow USB debugging?").\n`);
}

export async function openAdbSession(values: { serial?: string | undefined; virtual?: string | undefined; 'virtual-state'?: string | undefined; owner?: string | undefined }, io: CliIo): Promise<AdbSession> {
    if (values.virtual && values.serial) throw new CliUsageError('Use either -s or --virtual, not both.');
    if (values['virtual-state'] && !values.virtual) throw new CliUsageError('--virtual-state goes with --virtual.');
    const options = { signal: io.signal, onWaitingForAuth: waitingNotice(io) };
    // The one reader of device words: a malformed `-s tcp:host:notaport` is refused here, never taken
    // for a USB serial (which would look for it on local USB and report a USB error instead).
    const ref = values.serial === undefined ? undefined : parseDeviceRef(values.serial);
    const virtualCodename = values.virtual ?? (ref?.kind === 'virtual' ? ref.codename : undefined);
    if (ref?.kind === 'port') throw new CliUsageError(`adb -s takes a serial, tcp:HOST:PORT, usbip:HOST:PORT or virtual:CODENAME, not a USB port (${ref.port}); \`revive adb devices\` lists the serials.`);
    if (virtualCodename) {
        const virtual = await VirtualPhone.create({ codename: virtualCodename, stateDir: values['virtual-state'], owner: ownerChoice(values.owner, io) });
        try {
            const usbDevice = await virtual.waitForDevice({ timeoutMs: 5000, signal: io.signal });
            if (!hasAdbInterface(usbDevice)) throw new ReviveError({ code: 'adb-wrong-mode', message: `The virtual ${virtual.recipe.name} is in ${virtual.mode} mode, which has no adb.`, nextStep: 'Start it in android, recovery or sideload mode (revive virtual-phone).' });
            const target: AdbTarget = { usbDevice, usb: usbManagerFromDetach(virtual), findAgain: (signal) => virtual.waitForDevice({ timeoutMs: 60_000, signal }) };
            const phone = await connectAdb(target, options);
            return {
                phone,
                virtual,
                async close() {
                    await phone.close();
                    await virtual.close();
                },
            };
        } catch (error) {
            await virtual.close();
            throw error;
        }
    }
    const serial = ref?.kind === 'serial' ? ref.serial : undefined;
    let target: AdbTarget;
    if (ref?.kind === 'usbip') {
        const address = `${ref.host.includes(':') ? `[${ref.host}]` : ref.host}:${ref.port}`;
        const client = new UsbIpClient(address);
        const entry = (await client.list(io.signal)).find((e) => (ref.busid === undefined || e.device.busid === ref.busid) && e.interfaces.some((i) => i.interfaceClass === 0xff && i.interfaceSubclass === 0x42 && i.interfaceProtocol === 0x01));
        if (!entry) throw noDevice(`on the USB/IP server ${address}`);
        target = { usbDevice: await client.import(entry.device.busid, io.signal) };
    } else if (ref?.kind === 'tcp') {
        target = { host: ref.host, port: ref.port };
    } else {
        const { usb, devices } = await localUsbDevices();
        const device = serial ? devices.find((d) => d.serialNumber === serial) : devices[0];
        if (!device) throw noDevice(serial ? `with serial ${serial}` : "on this computer's USB ports");
        if (!serial && devices.length > 1) throw new CliUsageError(`${devices.length} phones are connected; pick one with -s SERIAL (see \`revive adb devices\`).`);
        target = { usbDevice: device, usb };
    }
    // A USB/IP import made for this command is given back, or a server such as usbipd keeps it (and
    // this process) alive.
    const imported = ref?.kind === 'usbip' && 'usbDevice' in target ? target.usbDevice : undefined;
    const release = (): Promise<void> => imported?.forget().catch(() => undefined) ?? Promise.resolve();
    let phone: AdbPhone;
    try {
        phone = await connectAdb(target, options);
    } catch (error) {
        await release();
        throw error;
    }
    return {
        phone,
        virtual: undefined,
        async close() {
            await phone.close();
            await release();
        },
    };
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
        usage: `revive adb ${usage} ${ADB_DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { ...adbDeviceOptions, ...extra }, allowPositionals: true, strict: true });
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
        usage: `revive adb devices ${ADB_DEVICE_USAGE}`,
        async run(args, io) {
            const { values } = parseCliArgs({ args: [...args], options: adbDeviceOptions, allowPositionals: false, strict: true });
            if (values.serial || values.virtual) {
                const session = await openAdbSession(values, io);
                try {
                    io.out(`${session.phone.serial}\t${session.phone.state}\n`);
                } finally {
                    await session.close();
                }
                return 0;
            }
            const { devices } = await localUsbDevices();
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
                    throw new ReviveError({
                        code: 'sideload-checksum',
                        message: `${file} has SHA-256 ${sha256}, not the expected ${expected}. The phone was not touched.`,
                        nextStep: 'Download the file again from the official page and compare once more.',
                    });
                }
            }
            await session.phone.sideload(file, jobContext(io));
            io.out(`Installed ${file}\n`);
        },
    }),
];
