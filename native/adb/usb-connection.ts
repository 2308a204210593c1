/**
 * adb's connection over USB (local, USB/IP or the in-process virtual phone), on yume-chan's WebUSB
 * daemon transport. phone.ts imports it only for a USB target: `revive adb -s tcp:…` does not load it.
 */
import type { AdbDaemonConnection, AdbPacketData } from '@yume-chan/adb';
import { AdbDaemonWebUsbDevice, AdbDefaultInterfaceFilter, findUsbInterface } from '@yume-chan/adb-daemon-webusb';
import { ReadableStream } from '@yume-chan/stream-extra';
import { ReviveError } from '../jobs/errors.js';
import { hasReviveExtensions } from '../usb/backend-device.js';
import { explainOpenFailure } from '../usb/permissions.js';
import { QuietUsbManager } from './usb-manager.js';

export interface UsbAdbTarget {
    readonly usbDevice: USBDevice;
    readonly usb?: USB | undefined;
}

/** Open adb on the phone's USB interface; `lost` words a failure that is not a refused claim. */
export async function openUsbConnection(target: UsbAdbTarget, lost: (cause: unknown) => ReviveError): Promise<{ connection: AdbDaemonConnection; serial: string; hangUp: () => void }> {
    const device = target.usbDevice;
    const iface = findUsbInterface(device, AdbDefaultInterfaceFilter);
    if (!iface) {
        throw ReviveError.of('adb-no-interface', { product: device.productName ?? '' });
    }
    // yume-chan's connection ends quietly only on its manager's `disconnect`; closing the device
    // under it makes its internal pipe reject with nobody listening. A private manager (forwarding the
    // real one's events) lets a hang-up announce the departure first, to this connection alone.
    const manager = new QuietUsbManager();
    const forward = (event: Event): void => void manager.dispatchEvent(Object.assign(new Event('disconnect'), { device: (event as Event & { device?: USBDevice }).device }));
    target.usb?.addEventListener('disconnect', forward);
    // Our own devices (virtual, USB/IP) say when they are gone even where no manager is passed (the
    // panels' shared connection): without it a write after an unplug rejects with nobody listening.
    if (hasReviveExtensions(device)) void device.disconnected.then(() => manager.dispatchEvent(Object.assign(new Event('disconnect'), { device })));
    const daemon = new AdbDaemonWebUsbDevice(device, iface, manager as unknown as USB);
    const hangUp = (): void => {
        target.usb?.removeEventListener('disconnect', forward);
        manager.dispatchEvent(Object.assign(new Event('disconnect'), { device }));
        void device.close().catch(() => undefined);
    };
    try {
        return { connection: closingByHangUp(await daemon.connect(), hangUp), serial: daemon.serial, hangUp };
    } catch (error) {
        hangUp();
        // Claiming an interface another process holds fails with EBUSY (libusb) or access denied.
        const explained = explainOpenFailure(error, device);
        throw explained instanceof ReviveError ? explained : lost(error);
    }
}


/**
 * The same rule for a close: yume-chan's dispatcher closes by cancelling the connection's readable,
 * which shuts the USB writer while its own last CLSE packets are still on their way to it — a
 * rejection nobody listens to (a crash for the CLI). Here cancelling the readable hangs up instead:
 * the connection ends as if unplugged, and packets still on their way are dropped quietly.
 */
function closingByHangUp(connection: AdbDaemonConnection, hangUp: () => void): AdbDaemonConnection {
    const reader = connection.readable.getReader();
    const readable = new ReadableStream<AdbPacketData>(
        {
            async pull(controller) {
                const next = await reader.read();
                if (next.done) controller.close();
                else controller.enqueue(next.value);
            },
            cancel() {
                hangUp();
            },
        },
        { highWaterMark: 0 },
    );
    return { readable, writable: connection.writable };
}
