/**
 * The fault matrix: the virtual phone unplugs, stalls, answers FAIL or answers garbage at points
 * across Odin, fastboot, sideload, the backup pull and the panels' pushes. Every point must end in a
 * clear error (a ReviveError with a next step) within its timeout and never in a reported success;
 * where the job can resume (flash again, pull again, push again, sideload again), the resume finishes
 * with the right bytes on the phone or the computer.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach, type AdbPhone } from '../../native/adb/phone.js';
import { FastbootClient } from '../../native/fastboot/client.js';
import { writeDemoRom } from '../../native/integrity/demo-packages.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { odinDownloadPit, odinFlash } from '../../native/odin/flash.js';
import { WebUsbTransport } from '../../native/usb/webusb-transport.js';
import type { FaultPlan } from '../../native/virtual/mode-protocol.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { bootloaderPhone } from '../native/fastboot/phones.js';

let dir: string;
const closers: Array<() => Promise<unknown>> = [];
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-faults-'));
});
afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** The point must fail clearly, within `ms`. */
async function failsClearly(work: Promise<unknown>, ms: number): Promise<ReviveError> {
    const started = Date.now();
    let outcome: unknown;
    try {
        await work;
        outcome = 'success';
    } catch (error) {
        outcome = error;
    }
    expect(outcome, 'a fault must never end in a reported success').not.toBe('success');
    expect(outcome).toBeInstanceOf(ReviveError);
    const error = outcome as ReviveError;
    expect(error.message.length).toBeGreaterThan(15);
    expect(error.nextStep.length).toBeGreaterThan(5);
    expect(Date.now() - started).toBeLessThan(ms);
    return error;
}

function image(name: string, size: number): { path: string; bytes: Buffer } {
    const bytes = randomBytes(size);
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return { path, bytes };
}

describe('Odin faults', () => {
    type Point = { name: string; fault: FaultPlan; at: 'flash' | 'pit' };
    const points: Point[] = [
        { name: 'unplug mid-flash', fault: { unplugAfterBytes: 1024 * 1024 }, at: 'flash' },
        { name: 'FAIL reply to the flash', fault: { failNext: 'flash' }, at: 'flash' },
        { name: 'corrupt reply during the flash', fault: { corruptNextReply: true }, at: 'flash' },
        { name: 'unplug while the PIT is read', fault: { unplugAfterBytes: 2000 }, at: 'pit' },
        { name: 'FAIL reply to the PIT download', fault: { failNext: 'download' }, at: 'pit' },
        { name: 'corrupt reply while the PIT is read', fault: { corruptNextReply: true }, at: 'pit' },
    ];
    for (const point of points) {
        it(`${point.name}: a clear error, then the flash again finishes`, async () => {
            const phone = await VirtualPhone.create({ codename: 'gtaxllte', mode: 'download', stateDir: mkdtempSync(join(dir, 'odin-')), enumerationDelayMs: 10 });
            closers.push(() => phone.close());
            const open = async (): Promise<WebUsbTransport> => {
                const transport = await WebUsbTransport.open(await phone.waitForDevice({ mode: 'download', timeoutMs: 5000 }), 'samsung-download');
                closers.push(() => transport.close());
                return transport;
            };
            const recovery = image(`recovery-${point.at}.img`, 3 * 1024 * 1024);
            const files = [{ partition: 'RECOVERY', source: { path: recovery.path } }];
            let transport = await open();
            Object.assign(phone.faults, point.fault);
            const work = point.at === 'pit' ? odinDownloadPit(transport, { reboot: false, resume: false }) : odinFlash(transport, { files, reboot: false, resume: false });
            await failsClearly(work, 30_000);
            Object.assign(phone.faults, { unplugAfterBytes: undefined, failNext: undefined, corruptNextReply: undefined });
            await transport.close();
            if (!phone.usbDevice) phone.replug();
            transport = await open();
            const result = await odinFlash(transport, { files, reboot: false, resume: false });
            expect(result.flashed).toEqual([{ partition: 'RECOVERY', bytes: recovery.bytes.length }]);
            expect(readFileSync(phone.partitions.path('RECOVERY')).subarray(0, recovery.bytes.length).equals(recovery.bytes)).toBe(true);
        });
    }
});

