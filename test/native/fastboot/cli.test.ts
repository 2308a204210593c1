/** `revive fastboot …` against a virtual phone whose state persists between commands. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { startFastbootTcpEndpoint } from '../../../native/virtual/tcp/fastboot-endpoint.js';
import { tempDir } from '../sparse/images.js';
import { bootloaderPhone, makeImage } from './phones.js';
import { revive } from '../../support/run-cli.js';

let work: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
    work = await tempDir('fastboot-cli');
});
afterAll(() => work.cleanup());

describe('revive fastboot', () => {
    it('reads variables, refuses a locked flash, unlocks, flashes, sets a slot and reboots a virtual Pixel 3a', async () => {
        const state = join(work.dir, 'sargo');
        const virtual = ['--virtual', 'sargo', '--virtual-state', state, '--owner', 'accept'];
        const product = await revive('fastboot', 'getvar', 'product', ...virtual);
        expect(product).toMatchObject({ code: 0, out: 'product: sargo\n' });
        const all = await revive('fastboot', 'getvar', 'all', ...virtual);
        expect(all.out).toContain('partition-size:boot_a: 0x4000000');

        const image = join(work.dir, 'boot.img');
        await makeImage(image, 32, { bootImage: true });
        const locked = await revive('fastboot', 'flash', 'boot', image, ...virtual);
        expect(locked.code).toBe(1);
        expect(locked.err).toContain('The bootloader is locked: unlock it first');

        expect((await revive('fastboot', 'unlock', ...virtual)).code).toBe(0);
        const flashed = await revive('fastboot', 'flash', 'boot', image, ...virtual);
        expect(flashed.code, flashed.err).toBe(0);
        expect((await readFile(join(state, 'partitions', 'boot_a.img'))).equals(await readFile(image))).toBe(true);

        expect((await revive('fastboot', 'set-active', 'b', ...virtual)).code).toBe(0);
        expect((await revive('fastboot', 'getvar', 'current-slot', ...virtual)).out).toBe('current-slot: b\n');
        expect((await revive('fastboot', 'reboot', ...virtual)).code).toBe(0);
        expect(JSON.parse(await readFile(join(state, 'state.json'), 'utf8')).mode).toBe('android');
    });

    it('reports usage mistakes and unreachable devices plainly', async () => {
        expect((await revive('fastboot', 'set-active', 'c', '-s', 'tcp:127.0.0.1:1')).code).toBe(2);
        expect((await revive('fastboot', 'reboot', 'sideways', '--virtual', 'shamu')).code).toBe(2);
        // -s SERIAL names a phone on local USB, as fastboot's own -s does (this machine has none).
        const bad = await revive('fastboot', 'getvar', 'product', '-s', 'serial123');
        expect(bad.code).toBe(1);
        expect(bad.err).toContain('No phone in bootloader (fastboot) mode was found with serial serial123');
        const malformed = await revive('fastboot', 'getvar', 'product', '-s', 'usbip:nowhere');
        expect(malformed.code).toBe(2);
        expect(malformed.err).toContain('usbip:HOST:PORT');
        const refused = await revive('fastboot', 'getvar', 'product', '-s', 'tcp:127.0.0.1:1');
        expect(refused.code).toBe(1);
        expect(refused.err).toContain('Could not reach fastboot at tcp:127.0.0.1:1');
    });

    it('reaches a phone over USB/IP and over TCP with -s', async () => {
        const phone = await bootloaderPhone('shamu');
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        const endpoint = await startFastbootTcpEndpoint(phone, 0);
        try {
            const overUsbIp = await revive('fastboot', 'getvar', 'serialno', '-s', `usbip:127.0.0.1:${server.port}`);
            expect(overUsbIp.code, overUsbIp.err).toBe(0);
            expect(overUsbIp.out).toBe(`serialno: ${phone.serial}\n`);
            const overTcp = await revive('fastboot', 'getvar', 'unlocked', '-s', `tcp:127.0.0.1:${endpoint.port}`);
            expect(overTcp.out).toBe('unlocked: no\n');
        } finally {
            await endpoint.close();
            await server.close();
            await phone.close();
        }
    });

    it('the TCP endpoint refuses connections while the phone is not in its bootloader', async () => {
        const phone = await bootloaderPhone('shamu');
        const endpoint = await startFastbootTcpEndpoint(phone, 0);
        try {
            phone.reboot('android');
            await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
            const refused = await revive('fastboot', 'getvar', 'product', '-s', `tcp:127.0.0.1:${endpoint.port}`);
            expect(refused.code).toBe(1);
            expect(refused.err).toContain('Could not reach fastboot');
        } finally {
            await endpoint.close();
            await phone.close();
        }
    });
});
