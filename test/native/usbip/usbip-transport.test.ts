import { describe } from 'vitest';
import { transportSuite } from '../usb/transport-suite.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { UsbIpClient } from '../../../native/usbip/client.js';

describe('WebUsbTransport over a USB/IP-imported device', () => {
    transportSuite(() => {
        let server: UsbIpServer | undefined;
        let device: USBDevice | undefined;
        return {
            async device(phone) {
                server = await UsbIpServer.start();
                const busid = server.export(phone);
                device = await new UsbIpClient(server.address).import(busid);
                return device;
            },
            async cleanup() {
                await device?.forget();
                await server?.close();
            },
        };
    });
});
