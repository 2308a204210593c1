import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';

/** A tiny protocol: echoes each host→device transfer back. */
const echo: ModeProtocol = {
    async serve(pipe) {
        for (;;) pipe.send(await pipe.receive());
    },
};

const phones: VirtualPhone[] = [];
const dirs: string[] = [];
afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function make(options: Parameters<typeof VirtualPhone.create>[0]): Promise<VirtualPhone> {
    const phone = await VirtualPhone.create({ enumerationDelayMs: 20, ...options });
    phones.push(phone);
    return phone;
}

describe('VirtualPhone', () => {
    it('builds identity from the recipe: serial prefix, lock state, Android version', async () => {
        const shamu = await make({ codename: 'shamu', mode: 'bootloader' });
        expect(shamu.serial).toMatch(/^ZX1G[0-9a-f]{8}$/);
        expect(shamu.state.bootloaderLocked).toBe(true);
        expect(shamu.state.androidVersion).toBe('7.1.1');
        const galaxy = await make({ codename: 'ks01ltexx', mode: 'download' });
        expect(galaxy.state.bootloaderLocked).toBe(false);
        expect(galaxy.usbDevice?.vendorId).toBe(0x04e8);
        expect(galaxy.usbDevice?.productId).toBe(0x685d);
    });

    it('gives an Odin phone every named partition of its PIT, beside the recipe ones', async () => {
        const galaxy = await make({ codename: 'ks01ltexx', mode: 'download' });
        const names = galaxy.partitions.names();
        expect(names).toEqual(expect.arrayContaining(['RECOVERY', 'USERDATA', 'SBL1', 'ABOOT', 'PARAM']));
        expect(galaxy.partitions.sizeBytes('RECOVERY')).toBe(10485760);
        expect(galaxy.partitions.sizeBytes('SBL1')).toBeGreaterThan(0);
    });

    it('leaves the factory with data in EFS, which no host wrote', async () => {
        const galaxy = await make({ codename: 'ks01ltexx', mode: 'download' });
        expect(await galaxy.partitions.storedLength('EFS')).toBe(64 * 1024);
        expect(galaxy.partitions.writeCount('EFS')).toBe(0);
        const head = Buffer.from(await galaxy.partitions.read('EFS', 0, 64)).toString('latin1');
        expect(head).toContain(`REVIVE VIRTUAL EFS ${galaxy.serial}`);
    });

    it('shows a Samsung download-mode CDC pair with bulk 0x81/0x02 and 512-byte packets', async () => {
        const phone = await make({ codename: 'ks01ltexx', mode: 'download' });
        const device = phone.usbDevice!;
        expect(device.deviceClass).toBe(2);
        const interfaces = device.configuration!.interfaces;
        expect(interfaces.map((i) => i.alternate.interfaceClass)).toEqual([0x02, 0x0a]);
        expect(interfaces[1]!.alternate.endpoints).toEqual([
            { endpointNumber: 1, direction: 'in', type: 'bulk', packetSize: 512 },
            { endpointNumber: 2, direction: 'out', type: 'bulk', packetSize: 512 },
        ]);
        expect(interfaces[0]!.alternate.endpoints[0]).toMatchObject({ endpointNumber: 3, direction: 'in', type: 'interrupt' });
        expect(device.manufacturerName).toBe('SAMSUNG');
        expect(device.serialNumber).toBeNull();
    });

    it('answers standard and CDC control requests and stalls unknown ones', async () => {
        const phone = await make({ codename: 'ks01ltexx', mode: 'download' });
        const device = phone.usbDevice!;
        await device.open();
        const desc = await device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0100, index: 0 }, 18);
        expect(desc.data?.getUint16(8, true)).toBe(0x04e8);
        const config = await device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 }, 255);
        expect(config.data?.byteLength).toBe(67);
        const langs = await device.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 6, value: 0x0300, index: 0 }, 255);
        expect(langs.data?.getUint16(2, true)).toBe(0x0409);
        const coding = Uint8Array.of(0x00, 0x10, 0x0e, 0x00, 0, 0, 8);
        expect((await device.controlTransferOut({ requestType: 'class', recipient: 'interface', request: 0x20, value: 0, index: 0 }, coding)).status).toBe('ok');
        const back = await device.controlTransferIn({ requestType: 'class', recipient: 'interface', request: 0x21, value: 0, index: 0 }, 7);
        expect(new Uint8Array(back.data!.buffer, back.data!.byteOffset, 7)).toEqual(coding);
        expect((await device.controlTransferIn({ requestType: 'vendor', recipient: 'device', request: 0x42, value: 0, index: 0 }, 4)).status).toBe('stall');
    });

    it('carries bulk transfers to the mode protocol and re-enumerates on reboot', async () => {
        const phone = await make({ codename: 'shamu', mode: 'bootloader', protocols: { bootloader: echo, recovery: echo } });
        const device = phone.usbDevice!;
        await device.open();
        await device.claimInterface(0);
        await device.transferOut(1, new TextEncoder().encode('hello'));
        const reply = await device.transferIn(1, 512);
        expect(new TextDecoder().decode(reply.data)).toBe('hello');

        const pending = device.transferIn(1, 512);
        const detached = new Promise<string>((resolve) => phone.once('detach', (_d, reason) => resolve(reason)));
        phone.reboot('recovery');
        expect(phone.usbDevice).toBeUndefined();
        await expect(pending).rejects.toThrow(/disconnected/);
        expect(await detached).toMatch(/recovery/);
        const next = await phone.waitForDevice({ mode: 'recovery', timeoutMs: 2000 });
        expect(next.productId).toBe(53249);
        expect(next).not.toBe(device);
    });

    it('keeps partitions as sparse files with write counters, and state.json across runs', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'revive-phone-test-'));
        dirs.push(dir);
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', stateDir: dir, batteryPercent: 64 });
        expect(phone.partitions.names()).toContain('recovery');
        await phone.partitions.write('recovery', 4096, Uint8Array.of(1, 2, 3));
        expect(await phone.partitions.read('recovery', 4094, 6)).toEqual(Uint8Array.of(0, 0, 1, 2, 3, 0));
        expect(phone.partitions.writeCount('recovery')).toBe(1);
        expect(phone.partitions.writeCount('boot')).toBe(0);
        expect(statSync(phone.partitions.path('recovery')).size).toBe(4099);
        phone.partitions.markIncomplete('boot', 100);
        phone.state.installed.push({ id: 'x', fileName: 'x.zip', sha256: '0'.repeat(64), installedAt: '2024-01-01T00:00:00Z' });
        await phone.saveState();
        const serial = phone.serial;
        await phone.close();

        const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
        expect(saved).toMatchObject({ mode: 'bootloader', batteryPercent: 64, bootloaderLocked: true, writeCounts: { recovery: 1 }, incomplete: { boot: 100 } });

        const again = await make({ codename: 'shamu', stateDir: dir });
        expect(again.serial).toBe(serial);
        expect(again.mode).toBe('bootloader');
        expect(again.partitions.writeCount('recovery')).toBe(1);
        expect(again.partitions.isIncomplete('boot')).toBe(true);
        expect(again.state.installed).toHaveLength(1);
    });

    it('unplugs after N host bytes, fails the pending transfer, and replugs on demand', async () => {
        const sink: ModeProtocol = { async serve(pipe) { for (;;) await pipe.receive(); } };
        const phone = await make({ codename: 'shamu', mode: 'bootloader', protocols: { bootloader: sink } });
        phone.faults.unplugAfterBytes = 1000;
        const device = phone.usbDevice!;
        await device.open();
        await device.claimInterface(0);
        await device.transferOut(1, new Uint8Array(600));
        await expect(device.transferOut(1, new Uint8Array(600))).rejects.toThrow(/disconnected/);
        expect(phone.usbDevice).toBeUndefined();
        expect(phone.mode).toBe('bootloader');
        phone.replug();
        expect(phone.usbDevice).toBeDefined();
    });

    it('dies when the battery runs out', async () => {
        const phone = await make({ codename: 'shamu', mode: 'android' });
        phone.setBatteryPercent(0);
        expect(phone.mode).toBe('off');
        expect(phone.usbDevice).toBeUndefined();
        expect(() => phone.pressKeys('bootloader')).toThrow(/battery/);
    });
});
