/**
 * Which phone the panel commands (`keys push`, `vpn push`, `firewall push|create --from-phone`,
 * `apps install`) talk to, in the adb CLI's syntax: `-s SERIAL` (local USB), `-s tcp:HOST:PORT`,
 * `-s usbip:HOST:PORT`, or `--virtual CODENAME [--virtual-state DIR]`. Nothing is opened until the
 * job asks for the phone, so checks that must come before adb (APK checksums) really do.
 */
import { adbConnector, type PanelPhone, type PhoneConnector } from '../jobs/panels/push.js';
import { connectAdb } from '../../native/adb/phone.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { classifyDevice } from '../../native/usb/classify.js';
import { UsbIpClient } from '../../native/usbip/client.js';
import type { OwnerChoice } from '../../native/virtual/owner.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { CliUsageError, type CliIo } from './command.js';

export const panelDeviceOptions = {
    serial: { type: 'string', short: 's' },
    virtual: { type: 'string' },
    'virtual-state': { type: 'string' },
    owner: { type: 'string' },
} as const;

export const PANEL_DEVICE_USAGE = '[-s SERIAL | -s tcp:HOST:PORT | -s usbip:HOST:PORT | --virtual CODENAME [--virtual-state DIR] [--owner accept|deny|ask]]';

export interface PanelDeviceValues {
    readonly serial?: string | undefined;
    readonly virtual?: string | undefined;
    readonly 'virtual-state'?: string | undefined;
    readonly owner?: string | undefined;
}

export interface PanelTarget {
    /** How the phone was named on the command line, for messages. */
    readonly label: string;
    readonly connect: PhoneConnector;
    /** Ends what the target started (the in-process virtual phone). */
    close(): Promise<void>;
}

const ADB_INTERFACE = { class: 0xff, subclass: 0x42, protocol: 0x01 } as const;

function noPhone(where: string): ReviveError {
    return new ReviveError({
        code: 'adb-no-device',
        message: `No phone with USB debugging was found ${where}.`,
        nextStep: 'Switch on USB debugging (Settings → Developer options), connect the phone with a data cable, unlock it, and try again.',
    });
}

function parseTcp(text: string): { host: string; port: number } {
    const match = /^tcp:(.+):(\d+)$/.exec(text);
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port > 0 && port < 65536)) throw new CliUsageError(`"${text}" is not tcp:HOST:PORT.`);
    return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

function ownerChoice(value: string | undefined, io: CliIo): OwnerChoice {
    if (value === undefined) return io.interactive ? 'ask' : 'accept';
    if (value === 'accept' || value === 'deny' || value === 'ask') return value;
    throw new CliUsageError(`--owner is accept, deny or ask, not "${value}".`);
}

async function localUsbDevice(serial: string | undefined): Promise<USBDevice> {
    const { WebUSB } = await import('usb');
    const devices = (await new WebUSB({ allowAllDevices: true }).getDevices()).filter((d) => classifyDevice(d).kind === 'adb');
    const matching = serial === undefined ? devices : devices.filter((d) => d.serialNumber === serial);
    const device = matching[0];
    if (!device) throw noPhone(serial === undefined ? 'on this computer\'s USB ports' : `with serial number ${serial}`);
    if (matching.length > 1) {
        throw new ReviveError({
            code: 'adb-several-devices',
            message: `${matching.length} phones with USB debugging are connected: ${matching.map((d) => d.serialNumber ?? '?').join(', ')}.`,
            nextStep: 'Name the one to use with -s SERIAL.',
        });
    }
    return device;
}

/**
 * WebUSB promises that a transfer's DataView covers its whole buffer, and @yume-chan's adb reads
 * `data.buffer` directly; the USB/IP device hands out views into larger buffers, so the adb
 * handshake would read the wrong bytes. Copy such results into buffers of their own.
 */
