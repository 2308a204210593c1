/**
 * Why the computer will not let us use a phone's USB interface, in plain words: missing udev rule
 * (EACCES on Linux), an adb server holding the interface, or the cdc_acm driver bound to Samsung's
 * download-mode interface.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import { usbErrorCode } from './webusb-transport.js';

export const UDEV_RULES_FILE = 'build/udev/51-revive.rules';

export interface SystemPaths {
    readonly proc: string;
    readonly sys: string;
    readonly platform: NodeJS.Platform;
}

const defaults: SystemPaths = { proc: '/proc', sys: '/sys', platform: process.platform };

/** Is a process named `adb` running, or is something listening on TCP 5037 (the adb server port)? */
export function adbServerRunning(paths: SystemPaths = defaults): boolean {
    try {
        for (const pid of readdirSync(paths.proc)) {
            if (!/^\d+$/.test(pid)) continue;
            try {
                if (readFileSync(join(paths.proc, pid, 'comm'), 'utf8').trim() === 'adb') return true;
            } catch {
                // The process ended while we looked.
            }
        }
    } catch {
        // No /proc: fall through to the port check.
    }
    for (const table of ['net/tcp', 'net/tcp6']) {
        try {
            const lines = readFileSync(join(paths.proc, table), 'utf8').split('\n').slice(1);
            // local_address is HEXIP:HEXPORT; state 0A = LISTEN; 5037 = 0x13AD.
            if (lines.some((line) => /^\s*\d+:\s+[0-9A-F]+:13AD\s+[0-9A-F]+:[0-9A-F]+\s+0A\b/i.test(line))) return true;
        } catch {
            // Not Linux, or no such table.
        }
    }
    return false;
}

/** sysfs interfaces (e.g. `1-1:1.0`) of devices with this vendor/product that cdc_acm has bound. */
export function cdcAcmBoundInterfaces(vendorId: number, productId: number, paths: SystemPaths = defaults): string[] {
    const driverDir = join(paths.sys, 'bus/usb/drivers/cdc_acm');
    if (!existsSync(driverDir)) return [];
    const hex = (n: number): string => n.toString(16).padStart(4, '0');
    const out: string[] = [];
    for (const name of readdirSync(driverDir)) {
        if (!/^\d+-[\d.]+:\d+\.\d+$/.test(name)) continue;
        try {
            // The driver's entry links to the interface; its parent is the device with idVendor/idProduct.
            const target = readlinkSync(join(driverDir, name));
            const deviceDir = join(driverDir, target, '..');
            const vendor = readFileSync(join(deviceDir, 'idVendor'), 'utf8').trim();
            const product = readFileSync(join(deviceDir, 'idProduct'), 'utf8').trim();
            if (vendor === hex(vendorId) && product === hex(productId)) out.push(name);
        } catch {
            // Unplugged while we looked.
        }
    }
    return out;
}

/** Turn an access/busy failure opening a phone into a ReviveError that says what to do. */
export function diagnoseUsbAccess(error: unknown, device: { vendorId: number; productId: number; name?: string | undefined }, paths: SystemPaths = defaults): ReviveError {
    const code = usbErrorCode(error);
    const usbId = `${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}`;
    const who = { naming: device.name === undefined ? 'unnamed' : 'named', name: device.name ?? '', usbId };
    if (code === 'busy' || code === 'access') {
        if (adbServerRunning(paths)) {
            return ReviveError.of('usb-held-by-adb', who, { cause: error });
        }
        const bound = paths.platform === 'linux' ? cdcAcmBoundInterfaces(device.vendorId, device.productId, paths) : [];
        if (bound.length > 0) {
            return ReviveError.of('usb-held-by-cdc-acm', { ...who, interfaces: bound.join(', '), first: bound[0] ?? '' }, { cause: error });
        }
    }
    if (code === 'access' && paths.platform === 'linux') {
        return ReviveError.of('usb-permission', { ...who, rules: UDEV_RULES_FILE, variant: 'linux' }, { cause: error });
    }
    if (code === 'busy') {
        return ReviveError.of('usb-busy', who, { cause: error });
    }
    if (code === 'access') {
        return ReviveError.of('usb-permission', { ...who, rules: '', variant: 'other' }, { cause: error });
    }
    return ReviveError.from(error);
}

/**
 * Opening a phone failed: when the reason is that another program holds it (EBUSY) or the system
 * denies it, the error that says what to do; otherwise the error as it was.
 */
export function explainOpenFailure(error: unknown, device: USBDevice): unknown {
    const code = usbErrorCode(error);
    if (code !== 'busy' && code !== 'access') return error;
    return diagnoseUsbAccess(error, { vendorId: device.vendorId, productId: device.productId, name: device.productName ?? undefined });
}
