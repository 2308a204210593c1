import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceWatcher, type DetectedDevice } from '../../../native/usb/watcher.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { UsbIpServer } from '../../../native/usbip/server.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function nextEvent(watcher: DeviceWatcher, event: 'attach' | 'detach'): Promise<DetectedDevice> {
    return new Promise((resolve) => watcher.once(event, resolve));
}

describe('DeviceWatcher', () => {
    it('reports an in-process virtual phone, its detach on unplug and its return in a new mode', async () => {
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', enumerationDelayMs: 20 });
        cleanups.push(() => phone.close());
        const watcher = new DeviceWatcher();
        cleanups.push(() => watcher.close());
        const attached = nextEvent(watcher, 'attach');
        watcher.addVirtualPhone(phone);
        expect(await attached).toMatchObject({ id: `virtual:${phone.serial}`, source: 'virtual', mode: 'fastboot', state: 'bootloader', recipeId: 'shamu', serial: phone.serial });
        const detached = nextEvent(watcher, 'detach');
        phone.unplug();
        expect((await detached).id).toBe(`virtual:${phone.serial}`);
        expect(watcher.list()).toHaveLength(0);
        phone.replug();
        phone.reboot('android');
        const found = await watcher.waitFor((d) => d.mode === 'adb', { timeoutMs: 2000 });
        expect(found.state).toBe('device');
    });

    it('imports USB/IP devices, sees a Samsung in download mode and reports the detach', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', enumerationDelayMs: 20 });
        cleanups.push(() => phone.close());
        const server = await UsbIpServer.start();
        cleanups.push(() => server.close());
        server.export(phone);
        const watcher = new DeviceWatcher({ pollMs: 100 });
        cleanups.push(() => watcher.close());
        watcher.addUsbIpSource(server.address);
        const found = await watcher.waitFor((d) => d.source === 'usbip', { timeoutMs: 3000 });
        expect(found).toMatchObject({ mode: 'samsung-download', state: 'download', vendorId: 0x04e8, productId: 0x685d, recipeId: 'ks01ltexx', product: 'MSM8974' });
        const detached = nextEvent(watcher, 'detach');
        const started = Date.now();
        phone.unplug();
        expect((await detached).id).toBe(found.id);
        expect(Date.now() - started).toBeLessThan(1000);
    });

    it('says once that there is no local USB bus instead of failing', async () => {
        const watcher = new DeviceWatcher();
        cleanups.push(() => watcher.close());
        const notices: string[] = [];
        watcher.on('notice', (n) => notices.push(n));
        await watcher.startLocal();
        if (!existsSync('/sys/bus/usb')) expect(notices).toEqual([expect.stringMatching(/No local USB bus/)]);
        else expect(notices.filter((n) => /No local USB bus/.test(n))).toEqual([]);
    });

    it('times out waitFor with a clear error', async () => {
        const watcher = new DeviceWatcher();
        cleanups.push(() => watcher.close());
        await expect(watcher.waitFor(() => true, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    });
});