function wholeBufferTransfers(device: USBDevice): USBDevice {
    const transferIn = device.transferIn.bind(device);
    const fixed = async (endpoint: number, length: number): Promise<USBInTransferResult> => {
        const result = await transferIn(endpoint, length);
        const data = result.data;
        if (!data || (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength)) return result;
        const copy = new Uint8Array(data.byteLength);
        copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        return { status: result.status, data: new DataView(copy.buffer) };
    };
    return new Proxy(device, {
        get(target, property) {
            if (property === 'transferIn') return fixed;
            const value: unknown = Reflect.get(target, property, target);
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
    });
}

function usbipConnector(address: string): PhoneConnector {
    return async (signal) => {
        const client = new UsbIpClient(address);
        const entries = await client.list(signal);
        const entry = entries.find((e) => e.interfaces.some((i) => i.interfaceClass === ADB_INTERFACE.class && i.interfaceSubclass === ADB_INTERFACE.subclass && i.interfaceProtocol === ADB_INTERFACE.protocol));
        if (!entry) throw noPhone(`on the USB/IP server ${address}`);
        const usbDevice = await client.import(entry.device.busid, signal);
        try {
            const phone = await connectAdb({ usbDevice: wholeBufferTransfers(usbDevice) }, { signal });
            return panelPhone(phone, () => usbDevice.close());
        } catch (error) {
            await usbDevice.close().catch(() => undefined);
            throw error;
        }
    };
}

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The phone as the panel jobs see it. A push reports the SHA-256 the phone itself computes of the
 * file it stored (toybox `sha256sum`, Android 6+), so the job's comparison checks the phone's copy
 * rather than the bytes we sent; a phone without sha256sum falls back to the sent bytes, said in
 * the log. close() also releases what was opened to reach the phone.
 */
function panelPhone(phone: PanelPhone, release: () => Promise<void> = async () => undefined): PanelPhone {
    return {
        async push(local, remote, ctx) {
            const sent = await phone.push(local, remote, ctx);
            const answer = await phone.shell(`sha256sum ${shellQuote(remote)}`);
            const onPhone = answer.exitCode === 0 ? /^([0-9a-f]{64})\b/.exec(answer.stdout.trim())?.[1] : undefined;
            if (onPhone) return { sha256: onPhone };
            ctx.onLog?.(`The phone cannot compute SHA-256 (no sha256sum); ${remote} was checked as sent, not as stored.`);
            return sent;
        },
        install: (apk, ctx) => phone.install(apk, ctx),
        shell: (command) => phone.shell(command),
        async close() {
            await phone.close();
            await release().catch(() => undefined);
        },
    };
}

/** Reads the device options; the phone itself is reached only when the job calls `connect`. */
export function panelTarget(values: PanelDeviceValues, io: CliIo): PanelTarget {
    if (values.virtual && values.serial) throw new CliUsageError('Use either -s or --virtual, not both.');
    if (values['virtual-state'] && !values.virtual) throw new CliUsageError('--virtual-state goes with --virtual CODENAME.');
    if (values.owner !== undefined && !values.virtual) throw new CliUsageError('--owner goes with --virtual CODENAME.');
    const serial = values.serial;
    if (values.virtual) {
        const codename = values.virtual;
        const owner = ownerChoice(values.owner, io);
        let phone: VirtualPhone | undefined;
        return {
            label: `virtual ${codename}`,
            async connect(signal) {
                phone ??= await VirtualPhone.create({ codename, mode: 'android', stateDir: values['virtual-state'], owner });
                const usbDevice = await phone.waitForDevice({ mode: 'android', timeoutMs: 5000, signal });
                return panelPhone(await connectAdb({ usbDevice }, { signal }));
            },
            async close() {
                await phone?.close();
            },
        };
    }
    if (serial?.startsWith('tcp:')) {
        const address = parseTcp(serial);
        const connect = adbConnector(address);
        return { label: serial, connect: async (signal) => panelPhone(await connect(signal)), close: async () => undefined };
    }
    if (serial?.startsWith('usbip:')) {
        const address = serial.slice('usbip:'.length);
        if (!/^.+:\d+$/.test(address)) throw new CliUsageError(`"${serial}" is not usbip:HOST:PORT.`);
        return { label: serial, connect: usbipConnector(address), close: async () => undefined };
    }
    return {
        label: serial ?? 'USB',
        connect: async (signal) => panelPhone(await connectAdb({ usbDevice: await localUsbDevice(serial) }, { signal })),
        close: async () => undefined,
    };
}

/** Runs `body` with the target and always closes it (the virtual phone saves its state on close). */
export async function withPanelTarget<T>(values: PanelDeviceValues, io: CliIo, body: (target: PanelTarget) => Promise<T>): Promise<T> {
    const target = panelTarget(values, io);
    try {
        return await body(target);
    } finally {
        await target.close();
    }
}
