/**
 * Real USB/IP clients against `revive virtual-phone serve`: Debian's usbip tool, lsusb through the
 * umockdev bridge (tools/usbip-bridge, a userspace vhci), and our own `revive devices --usbip`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import { BRIDGE, PYTHON, requireBridge, udevHwdb } from '../support/usbip-bridge.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function requireTool(path: string, what: string): void {
    if (!existsSync(path)) throw new Error(`${what} is missing at ${path}; install it (CI's .ci/run does) to run the USB/IP peer tests.`);
}

describe('USB/IP export seen by real tools', () => {
    let server: ChildProcess | undefined;
    let ready: { serial: string; model: string; mode: string; usbip: string };

    beforeAll(async () => {
        server = spawn(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'download', '--usbip-port', '0'], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const lines = createInterface({ input: server.stdout! });
        ready = await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('virtual-phone serve printed no ready line within 30 s')), 30_000);
            lines.once('line', (line) => {
                clearTimeout(timer);
                resolve(JSON.parse(line) as typeof ready);
            });
            server!.once('exit', (code) => reject(new Error(`virtual-phone serve exited early with ${code}`)));
        });
    });

    afterAll(async () => {
        if (!server || server.exitCode !== null) return;
        const exited = new Promise((resolve) => server!.once('exit', resolve));
        server.kill('SIGINT');
        await exited;
    });

    it('prints one ready line with its endpoints', () => {
        expect(ready).toMatchObject({ model: 'ks01ltexx', mode: 'download', usbip: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
        expect(ready.serial).toMatch(/^4d00[0-9a-f]{8}$/);
    });

    it('`revive devices --usbip` shows a Samsung phone in download mode', async () => {
        const { stdout } = await run(process.execPath, ['bin/revive.js', 'devices', '--usbip', ready.usbip, '--json'], { cwd: ROOT, timeout: 30_000 });
        const devices = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        expect(devices).toEqual([expect.objectContaining({ name: 'Samsung Galaxy S4 LTE-A', mode: 'samsung-download', state: 'download', usb: '04e8:685d', source: 'usbip' })]);
    });

    it("Debian's `usbip list -r` lists a 04e8:685d device with its CDC interfaces", async () => {
        requireTool('/usr/sbin/usbip', 'usbip (Debian package usbip)');
        const port = ready.usbip.split(':')[1]!;
        const { stdout } = await run('/usr/sbin/usbip', ['--tcp-port', port, 'list', '-r', '127.0.0.1'], { timeout: 20_000 });
        expect(stdout).toMatch(/1-1: .*\(04e8:685d\)/);
        expect(stdout).toMatch(/\(02\/02\/01\)/);
        expect(stdout).toMatch(/\(0a\/00\/00\)/);
    });

    it('lsusb -v through the umockdev bridge shows the download-mode interfaces and endpoints', async () => {
        requireBridge([
            ['/usr/bin/lsusb', 'lsusb (Debian package usbutils)'],
            [udevHwdb(), "udev's hardware database, where lsusb finds class names such as \"2 Communications\" (Debian package udev)"],
        ]);
        const { stdout } = await run(PYTHON, [BRIDGE, '--server', ready.usbip, '--', 'lsusb', '-v', '-d', '04e8:685d'], { timeout: 60_000 });
        expect(stdout).toMatch(/idVendor\s+0x04e8/);
        expect(stdout).toMatch(/idProduct\s+0x685d/);
        expect(stdout).toMatch(/iManufacturer\s+1 SAMSUNG/);
        expect(stdout).toMatch(/bInterfaceClass\s+2 Communications/);
        expect(stdout).toMatch(/bInterfaceClass\s+10 CDC Data/);
        expect(stdout).toMatch(/CDC Union/);
        expect(stdout).toMatch(/bEndpointAddress\s+0x81\s+EP 1 IN[\s\S]*?Transfer Type\s+Bulk[\s\S]*?wMaxPacketSize\s+0x0200/);
        expect(stdout).toMatch(/bEndpointAddress\s+0x02\s+EP 2 OUT[\s\S]*?Transfer Type\s+Bulk/);
        expect(stdout).toMatch(/bEndpointAddress\s+0x83\s+EP 3 IN[\s\S]*?Transfer Type\s+Interrupt/);
    });
});
