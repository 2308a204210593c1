/**
 * The USB side of reaching a phone (open.ts): a WebUSB device (local USB by serial or port, USB/IP,
 * or an in-process virtual phone), then a fastboot or Odin transport or an adb target on it. Loaded
 * only when a command names a USB target, so a `tcp:` command does not pay for it at start.
 */
import type { ErrorCode } from '../../common/error-codes.js';
import type { AdbTarget } from '../adb/phone.js';
import { ReviveError } from '../jobs/errors.js';
import type { PhoneMode } from '../manifests/schema.js';
import { classifyDevice, classifyInterfaces, FASTBOOT_INTERFACE, type DeviceKind } from '../usb/classify.js';
import { portOfUsbDevice } from '../usb/port-identity.js';
import { explainOpenFailure } from '../usb/permissions.js';
import type { UsbTransport } from '../usb/transport.js';
import { WebUsbTransport } from '../usb/webusb-transport.js';
import type { OwnerChoice } from '../virtual/owner.js';
import type { VirtualPhone } from '../virtual/phone.js';
import { describeDeviceRef, type DeviceRef } from './ref.js';

export type PhoneProtocol = Exclude<DeviceKind, 'unknown'>;

export interface OpenDeviceOptions {
    readonly signal?: AbortSignal | undefined;
    /** How the owner of a virtual phone answers its questions (unlock, "Allow USB debugging?"). */
    readonly owner?: OwnerChoice | undefined;
}

/** A phone's USB device, and what was started to reach it (closed by close()). */
export interface FoundUsbDevice {
    readonly device: USBDevice;
    /** The local WebUSB manager, for disconnect events (adb follows a phone with it). */
    readonly usb?: USB | undefined;
    /** Where the device is, for messages: `usbip:HOST:PORT/BUSID`. */
    readonly location?: string | undefined;
    /** Set for `virtual:` refs: the in-process phone (its state is saved on close). */
    readonly virtual?: VirtualPhone | undefined;
    close(): Promise<void>;
}

/** The code that says no phone speaking this protocol was found. */
const NOT_FOUND = { fastboot: 'fastboot-no-device', adb: 'adb-no-device', 'samsung-download': 'odin-no-device' } as const satisfies Record<PhoneProtocol, ErrorCode>;

/** Where Revive looked: this computer's USB, a serial, a port, or a USB/IP server (and bus id). */
type NotFoundWhere =
    | { readonly variant: 'usb' }
    | { readonly variant: 'serial'; readonly serial: string }
    | { readonly variant: 'port'; readonly port: string }
    | { readonly variant: 'usbip'; readonly server: string }
    | { readonly variant: 'usbip-busid'; readonly server: string; readonly busid: string };

function notFound(protocol: PhoneProtocol, where: NotFoundWhere, extra: { usb?: string } = {}, options?: { cause?: unknown }): ReviveError {
    return new ReviveError(NOT_FOUND[protocol], { ...where, ...extra }, options);
}

/** The mode a virtual phone starts in for each protocol (adb: the mode its state was saved in). */
const VIRTUAL_MODE: Record<PhoneProtocol, PhoneMode | undefined> = { fastboot: 'bootloader', 'samsung-download': 'download', adb: undefined };

async function virtualDevice(ref: Extract<DeviceRef, { kind: 'virtual' }>, protocol: PhoneProtocol, options: OpenDeviceOptions): Promise<FoundUsbDevice> {
    const { VirtualPhone } = await import('../virtual/phone.js');
    const mode = VIRTUAL_MODE[protocol];
    const virtual = await VirtualPhone.create({ codename: ref.codename, mode, stateDir: ref.stateDir, owner: options.owner });
    try {
        const device = await virtual.waitForDevice({ mode, timeoutMs: 5000, signal: options.signal });
        if (classifyDevice(device).kind !== protocol) {
            throw ReviveError.of('virtual-wrong-mode', { phone: virtual.recipe.name, mode: virtual.mode, protocol });
        }
        return { device, virtual, close: () => virtual.close() };
    } catch (error) {
        await virtual.close();
        throw error;
    }
}

async function usbipDevice(ref: Extract<DeviceRef, { kind: 'usbip' }>, protocol: PhoneProtocol, signal: AbortSignal | undefined): Promise<FoundUsbDevice> {
    const { UsbIpClient } = await import('../usbip/client.js');
    const client = new UsbIpClient({ host: ref.host, port: ref.port });
    const server = describeDeviceRef({ kind: 'usbip', host: ref.host, port: ref.port }).slice('usbip:'.length);
    const entry = (await client.list(signal)).find(
        (e) => (ref.busid === undefined || e.device.busid === ref.busid) && classifyInterfaces(e.device.vendorId, e.device.productId, e.interfaces).kind === protocol,
    );
    if (!entry) throw notFound(protocol, ref.busid ? { variant: 'usbip-busid', server, busid: ref.busid } : { variant: 'usbip', server });
    const device = await client.import(entry.device.busid, signal);
    // The import is given back on close, or a server such as usbipd keeps it (and this process) alive.
    return { device, location: `usbip:${server}/${entry.device.busid}`, close: () => device.forget().catch(() => undefined) };
}

