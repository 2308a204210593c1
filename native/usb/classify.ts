/**
 * What a USB device is to Revive: Samsung download mode, fastboot, adb, or something else, plus the
 * state where the USB identity tells it. adb states that only the adb banner reveals (unauthorized,
 * recovery, sideload) come from a refiner the adb layer installs.
 */
import type { PhoneMode, Recipe } from '../manifests/schema.js';

export type DeviceKind = 'samsung-download' | 'fastboot' | 'adb' | 'unknown';
export type DeviceState = 'download' | 'bootloader' | 'device' | 'unauthorized' | 'recovery' | 'sideload' | 'unknown';

export const SAMSUNG_VENDOR_ID = 0x04e8;
export const SAMSUNG_DOWNLOAD_PRODUCT_IDS: readonly number[] = [0x6601, 0x685d, 0x68c3];

/** A USB interface by class, subclass and protocol (as WebUsbTransport.open takes it). */
export interface InterfaceSpec {
    readonly class: number;
    readonly subclass: number;
    readonly protocol: number;
}

/** Android's vendor interfaces: class 0xFF, subclass 0x42; protocol 3 is the fastboot bootloader, 1 is adbd. */
export const FASTBOOT_INTERFACE: InterfaceSpec = { class: 0xff, subclass: 0x42, protocol: 0x03 };
export const ADB_INTERFACE: InterfaceSpec = { class: 0xff, subclass: 0x42, protocol: 0x01 };

export interface InterfaceTriple {
    readonly interfaceClass: number;
    readonly interfaceSubclass: number;
    readonly interfaceProtocol: number;
    /** Number of endpoints, when known (a CDC Data interface must have exactly 2). */
    readonly endpointCount?: number | undefined;
}

export interface Classification {
    readonly kind: DeviceKind;
    readonly state: DeviceState;
}

/** Classify from ids and interface triples (all a USB/IP device list gives, too). */
export function classifyInterfaces(vendorId: number, productId: number, interfaces: readonly InterfaceTriple[]): Classification {
    if (vendorId === SAMSUNG_VENDOR_ID && SAMSUNG_DOWNLOAD_PRODUCT_IDS.includes(productId) && interfaces.some((i) => i.interfaceClass === 0x0a && (i.endpointCount ?? 2) === 2)) {
        return { kind: 'samsung-download', state: 'download' };
    }
    if (hasInterface(interfaces, FASTBOOT_INTERFACE)) return { kind: 'fastboot', state: 'bootloader' };
    if (hasInterface(interfaces, ADB_INTERFACE)) return { kind: 'adb', state: 'device' };
    return { kind: 'unknown', state: 'unknown' };
}

export function hasInterface(interfaces: readonly InterfaceTriple[], spec: InterfaceSpec): boolean {
    return interfaces.some((i) => i.interfaceClass === spec.class && i.interfaceSubclass === spec.subclass && i.interfaceProtocol === spec.protocol);
}

export function interfacesOf(device: USBDevice): InterfaceTriple[] {
    const configurations = device.configuration ? [device.configuration] : device.configurations;
    return configurations.flatMap((c) =>
        c.interfaces.flatMap((i) => i.alternates.map((a) => ({ interfaceClass: a.interfaceClass, interfaceSubclass: a.interfaceSubclass, interfaceProtocol: a.interfaceProtocol, endpointCount: a.endpoints.length }))),
    );
}

export function classifyDevice(device: USBDevice): Classification {
    return classifyInterfaces(device.vendorId, device.productId, interfacesOf(device));
}

/** Refines an adb device's state from its banner (installed by the adb layer); undefined = keep `device`. */
export type AdbStateRefiner = (device: USBDevice, signal?: AbortSignal) => Promise<DeviceState | undefined>;

let adbStateRefiner: AdbStateRefiner | undefined;

export function setAdbStateRefiner(refiner: AdbStateRefiner | undefined): void {
    adbStateRefiner = refiner;
}

export async function refineState(device: USBDevice, classification: Classification, signal?: AbortSignal): Promise<Classification> {
    if (classification.kind !== 'adb' || !adbStateRefiner) return classification;
    try {
        const state = await adbStateRefiner(device, signal);
        return state ? { ...classification, state } : classification;
    } catch {
        return classification;
    }
}

const kindModes: Record<DeviceKind, readonly PhoneMode[]> = {
    'samsung-download': ['download'],
    fastboot: ['bootloader'],
    adb: ['android', 'recovery', 'sideload'],
    unknown: [],
};

/**
 * The recipe whose USB identity matches (vendor, product, product string when given). Undefined
 * when none or several match (e.g. two Galaxies with the same download-mode ids and no product string).
 */
export function matchRecipe(recipes: readonly Recipe[], info: { vendorId: number; productId: number; product?: string | undefined; kind: DeviceKind }): Recipe | undefined {
    const modes = kindModes[info.kind];
    const candidates = recipes.filter((recipe) =>
        modes.some((mode) => {
            const id = recipe.usb[mode];
            return id !== undefined && id.vendorId === info.vendorId && id.productId === info.productId && (info.product === undefined || id.product === info.product);
        }),
    );
    return candidates.length === 1 ? candidates[0] : undefined;
}
