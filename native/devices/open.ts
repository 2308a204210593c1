/**
 * Reaching the phone a DeviceRef names, for one protocol: fastboot and adb over TCP here, every USB
 * way (local USB, USB/IP, an in-process virtual phone) in open-usb.ts. The one place every CLI
 * command opens a phone. The USB side (WebUSB transports, the `usb` package, USB/IP, the virtual
 * phone) is imported only for a USB target: a `tcp:` command reaches its phone without loading it.
 */
import { connectFastbootTcp } from '../tcp/fastboot-tcp.js';
import type * as UsbSide from './open-usb.js';
import type { OpenDeviceOptions, OpenedAdbTarget, OpenedTransport, PhoneProtocol } from './open-usb.js';
import type { DeviceRef } from './ref.js';

export type { FoundUsbDevice, OpenDeviceOptions, OpenedAdbTarget, OpenedTransport, PhoneProtocol } from './open-usb.js';

const usbSide = (): Promise<typeof UsbSide> => import('./open-usb.js');

/** The phones on this computer's USB that speak this protocol (listing opens nothing). */
export async function localUsbDevices(protocol: PhoneProtocol): Promise<{ usb: USB; devices: USBDevice[] }> {
    return (await usbSide()).localUsbDevices(protocol);
}

/** A transport for fastboot (USB or `tcp:HOST:PORT`) or Samsung download mode (USB only). */
export async function openTransport(ref: DeviceRef | undefined, protocol: 'fastboot' | 'samsung-download', options: OpenDeviceOptions = {}): Promise<OpenedTransport> {
    if (ref?.kind === 'tcp' && protocol === 'fastboot') {
        const transport = await connectFastbootTcp(ref.host, ref.port, { signal: options.signal });
        return { transport, close: () => transport.close().catch(() => undefined) };
    }
    return (await usbSide()).openUsbTransport(ref, protocol, options);
}

/** Where adb reaches the phone: `tcp:HOST:PORT` as it is, a USB target through open-usb.ts. */
export async function openAdbTarget(ref: DeviceRef | undefined, options: OpenDeviceOptions = {}): Promise<OpenedAdbTarget> {
    if (ref?.kind === 'tcp') return { target: { host: ref.host, port: ref.port }, close: async () => undefined };
    return (await usbSide()).openUsbAdbTarget(ref, options);
}
