import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adbServerRunning, cdcAcmBoundInterfaces, diagnoseUsbAccess, UDEV_RULES_FILE } from '../../../native/usb/permissions.js';
import { UsbError } from '../../../native/usb/transport.js';

const dirs: string[] = [];
afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake /proc and /sys: the kernel's files are the boundary here. */
function system(options: { adbProcess?: boolean; listen5037?: boolean; cdcAcm?: boolean }): { proc: string; sys: string; platform: NodeJS.Platform } {
    const root = mkdtempSync(join(tmpdir(), 'revive-sys-'));
    dirs.push(root);
    const proc = join(root, 'proc');
    const sys = join(root, 'sys');
    mkdirSync(join(proc, '100'), { recursive: true });
    writeFileSync(join(proc, '100', 'comm'), options.adbProcess ? 'adb\n' : 'bash\n');
    mkdirSync(join(proc, 'net'), { recursive: true });
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const line = options.listen5037 ? '   0: 0100007F:13AD 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1\n' : '';
    writeFileSync(join(proc, 'net', 'tcp'), header + line);
    const device = join(sys, 'devices/pci0000:00/usb1/1-1');
    mkdirSync(join(device, '1-1:1.0'), { recursive: true });
    writeFileSync(join(device, 'idVendor'), '04e8\n');
    writeFileSync(join(device, 'idProduct'), '685d\n');
    const driver = join(sys, 'bus/usb/drivers/cdc_acm');
    mkdirSync(driver, { recursive: true });
    if (options.cdcAcm) symlinkSync('../../../../devices/pci0000:00/usb1/1-1/1-1:1.0', join(driver, '1-1:1.0'));
    return { proc, sys, platform: 'linux' };
}

const galaxy = { vendorId: 0x04e8, productId: 0x685d, name: 'the Galaxy S4' };

describe('USB permission diagnostics', () => {
    it('names the udev rule file on a Linux access error, and ships that file', () => {
        const error = diagnoseUsbAccess(new UsbError('access', 'LIBUSB_ERROR_ACCESS'), galaxy, system({}));
        expect(error.code).toBe('usb-permission');
        expect(error.nextStep).toContain(UDEV_RULES_FILE);
        const rules = readFileSync(fileURLToPath(new URL(`../../../${UDEV_RULES_FILE}`, import.meta.url)), 'utf8');
        for (const vendor of ['04e8', '18d1', '22b8']) expect(rules).toContain(`ATTR{idVendor}=="${vendor}", MODE="0660", TAG+="uaccess"`);
    });

    it('detects a running adb server by process name or by its listening port', () => {
        expect(adbServerRunning(system({}))).toBe(false);
        expect(adbServerRunning(system({ adbProcess: true }))).toBe(true);
        expect(adbServerRunning(system({ listen5037: true }))).toBe(true);
        const error = diagnoseUsbAccess(new Error('LIBUSB_ERROR_BUSY'), galaxy, system({ adbProcess: true }));
        expect(error.code).toBe('usb-held-by-adb');
        expect(error.nextStep).toMatch(/adb kill-server/);
    });

    it('detects cdc_acm bound to the download-mode interface and says how to unbind it', () => {
        const paths = system({ cdcAcm: true });
        expect(cdcAcmBoundInterfaces(0x04e8, 0x685d, paths)).toEqual(['1-1:1.0']);
        expect(cdcAcmBoundInterfaces(0x18d1, 0x4ee0, paths)).toEqual([]);
        const error = diagnoseUsbAccess(new Error('Device or resource busy'), galaxy, paths);
        expect(error.code).toBe('usb-held-by-cdc-acm');
        expect(error.nextStep).toContain('cdc_acm/unbind');
    });
});
