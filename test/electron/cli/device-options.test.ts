/**
 * One way to name a phone on every command: -s WORDS, --usbip, --virtual, before or after the
 * sub-command (as adb and fastboot take -s), against virtual phones over TCP and USB/IP.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../../electron/cli/command.js';
import { deviceOptionsAfterCommand, deviceRefFromOptions } from '../../../electron/cli/device-options.js';
import { catalog } from '../../../electron/cli/index.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { startFastbootTcpEndpoint } from '../../../native/virtual/tcp/fastboot-endpoint.js';
import { bootloaderPhone } from '../../native/fastboot/phones.js';
import { revive } from '../../support/run-cli.js';

const isCommand = (words: readonly string[]): boolean => catalog.some((entry) => entry.name === words.join(' '));

describe('device options', () => {
    it('--usbip HOST:PORT and -s usbip:HOST:PORT name the same phone; --virtual and -s virtual: too', () => {
        expect(deviceRefFromOptions({ usbip: '127.0.0.1:3240' })).toEqual(deviceRefFromOptions({ serial: 'usbip:127.0.0.1:3240' }));
        expect(deviceRefFromOptions({ virtual: 'shamu', 'virtual-state': '/tmp/s' })).toEqual(deviceRefFromOptions({ serial: 'virtual:shamu', 'virtual-state': '/tmp/s' }));
        expect(deviceRefFromOptions({})).toBeUndefined();
    });

    it('refuses two names for the phone, a malformed one, and virtual-only options without --virtual', () => {
        expect(() => deviceRefFromOptions({ serial: 'ABC', usbip: '127.0.0.1:1' })).toThrow(CliUsageError);
        expect(() => deviceRefFromOptions({ serial: 'tcp:host' })).toThrow(/tcp:HOST:PORT|HOST:PORT/);
        expect(() => deviceRefFromOptions({ serial: 'ABC', 'virtual-state': '/tmp/s' })).toThrow('--virtual-state goes with --virtual');
        expect(() => deviceRefFromOptions({ serial: 'ABC', owner: 'deny' })).toThrow('--owner goes with --virtual');
    });

    it('moves device options written before the sub-command after it', () => {
        expect(deviceOptionsAfterCommand(['fastboot', '-s', 'tcp:h:1', 'flash', 'boot', 'b.img'], isCommand)).toEqual(['fastboot', 'flash', '-s', 'tcp:h:1', 'boot', 'b.img']);
        expect(deviceOptionsAfterCommand(['adb', '--usbip=h:1', '-s', 'X', 'shell', 'ls'], isCommand)).toEqual(['adb', 'shell', '--usbip=h:1', '-s', 'X', 'ls']);
        expect(deviceOptionsAfterCommand(['adb', 'push', 'a', 'b', '-s', 'X'], isCommand)).toEqual(['adb', 'push', 'a', 'b', '-s', 'X']);
        expect(deviceOptionsAfterCommand(['adb', '-s', 'X', 'nonsense'], isCommand)).toEqual(['adb', '-s', 'X', 'nonsense']);
    });
});

describe('the real tools\' word order', () => {
    it('revive fastboot -s tcp:… getvar and revive fastboot getvar … -s tcp:… both reach the phone', async () => {
        const phone = await bootloaderPhone('shamu');
        const endpoint = await startFastbootTcpEndpoint(phone, 0);
        try {
            const before = await revive('fastboot', '-s', `tcp:127.0.0.1:${endpoint.port}`, 'getvar', 'product');
            const after = await revive('fastboot', 'getvar', 'product', '-s', `tcp:127.0.0.1:${endpoint.port}`);
            expect(before.code, before.err).toBe(0);
            expect(after.code, after.err).toBe(0);
            expect(before.out).toBe(after.out);
            expect(before.out).toMatch(/^product: \S+\n$/);
        } finally {
            await endpoint.close();
            await phone.close();
        }
    });

    it('revive adb -s HOST:PORT push and revive adb push … -s tcp:HOST:PORT both check the phone\'s copy', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept' });
        const endpoint = await startAdbTcpEndpoint(phone, 0);
        const dir = mkdtempSync(join(tmpdir(), 'revive-adb-order-'));
        const file = join(dir, 'a.bin');
        const bytes = randomBytes(100_000);
        writeFileSync(file, bytes);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        try {
            const before = await revive('adb', '-s', `127.0.0.1:${endpoint.port}`, 'push', file, '/sdcard/a.bin');
            expect(before.code, before.err).toBe(0);
            expect(before.out).toContain(`sha256 ${sha256} (the phone's copy matches)`);
            const after = await revive('adb', 'push', file, '/sdcard/b.bin', '-s', `tcp:127.0.0.1:${endpoint.port}`);
            expect(after.code, after.err).toBe(0);
            expect(after.out).toContain(`sha256 ${sha256} (the phone's copy matches)`);
        } finally {
            await endpoint.close();
            await phone.close();
        }
    });

    it('revive odin takes -s usbip:HOST:PORT as well as --usbip HOST:PORT, before or after the sub-command', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', owner: 'accept' });
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        try {
            const outputs: string[] = [];
            for (const argv of [
                ['odin', 'print-pit', '--no-reboot', '--usbip', `127.0.0.1:${server.port}`],
                ['odin', 'print-pit', '--no-reboot', '--resume', '-s', `usbip:127.0.0.1:${server.port}`],
                ['odin', '-s', `usbip:127.0.0.1:${server.port}`, 'print-pit', '--resume'],
            ]) {
                const result = await revive(...argv);
                expect(result.code, `${argv.join(' ')}: ${result.err}`).toBe(0);
                outputs.push(result.out);
            }
            expect(outputs[0]).toContain('Entry Count');
            expect(outputs[1]).toBe(outputs[0]);
            expect(outputs[2]).toBe(outputs[0]);
        } finally {
            await server.close();
            await phone.close();
        }
    });
});
