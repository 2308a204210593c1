import { afterEach, describe, expect, it } from 'vitest';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { UsbIpClient } from '../../../native/usbip/client.js';
import { hasReviveExtensions } from '../../../native/usb/backend-device.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('UsbIpServer', () => {
    it('lists the phone, closes an import on re-enumeration, and the next import sees the new mode', async () => {
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', enumerationDelayMs: 30 });
        cleanups.push(() => phone.close());
        const server = await UsbIpServer.start();
        cleanups.push(() => server.close());
        const busid = server.export(phone);
        const client = new UsbIpClient(server.address);

        const [entry] = await client.list();
        expect(entry?.device).toMatchObject({ busid: '1-1', vendorId: 0x18d1, productId: 0x4ee0 });
        expect(entry?.interfaces).toEqual([{ interfaceClass: 0xff, interfaceSubclass: 0x42, interfaceProtocol: 0x03 }]);

        const device = await client.import(busid);
        expect(device.serialNumber).toBe(phone.serial);
        expect(device.productName).toBe('Nexus 6');
        phone.reboot('recovery');
        if (!hasReviveExtensions(device)) throw new Error('imported devices carry the disconnect promise');
        await device.disconnected;
        await phone.waitForDevice({ mode: 'recovery', timeoutMs: 2000 });
        const [after] = await client.list();
        expect(after?.device).toMatchObject({ busid: '1-1', productId: 0xd001 });
        expect(after!.device.devnum).not.toBe(entry!.device.devnum);
        const again = await client.import(busid);
        expect(again.configuration?.interfaces[0]?.alternate.interfaceProtocol).toBe(0x01);
        await again.forget();
    });

    it('refuses to import a device that is off the bus', async () => {
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader' });
        cleanups.push(() => phone.close());
        const server = await UsbIpServer.start();
        cleanups.push(() => server.close());
        const busid = server.export(phone);
        phone.unplug();
        const client = new UsbIpClient(server.address);
        expect(await client.list()).toEqual([]);
        await expect(client.import(busid)).rejects.toMatchObject({ code: 'usbip-import-refused' });
    });
});
