/** Our Odin host over USB/IP: the client's imported USBDevice → WebUsbTransport → the virtual phone. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { odinDownloadPit, odinFlash } from '../../../native/odin/flash.js';
import { WebUsbTransport } from '../../../native/usb/webusb-transport.js';
import { UsbIpClient } from '../../../native/usbip/client.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { PIT_RESOURCE_DIR } from '../../../native/virtual/odin-device.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';
import { MiB, cleanup, createBench, downloadPhone, imageFile, type Bench } from './helpers.js';

let bench: Bench;
let phone: VirtualPhone;
let server: UsbIpServer;
let transport: WebUsbTransport;

beforeAll(async () => {
    bench = createBench();
    phone = await downloadPhone(bench);
    server = await UsbIpServer.start({ port: 0 });
    server.export(phone, '1-1');
    const device = await new UsbIpClient(server.address).import('1-1');
    transport = await WebUsbTransport.open(device, 'samsung-download');
    bench.transports.push(transport);
});

afterAll(async () => {
    await transport?.close().catch(() => undefined);
    await server?.close();
    await cleanup(bench);
});

describe('Odin host over USB/IP', () => {
    it('downloads the PIT byte-identical', async () => {
        const pit = await odinDownloadPit(transport, { reboot: false, resume: false });
        expect(Buffer.from(pit).equals(readFileSync(join(PIT_RESOURCE_DIR, 'gtaxllte.pit')))).toBe(true);
    });

    it.each([
        ['1 byte', 1],
        ['1 MiB + 3 bytes', MiB + 3],
        ['40 MiB', 40 * MiB],
    ])('flashes RECOVERY with %s', async (_label, size) => {
        const image = imageFile(bench, `recovery-${size}.img`, size);
        const result = await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: true });
        expect(result.flashed).toEqual([{ partition: 'RECOVERY', bytes: size }]);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
    });
});