describe('fastboot faults', () => {
    type Point = { name: string; fault: FaultPlan; run: 'flash' | 'erase' | 'getvar' };
    const points: Point[] = [
        { name: 'unplug mid-download', fault: { unplugAfterBytes: 400_000 }, run: 'flash' },
        { name: 'stall mid-download', fault: { stallAfterBytes: 400_000 }, run: 'flash' },
        { name: 'FAIL reply to the flash', fault: { failNext: 'flash' }, run: 'flash' },
        { name: 'FAIL reply to the download', fault: { failNext: 'download' }, run: 'flash' },
        { name: 'corrupt reply during the flash', fault: { corruptNextReply: true }, run: 'flash' },
        { name: 'FAIL reply to the erase', fault: { failNext: 'erase' }, run: 'erase' },
        { name: 'stall before the reply to getvar', fault: { stallAfterBytes: 0 }, run: 'getvar' },
        { name: 'corrupt reply to getvar', fault: { corruptNextReply: true }, run: 'getvar' },
        { name: 'unplug as getvar is sent', fault: { unplugAfterBytes: 5 }, run: 'getvar' },
    ];
    for (const point of points) {
        it(`${point.name}: a clear error, then the work again finishes`, async () => {
            const phone = await bootloaderPhone('shamu', { owner: 'accept', stateDir: mkdtempSync(join(dir, 'fb-')) });
            closers.push(() => phone.close());
            const open = async (): Promise<FastbootClient> => {
                const device = await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
                const client = await FastbootClient.open(await WebUsbTransport.open(device, { class: 0xff, subclass: 0x42, protocol: 0x03 }), { timeoutMs: 2000 });
                closers.push(() => client.close());
                return client;
            };
            let client = await open();
            await client.unlock();
            const boot = image(`boot-${point.name.replace(/\W+/g, '-')}.img`, 1_000_000);
            const run = (c: FastbootClient): Promise<unknown> => (point.run === 'flash' ? c.flash('boot', { path: boot.path }) : point.run === 'erase' ? c.erase('cache') : c.getVar('product'));
            Object.assign(phone.faults, point.fault);
            await failsClearly(run(client), 20_000);
            Object.assign(phone.faults, { unplugAfterBytes: undefined, stallAfterBytes: undefined, failNext: undefined, corruptNextReply: undefined });
            await client.close().catch(() => undefined);
            // After a stall the person reconnects the cable, as the error tells them to.
            if (point.fault.stallAfterBytes !== undefined) phone.unplug();
            if (!phone.usbDevice) phone.replug();
            client = await open();
            await run(client);
            if (point.run === 'flash') expect(readFileSync(phone.partitions.path('boot')).subarray(0, boot.bytes.length).equals(boot.bytes)).toBe(true);
        });
    }
});