/** The phones on this computer's USB that speak this protocol (listing opens nothing). */
export async function localUsbDevices(protocol: PhoneProtocol): Promise<{ usb: USB; devices: USBDevice[] }> {
    const { WebUSB } = await import('usb');
    const usb = new WebUSB({ allowAllDevices: true }) as unknown as USB;
    return { usb, devices: (await usb.getDevices()).filter((device) => classifyDevice(device).kind === protocol) };
}

async function localDevice(ref: Extract<DeviceRef, { kind: 'serial' | 'port' }> | undefined, protocol: PhoneProtocol): Promise<FoundUsbDevice> {
    const where: NotFoundWhere = ref?.kind === 'serial' ? { variant: 'serial', serial: ref.serial } : ref?.kind === 'port' ? { variant: 'port', port: ref.port } : { variant: 'usb' };
    let found: { usb: USB; devices: USBDevice[] };
    try {
        found = await localUsbDevices(protocol);
    } catch (error) {
        // No USB bus (a container) or no permission to list it: no phone there, either.
        throw notFound(protocol, where, { usb: error instanceof Error ? error.message : String(error) }, { cause: error });
    }
    const { usb, devices: candidates } = found;
    const matching = candidates.filter((device) => (ref?.kind === 'serial' ? device.serialNumber === ref.serial : ref?.kind === 'port' ? portOfUsbDevice(device) === ref.port : true));
    const device = matching[0];
    if (!device) throw notFound(protocol, where);
    if (!ref && matching.length > 1) {
        throw ReviveError.of('device-ambiguous', { count: matching.length });
    }
    return { device, usb, close: async () => undefined };
}

/** The USB device of the phone a DeviceRef names (undefined: the one phone on local USB) that speaks this protocol. */
export async function findUsbDevice(ref: DeviceRef | undefined, protocol: PhoneProtocol, options: OpenDeviceOptions = {}): Promise<FoundUsbDevice> {
    switch (ref?.kind) {
        case 'virtual':
            return virtualDevice(ref, protocol, options);
        case 'usbip':
            return usbipDevice(ref, protocol, options.signal);
        case 'tcp':
            throw ReviveError.of('device-ref-not-usb', { address: describeDeviceRef(ref), protocol });
        default:
            return localDevice(ref, protocol);
    }
}

/** A fastboot or Odin transport to the phone, and what closes it (the virtual phone too). */
export interface OpenedTransport {
    readonly transport: UsbTransport;
    readonly virtual?: VirtualPhone | undefined;
    close(): Promise<void>;
}

/** A fastboot or Samsung download mode transport to the phone a DeviceRef names on USB. */
export async function openUsbTransport(ref: DeviceRef | undefined, protocol: 'fastboot' | 'samsung-download', options: OpenDeviceOptions = {}): Promise<OpenedTransport> {
    const found = await findUsbDevice(ref, protocol, options);
    try {
        const transport = await WebUsbTransport.open(found.device, protocol === 'fastboot' ? FASTBOOT_INTERFACE : 'samsung-download', { location: found.location });
        return {
            transport,
            virtual: found.virtual,
            async close() {
                await transport.close().catch(() => undefined);
                await found.close();
            },
        };
    } catch (error) {
        await found.close();
        // Another program holds the interface (a second revive, the app, an adb server): say so.
        throw explainOpenFailure(error, found.device);
    }
}

/** Where adb reaches the phone (USB, USB/IP, TCP or a virtual phone that it follows across reboots). */
export interface OpenedAdbTarget {
    readonly target: AdbTarget;
    readonly virtual?: VirtualPhone | undefined;
    close(): Promise<void>;
}

/** The adb target of the phone a DeviceRef names on USB. */
export async function openUsbAdbTarget(ref: DeviceRef | undefined, options: OpenDeviceOptions = {}): Promise<OpenedAdbTarget> {
    const found = await findUsbDevice(ref, 'adb', options);
    const virtual = found.virtual;
    if (virtual) {
        const { usbManagerFromDetach } = await import('../adb/phone.js');
        const target: AdbTarget = { usbDevice: found.device, usb: usbManagerFromDetach(virtual), findAgain: (signal) => virtual.waitForDevice({ timeoutMs: 60_000, signal }) };
        return { target, virtual, close: found.close };
    }
    return { target: found.usb ? { usbDevice: found.device, usb: found.usb } : { usbDevice: found.device }, close: found.close };
}
