/**
 * `revive fastboot …`: fastboot on a real phone (local USB, USB/IP, TCP) or a virtual one, with
 * fastboot's own device syntax (`-s tcp:HOST:PORT`).
 */
import { FastbootClient, type RebootTarget, type Slot } from '../../native/fastboot/client.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { connectFastbootTcp } from '../../native/tcp/fastboot-tcp.js';
import { classifyDevice } from '../../native/usb/classify.js';
import type { UsbTransport } from '../../native/usb/transport.js';
import { WebUsbTransport } from '../../native/usb/webusb-transport.js';
import { UsbIpClient } from '../../native/usbip/client.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import type { OwnerChoice } from '../../native/virtual/owner.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { jobContext } from './progress.js';

const FASTBOOT_INTERFACE = { class: 0xff, subclass: 0x42, protocol: 0x03 } as const;

const deviceOptions = {
    serial: { type: 'string', short: 's' },
    virtual: { type: 'string' },
    'virtual-state': { type: 'string' },
    owner: { type: 'string' },
} as const;

const DEVICE_USAGE = '[-s tcp:HOST:PORT | -s usbip:HOST:PORT | --virtual CODENAME [--virtual-state DIR] [--owner accept|deny|ask]]';

interface Session {
    readonly client: FastbootClient;
    readonly phone: VirtualPhone | undefined;
    close(): Promise<void>;
}

function noDevice(where: string): ReviveError {
    return new ReviveError({
        code: 'fastboot-no-device',
        message: `No phone in bootloader (fastboot) mode was found ${where}.`,
        nextStep: 'Start the phone in its bootloader (see the key combination in its recipe), connect it with a data cable, and try again.',
    });
}

async function localUsbTransport(): Promise<UsbTransport> {
    const { WebUSB } = await import('usb');
    const webusb = new WebUSB({ allowAllDevices: true });
    const devices = await webusb.getDevices();
    const device = devices.find((candidate) => classifyDevice(candidate).kind === 'fastboot');
    if (!device) throw noDevice('on this computer\'s USB ports');
    return WebUsbTransport.open(device, FASTBOOT_INTERFACE);
}

async function usbipTransport(address: string, signal: AbortSignal): Promise<UsbTransport> {
    const client = new UsbIpClient(address);
    const entries = await client.list(signal);
    const entry = entries.find((e) => e.interfaces.some((i) => i.interfaceClass === 0xff && i.interfaceSubclass === 0x42 && i.interfaceProtocol === 0x03));
    if (!entry) throw noDevice(`on the USB/IP server ${address}`);
    const device = await client.import(entry.device.busid, signal);
    return WebUsbTransport.open(device, FASTBOOT_INTERFACE, { location: `usbip:${address}/${entry.device.busid}`, releaseOnClose: true });
}

function ownerChoice(value: string | undefined, io: CliIo): OwnerChoice {
    if (value === undefined) return io.interactive ? 'ask' : 'accept';
    if (value === 'accept' || value === 'deny' || value === 'ask') return value;
    throw new CliUsageError(`--owner is accept, deny or ask, not "${value}".`);
}

async function openSession(values: { serial?: string | undefined; virtual?: string | undefined; 'virtual-state'?: string | undefined; owner?: string | undefined }, io: CliIo): Promise<Session> {
    if (values.virtual && values.serial) throw new CliUsageError('Use either -s or --virtual, not both.');
    if (values.virtual) {
        const phone = await VirtualPhone.create({ codename: values.virtual, mode: 'bootloader', stateDir: values['virtual-state'], owner: ownerChoice(values.owner, io) });
        try {
            const device = await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 5000, signal: io.signal });
            const client = await FastbootClient.open(await WebUsbTransport.open(device, FASTBOOT_INTERFACE));
            return {
                client,
                phone,
                async close() {
                    await client.close().catch(() => undefined);
                    await phone.close();
                },
            };
        } catch (error) {
            await phone.close();
            throw error;
        }
    }
    let transport: UsbTransport;
    const serial = values.serial;
    if (serial?.startsWith('tcp:')) {
        const match = /^tcp:(.+):(\d+)$/.exec(serial);
        if (!match) throw new CliUsageError(`"${serial}" is not tcp:HOST:PORT.`);
        transport = await connectFastbootTcp(match[1] ?? '', Number(match[2]), { signal: io.signal });
    } else if (serial?.startsWith('usbip:')) {
        transport = await usbipTransport(serial.slice('usbip:'.length), io.signal);
    } else if (serial !== undefined) {
        throw new CliUsageError(`-s takes tcp:HOST:PORT or usbip:HOST:PORT; "${serial}" is neither.`);
    } else {
        transport = await localUsbTransport();
    }
    const client = await FastbootClient.open(transport);
    return { client, phone: undefined, close: () => client.close().catch(() => undefined) };
}

/** Parse, connect, run, close: the shape of every fastboot sub-command. */
interface FastbootCommandSpec {
    readonly name: string;
    readonly usage: string;
    readonly options?: Record<string, { type: 'string' }>;
    /** How many positional arguments: [at least, at most]. */
    readonly positionals: [number, number];
    /** Usage checks that need no phone: run before connecting. */
    readonly check?: (positionals: string[]) => void;
    readonly work: (session: Session, positionals: string[], values: Record<string, string | undefined>, io: CliIo) => Promise<void>;
}

