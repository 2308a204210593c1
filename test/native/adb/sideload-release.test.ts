/**
 * A finished sideload leaves nothing running: the wait for recovery to leave sideload mode had a
 * 10-second timer that outlived the command, so `revive adb sideload` sat after saying "Installed",
 * and a Ctrl-C in that window killed it with status 130.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach } from '../../../native/adb/phone.js';
import { writeDemoRom } from '../../../native/integrity/demo-packages.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-sideload-release-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('after a sideload', () => {
    it('no timer of the sideload is left running once the phone is closed', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir: join(dir, 'phone'), owner: 'accept', enumerationDelayMs: 10 });
        try {
            const rom = join(dir, 'rom.zip');
            await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 200 * 1024 });
            const usbDevice = await phone.waitForDevice({ mode: 'recovery', timeoutMs: 10_000 });
            const adb = await connectAdb({ usbDevice, usb: usbManagerFromDetach(phone), findAgain: (signal) => phone.waitForDevice({ timeoutMs: 30_000, signal }) }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) });
            const before = timers();
            await adb.sideload(rom);
            await adb.close();
            expect(phone.state.installed).toHaveLength(1);
            expect(timers()).toBeLessThanOrEqual(before);
        } finally {
            await phone.close();
        }
    }, 120_000);
});