describe('adb faults: sideload, backup pull, panel push', () => {
    async function adbPhone(mode: 'android' | 'recovery' | 'sideload'): Promise<{ phone: VirtualPhone; connect: () => Promise<AdbPhone> }> {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode, owner: 'accept', stateDir: mkdtempSync(join(dir, 'adb-')), enumerationDelayMs: 20 });
        closers.push(() => phone.close());
        const keyStore = new AdbKeyStore({ appDir: join(dir, 'adb-keys'), userAdbDir: null });
        const connect = async (): Promise<AdbPhone> => {
            const usbDevice = await phone.waitForDevice({ timeoutMs: 10_000 });
            const adb = await connectAdb({ usbDevice, usb: usbManagerFromDetach(phone), findAgain: (signal) => phone.waitForDevice({ timeoutMs: 10_000, signal }) }, { keyStore });
            closers.push(() => adb.close());
            return adb;
        };
        return { phone, connect };
    }
    const clear = (phone: VirtualPhone): void => void Object.assign(phone.faults, { unplugAfterBytes: undefined, stallAfterBytes: undefined, failNext: undefined });
    const again = async (phone: VirtualPhone, connect: () => Promise<AdbPhone>, stalled: boolean, previous: AdbPhone): Promise<AdbPhone> => {
        clear(phone);
        // A run again starts afresh, as a new \`revive\` process would: the old connection is closed
        // first (after a refused sideload it is still open, reconnected to recovery, and a second
        // connection to the same phone would wait for the interface the first one holds).
        await previous.close();
        // After a stall the person reconnects the cable, as the error tells them to.
        if (stalled && phone.usbDevice) phone.unplug();
        if (!phone.usbDevice) phone.replug();
        return connect();
    };

    type Point = { name: string; mode: 'android' | 'recovery' | 'sideload'; fault: FaultPlan; run: 'sideload' | 'pull' | 'push' };
    const points: Point[] = [
        { name: 'sideload: unplug mid-transfer', mode: 'sideload', fault: { unplugAfterBytes: 300 * 1024 }, run: 'sideload' },
        { name: 'sideload: stall mid-transfer', mode: 'sideload', fault: { stallAfterBytes: 300 * 1024 }, run: 'sideload' },
        { name: 'sideload: recovery answers FAIL', mode: 'sideload', fault: { failNext: 'sideload' }, run: 'sideload' },
        { name: 'backup pull: unplug mid-pull', mode: 'recovery', fault: { unplugAfterBytes: 200 }, run: 'pull' },
        { name: 'backup pull: stall', mode: 'recovery', fault: { stallAfterBytes: 100 }, run: 'pull' },
        { name: 'panel push: unplug mid-push', mode: 'android', fault: { unplugAfterBytes: 500 * 1024 }, run: 'push' },
        { name: 'panel push: stall mid-push', mode: 'android', fault: { stallAfterBytes: 500 * 1024 }, run: 'push' },
    ];
    for (const point of points) {
        it(`${point.name}: a clear error, then again it finishes`, async () => {
            const { phone, connect } = await adbPhone(point.mode);
            let adb = await connect();
            const data = randomBytes(1024 * 1024 + 5);
            const local = join(dir, `${point.run}-${point.name.replace(/\W+/g, '-')}`);
            const rom = `${local}.zip`;
            if (point.run === 'sideload') await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 1024 * 1024 });
            if (point.run === 'pull') {
                writeFileSync(`${local}.src`, data);
                await adb.push(`${local}.src`, '/sdcard/TWRP/BACKUPS/boot.emmc.win');
            }
            if (point.run === 'push') writeFileSync(local, data);
            const run = (a: AdbPhone): Promise<unknown> =>
                point.run === 'sideload'
                    ? a.sideload(rom, {}, { stallMs: 1500 })
                    : point.run === 'pull'
                      ? a.pull('/sdcard/TWRP/BACKUPS/boot.emmc.win', `${local}.pulled`, {}, { stallMs: 1500 })
                      : a.push(local, '/sdcard/revive/panel.bin', {}, { verifyOnPhone: true, stallMs: 1500 });
            Object.assign(phone.faults, point.fault);
            const error = await failsClearly(run(adb), 30_000);
            if (point.run === 'sideload') expect(phone.state.installed).toEqual([]);
            expect(error.message).not.toMatch(/^Done|succeeded|verified|matches/);
            adb = await again(phone, connect, point.fault.stallAfterBytes !== undefined, adb);
            await run(adb);
            if (point.run === 'sideload') expect(phone.state.installed.map((p) => p.sha256)).toEqual([sha256(readFileSync(rom))]);
            if (point.run === 'pull') expect(sha256(readFileSync(`${local}.pulled`))).toBe(sha256(data));
        });
    }
});
