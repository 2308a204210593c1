/**
 * One behaviour suite for WebUsbTransport, run over every kind of USBDevice we produce
 * (in-process virtual phone, USB/IP import): they must behave the same.
 */
import { afterEach, expect, it } from 'vitest';
import { WebUsbTransport } from '../../../native/usb/webusb-transport.js';
import { UsbError } from '../../../native/usb/transport.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';

/** Echoes each host→device transfer back as one IN transfer (a ZLP comes back as a ZLP). */
export const echoProtocol: ModeProtocol = {
    async serve(pipe) {
        for (;;) pipe.send(await pipe.receive());
    },
};

export interface DeviceSource {
    /** Expose the phone's current USB device through this path (in-process, USB/IP, …). */
    device(phone: VirtualPhone): Promise<USBDevice>;
    cleanup?(): Promise<void>;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

export function transportSuite(source: () => DeviceSource): void {
    const phones: VirtualPhone[] = [];
    let current: DeviceSource | undefined;
    afterEach(async () => {
        await current?.cleanup?.();
        current = undefined;
        for (const phone of phones.splice(0)) await phone.close();
    });

    async function setup(codename = 'ks01ltexx', mode: 'download' | 'bootloader' = 'download'): Promise<{ phone: VirtualPhone; transport: WebUsbTransport }> {
        const phone = await VirtualPhone.create({ codename, mode, enumerationDelayMs: 20, protocols: { [mode]: echoProtocol } });
        phones.push(phone);
        current = source();
        const device = await current.device(phone);
        const transport = await WebUsbTransport.open(device, mode === 'download' ? 'samsung-download' : { class: 0xff, subclass: 0x42, protocol: 0x03 });
        return { phone, transport };
    }

    it('picks the CDC Data interface of Samsung download mode and echoes data', async () => {
        const { transport } = await setup();
        expect(transport.selected).toMatchObject({ interfaceNumber: 1, alternateSetting: 0 });
        expect(transport.selected.inEndpoint.endpointNumber).toBe(1);
        expect(transport.selected.outEndpoint.endpointNumber).toBe(2);
        expect(transport.packetSize).toEqual({ in: 512, out: 512 });
        expect(transport.info).toMatchObject({ vendorId: 0x04e8, productId: 0x685d, manufacturer: 'SAMSUNG' });
        await transport.write(bytes('ODIN'));
        expect(text(await transport.read(7, { timeoutMs: 2000 }))).toBe('ODIN');
    });

    it('follows the ZLP policy: auto on a packet multiple, always, never', async () => {
        const { transport } = await setup('shamu', 'bootloader');
        const full = new Uint8Array(1024).fill(7);
        await transport.write(full, { zlp: 'auto' });
        expect((await transport.read(4096, { timeoutMs: 2000 })).length).toBe(1024);
        expect((await transport.read(4096, { timeoutMs: 2000 })).length).toBe(0);
        await transport.write(bytes('abc'), { zlp: 'auto' });
        await transport.write(bytes('abc'), { zlp: 'always' });
        expect(text(await transport.read(64, { timeoutMs: 2000 }))).toBe('abc');
        expect(text(await transport.read(64, { timeoutMs: 2000 }))).toBe('abc');
        expect((await transport.read(64, { timeoutMs: 2000 })).length).toBe(0);
        await transport.write(full, { zlp: 'never' });
        await transport.write(bytes('next'), { zlp: 'never' });
        expect((await transport.read(4096, { timeoutMs: 2000 })).length).toBe(1024);
        expect(text(await transport.read(64, { timeoutMs: 2000 }))).toBe('next');
        await transport.write(new Uint8Array(0));
        expect((await transport.read(64, { timeoutMs: 2000 })).length).toBe(0);
    });

    it('times out a read without eating the reply that comes later', async () => {
        const { transport } = await setup();
        const started = Date.now();
        const error = await transport.read(64, { timeoutMs: 150 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UsbError);
        expect((error as UsbError).code).toBe('timeout');
        expect(Date.now() - started).toBeLessThan(1000);
        await transport.write(bytes('late'));
        expect(text(await transport.read(64, { timeoutMs: 2000 }))).toBe('late');
    });

    it('aborts a read on the signal and keeps working', async () => {
        const { transport } = await setup();
        const controller = new AbortController();
        const pending = transport.read(64, { signal: controller.signal });
        setTimeout(() => controller.abort(), 50);
        await expect(pending).rejects.toMatchObject({ code: 'aborted' });
        await transport.write(bytes('after'));
        expect(text(await transport.read(64, { timeoutMs: 2000 }))).toBe('after');
    });

    it('rejects a pending read with "disconnected" within 1 s of an unplug, and resolves closed', async () => {
        const { phone, transport } = await setup();
        const pending = transport.read(64);
        pending.catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
        const started = Date.now();
        phone.unplug();
        const error = await pending.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UsbError);
        expect((error as UsbError).code).toBe('disconnected');
        expect((error as UsbError).message).toMatch(/unplugged|disconnected|pulled/i);
        await transport.closed;
        expect(Date.now() - started).toBeLessThan(1000);
        await expect(transport.write(bytes('x'))).rejects.toMatchObject({ code: 'disconnected' });
    });

    it('rejects a write cut by an unplug mid-transfer (fault: unplug after N bytes)', async () => {
        const { phone, transport } = await setup();
        phone.faults.unplugAfterBytes = 3000;
        await transport.write(new Uint8Array(2048));
        await transport.read(4096, { timeoutMs: 2000 });
        const started = Date.now();
        await expect(transport.write(new Uint8Array(2048))).rejects.toMatchObject({ code: 'disconnected' });
        expect(Date.now() - started).toBeLessThan(1000);
        expect(phone.usbDevice).toBeUndefined();
        expect(phone.mode).toBe('download');
    });
}
