/**
 * tools/usbip-bridge against our own USB/IP export of the virtual phone in download mode: it lists and
 * imports the device, every usbdevfs ioctl libusb and the probe use behaves as the kernel's does, the
 * program's exit status comes back unchanged, and set-up failures exit 2 with a reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { freePort } from '../support/free-port.js';
import { BRIDGE, PROBE, PYTHON, exportVirtualPhone, requireBridge, type ExportedPhone } from '../support/usbip-bridge.js';

interface Result {
    code: number;
    stdout: string;
    stderr: string;
}

function bridge(args: string[]): Promise<Result> {
    return new Promise((resolve) => {
        execFile(PYTHON, [BRIDGE, ...args], { timeout: 90_000 }, (error, stdout, stderr) => {
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
        });
    });
}

let exported: ExportedPhone;

beforeAll(async () => {
    requireBridge();
    exported = await exportVirtualPhone('ks01ltexx', 'download');
});

afterAll(async () => {
    await exported?.close();
});

describe('the umockdev USB/IP bridge', () => {
    it('--list shows the exported download-mode phone with its two CDC interfaces', async () => {
        const result = await bridge(['--server', exported.server.address, '--list']);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^1-1: 04e8:685d bus 1 dev 2 speed 480 class 02, 2 interface\(s\) 02\/02\/01 0a\/00\/00$/m);
    });

    it('passes every usbdevfs check of the probe (control, bulk, async URBs, discard, poll, reset)', async () => {
        const result = await bridge(['--server', exported.server.address, '--busid', '1-1', '--', PYTHON, PROBE, '/dev/bus/usb/001/002']);
        expect(result.stdout).not.toMatch(/^FAIL/m);
        expect(result.stdout).toMatch(/^ok {4}BULK IN -> "LOKE"/m);
        expect(result.stdout).toMatch(/^ok {4}DISCARDURB pending URB/m);
        expect(result.stdout).toContain('all checks passed');
        expect(result.code).toBe(0);
    });

    it("gives the program the device node and hands back the program's own exit status", async () => {
        const result = await bridge(['--server', exported.server.address, '--', 'sh', '-c', 'test -e /dev/bus/usb/001/002 && exit 7; exit 1']);
        expect(result.code).toBe(7);
    });

    it('exits 2 with the reason when no server listens at the address', async () => {
        const port = await freePort();
        const result = await bridge(['--server', `127.0.0.1:${port}`, '--', 'true']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/cannot connect to USB\/IP server 127\.0\.0\.1:\d+/);
    });

    it('refuses a server that is not on loopback, without connecting', async () => {
        const result = await bridge(['--server', '192.0.2.1:3240', '--', 'true']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/non-loopback/);
    });
});
