/**
 * Every command releases its USB/IP import and the process exits by itself, also when the server
 * (like Linux's usbipd) never closes the connection first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { PIT_RESOURCE_DIR } from '../../../native/virtual/odin-device.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startStickyUsbIpServer, type StickyUsbIpServer } from '../../support/sticky-usbip-server.js';
import { revive } from '../../support/run-cli.js';

let dir: string;
const phones: VirtualPhone[] = [];
const servers: UsbIpServer[] = [];
const stickies: StickyUsbIpServer[] = [];

async function exported(codename: string, mode: 'download' | 'bootloader'): Promise<{ phone: VirtualPhone; sticky: StickyUsbIpServer }> {
    const phone = await VirtualPhone.create({ codename, mode, stateDir: mkdtempSync(join(dir, 'phone-')), enumerationDelayMs: 20 });
    phones.push(phone);
    const server = await UsbIpServer.start({ port: 0 });
    servers.push(server);
    server.export(phone, '1-1');
    const sticky = await startStickyUsbIpServer({ host: '127.0.0.1', port: server.port });
    stickies.push(sticky);
    return { phone, sticky };
}

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-usbip-release-'));
});
afterAll(async () => {
    for (const sticky of stickies) await sticky.close();
    for (const server of servers) await server.close();
    for (const phone of phones) await phone.close();
    rmSync(dir, { recursive: true, force: true });
});

describe('USB/IP imports are released by every command', () => {
    it('odin print-pit and odin flash close their connection to a server that never closes first', async () => {
        const { phone, sticky } = await exported('gtaxllte', 'download');
        const printed = await revive('odin', 'print-pit', '--usbip', sticky.address, '--no-reboot');
        expect(printed.code, printed.err).toBe(0);
        await sticky.allClosed(5000);
        const image = join(dir, 'twrp.img');
        writeFileSync(image, Buffer.alloc(300_000, 7));
        const flashed = await revive('odin', 'flash', '--RECOVERY', image, '--usbip', sticky.address, '--no-reboot', '--resume');
        expect(flashed.code, flashed.err).toBe(0);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(readFileSync(image))).toBe(true);
        await sticky.allClosed(5000);
    });

    it('fastboot getvar closes its connection', async () => {
        const { sticky } = await exported('shamu', 'bootloader');
        const result = await revive('fastboot', 'getvar', 'product', '-s', `usbip:${sticky.address}`);
        expect(result).toMatchObject({ code: 0, out: 'product: shamu\n' });
        await sticky.allClosed(5000);
    });

    it('the revive process exits by itself after odin print-pit over such a server', async () => {
        const { sticky } = await exported('gtaxllte', 'download');
        const bin = new URL('../../../bin/revive.js', import.meta.url).pathname;
        const outcome = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            execFile(process.execPath, [bin, 'odin', 'print-pit', '--usbip', sticky.address, '--no-reboot'], { timeout: 90_000, env: { ...process.env, REVIVE_HOME: dir } }, (error, stdout, stderr) =>
                resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
            );
        });
        expect(outcome.code, outcome.stderr).toBe(0);
        expect(outcome.stdout).toContain('RECOVERY');
        expect(readFileSync(join(PIT_RESOURCE_DIR, 'gtaxllte.pit')).length).toBeGreaterThan(0);
    }, 120_000);
});

describe('USB/IP imports by adb', () => {
    it('adb shell closes its connection to a server that never closes first', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: mkdtempSync(join(dir, 'phone-')), enumerationDelayMs: 20, owner: 'accept' });
        phones.push(phone);
        const server = await UsbIpServer.start({ port: 0 });
        servers.push(server);
        server.export(phone, '1-1');
        const sticky = await startStickyUsbIpServer({ host: '127.0.0.1', port: server.port });
        stickies.push(sticky);
        const previous = process.env['REVIVE_HOME'];
        process.env['REVIVE_HOME'] = dir;
        try {
            const result = await revive('adb', 'shell', '-s', `usbip:${sticky.address}`, 'echo', 'hello');
            expect(result.code, result.err).toBe(0);
            expect(result.out).toContain('hello');
        } finally {
            if (previous === undefined) delete process.env['REVIVE_HOME'];
            else process.env['REVIVE_HOME'] = previous;
        }
        await sticky.allClosed(5000);
    });
});