function fastbootCommand({ name, usage, options: extra = {}, positionals: positionalCount, check, work }: FastbootCommandSpec): CliCommand {
    return {
        name: `fastboot ${name}`,
        usage: `revive fastboot ${usage} ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { ...deviceOptions, ...extra }, allowPositionals: true, strict: true });
            if (positionals.length < positionalCount[0] || positionals.length > positionalCount[1]) throw new CliUsageError(`Expected ${usage}.`);
            check?.(positionals);
            slotOption((values as Record<string, string | undefined>)['slot']);
            const session = await openSession(values as Record<string, string | undefined>, io);
            try {
                await work(session, positionals, values as Record<string, string | undefined>, io);
            } finally {
                await session.close();
            }
            return 0;
        },
    };
}

function slotOption(value: string | undefined): Slot | 'all' | undefined {
    if (value === undefined) return undefined;
    if (value === 'a' || value === 'b' || value === 'all') return value;
    throw new CliUsageError(`--slot is a, b or all, not "${value}".`);
}

function lockMethod(session: Session, value: string | undefined): 'flashing' | 'oem' {
    if (value === 'flashing' || value === 'oem') return value;
    if (value !== undefined) throw new CliUsageError(`--method is flashing or oem, not "${value}".`);
    return session.phone?.recipe.unlock.method === 'fastboot-oem-unlock' ? 'oem' : 'flashing';
}

/** After a reboot the virtual phone needs a moment to change mode before its state is saved. */
async function settle(session: Session, from: string): Promise<void> {
    const phone = session.phone;
    if (!phone) return;
    for (let i = 0; i < 40 && phone.mode === from; i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

export const commands: readonly CliCommand[] = [
    fastbootCommand({ name: 'getvar', usage: 'getvar NAME|all', options: {}, positionals: [1, 1], work: async (session, [name], _values, io) => {
        if (name === 'all') {
            for (const [key, value] of await session.client.getVarAll({ signal: io.signal })) io.out(`${key}: ${value}\n`);
        } else {
            io.out(`${name}: ${await session.client.getVar(name ?? '', { signal: io.signal })}\n`);
        }
    } }),
    fastbootCommand({ name: 'flash', usage: 'flash PARTITION FILE [--slot a|b|all]', options: { slot: { type: 'string' } }, positionals: [2, 2], work: async (session, [partition, file], values, io) => {
        await session.client.flash(partition ?? '', { path: file ?? '' }, jobContext(io), { slot: slotOption(values['slot']) ?? 'current' });
        io.out(`Flashed ${file} to ${partition}.\n`);
    } }),
    fastbootCommand({ name: 'boot', usage: 'boot FILE', options: {}, positionals: [1, 1], work: async (session, [file], _values, io) => {
        await session.client.boot({ path: file ?? '' }, jobContext(io));
        await settle(session, 'bootloader');
        io.out(`The phone is starting ${file}.\n`);
    } }),
    fastbootCommand({ name: 'erase', usage: 'erase PARTITION [--slot a|b|all]', options: { slot: { type: 'string' } }, positionals: [1, 1], work: async (session, [partition], values, io) => {
        await session.client.erase(partition ?? '', jobContext(io), { slot: slotOption(values['slot']) ?? 'current' });
        io.out(`Erased ${partition}.\n`);
    } }),
    fastbootCommand({ name: 'unlock', usage: 'unlock [--method flashing|oem]', options: { method: { type: 'string' } }, positionals: [0, 0], work: async (session, _p, values, io) => {
        io.err('Confirm on the phone\'s screen with the volume keys and Power. Unlocking erases everything on the phone.\n');
        await session.client.unlock(lockMethod(session, values['method']), jobContext(io));
        io.out('The bootloader is unlocked.\n');
    } }),
    fastbootCommand({ name: 'lock', usage: 'lock [--method flashing|oem]', options: { method: { type: 'string' } }, positionals: [0, 0], work: async (session, _p, values, io) => {
        await session.client.lock(lockMethod(session, values['method']), jobContext(io));
        io.out('The bootloader is locked.\n');
    } }),
    fastbootCommand({ name: 'reboot', usage: 'reboot [bootloader|recovery|fastboot]', options: {}, positionals: [0, 1], check: ([target]) => {
        if (target !== undefined && target !== 'bootloader' && target !== 'recovery' && target !== 'fastboot') throw new CliUsageError(`reboot takes bootloader, recovery or fastboot, not "${target}".`);
    }, work: async (session, [target], _values, io) => {
        await session.client.reboot((target ?? 'system') as RebootTarget, { signal: io.signal });
        if (target !== 'bootloader') await settle(session, 'bootloader');
        io.out(`Rebooting${target ? ` into ${target}` : ''}.\n`);
    } }),
    fastbootCommand({ name: 'set-active', usage: 'set-active a|b', options: {}, positionals: [1, 1], check: ([slot]) => {
        if (slot !== 'a' && slot !== 'b') throw new CliUsageError(`set-active takes a or b, not "${slot}".`);
    }, work: async (session, [slot], _values, io) => {
        if (slot !== 'a' && slot !== 'b') return;
        await session.client.setActive(slot, { signal: io.signal });
        io.out(`Slot ${slot} is active.\n`);
    } }),
];
