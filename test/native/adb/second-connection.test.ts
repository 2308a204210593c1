/**
 * A phone that another program already holds: a second adb connection (a second revive, or the
 * CLI started while the app has the phone) ends at once with "another program is using the phone"
 * and what to do, instead of waiting forever; a phone whose adb never answers ends within the
 * handshake's bound with the same hint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { UsbIpClient } from '../../../native/usbip/client.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { runCli } from '../../support/run-cli.js';

let dir: string;
const home = process.env['REVIVE_HOME'];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-second-connection-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
});
afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (home === undefined) delete process.env['REVIVE_HOME'];
    else process.env['REVIVE_HOME'] = home;
    rmSync(dir, { recursive: true, force: true });
});

describe('a phone another program holds', () => {
    it('over USB/IP: the second connection is told another program uses the phone; after release it works', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 10 });
        cleanups.push(() => phone.close());
        const server = await UsbIpServer.start();
        cleanups.push(() => server.close());
        const busid = server.export(phone);
        const imported = await new UsbIpClient(server.address).import(busid);
        const holder = await connectAdb({ usbDevice: imported }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) });

        await expect(new UsbIpClient(server.address).import(busid)).rejects.toMatchObject({ code: 'usbip-device-busy' });
        const second = await runCli(['adb', 'shell', '-s', `usbip:${server.address}`, 'getprop', 'ro.product.model']);
        expect(second.code).not.toBe(0);
        expect(second.err).toContain('Another program is using the phone');
        expect(second.err).toMatch(/What to do:.*Close that program/);

        // The other program lets go (its process ends, or it releases its import).
        await holder.close();
        await imported.forget();
        const after = await runCli(['adb', 'shell', '-s', `usbip:${server.address}`, 'getprop', 'ro.product.model']);
        expect(after.code, after.err).toBe(0);
        expect(after.out).toContain('GT-I9506');
    }, 120_000);

    it('a phone whose adb never answers: the handshake ends within its bound, naming other programs', async () => {
        const silent: ModeProtocol = {
            async serve(pipe, _phone, signal) {
                for (;;) await pipe.receive(signal);
            },
        };
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'silent'), enumerationDelayMs: 10, protocols: { android: silent } });
        cleanups.push(() => phone.close());
        const usbDevice = await phone.waitForDevice({ mode: 'android', timeoutMs: 10_000 });
        const error = await connectAdb({ usbDevice }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }), handshakeTimeoutMs: 1000 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).code).toBe('adb-no-answer');
        expect((error as ReviveError).message).toContain('Another program may be using the phone');
    }, 60_000);

    it('on local USB: an interface another process claimed (EBUSY) is said to be in use, with what to close', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'claimed'), enumerationDelayMs: 10 });
        cleanups.push(() => phone.close());
        const device = await phone.waitForDevice({ mode: 'android', timeoutMs: 10_000 });
        // What libusb answers when another process holds the interface (the `usb` package's words).
        const held = new Proxy(device, {
            get(target, key) {
                if (key === 'claimInterface') return async () => Promise.reject(new Error('LIBUSB_ERROR_BUSY'));
                const value: unknown = Reflect.get(target, key, target);
                return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
            },
        });
        const error = await connectAdb({ usbDevice: held }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }), handshakeTimeoutMs: 5000 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReviveError);
        expect(['usb-busy', 'usb-held-by-adb', 'usb-held-by-cdc-acm']).toContain((error as ReviveError).code);
        expect((error as ReviveError).nextStep).toMatch(/Close other phone tools|adb kill-server|unbind/);
    }, 60_000);
});
