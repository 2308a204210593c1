/**
 * What state an adb phone on USB is in, without making it ask its owner anything: authenticate
 * with the keys we have (signature only, never offering a new public key). A phone that accepts
 * answers with its banner (device / recovery / sideload); one that knows none of our keys is
 * `unauthorized`. Fits `setAdbStateRefiner` in native/usb/classify.ts.
 */
import { AdbDaemonTransport } from '@yume-chan/adb';
import { AdbDaemonWebUsbDevice, AdbDefaultInterfaceFilter, findUsbInterface } from '@yume-chan/adb-daemon-webusb';
import { adbSignatureAuthenticator, AdbKeyStore } from './credentials.js';

export type ProbedAdbState = 'device' | 'recovery' | 'sideload' | 'unauthorized';

export async function probeAdbState(device: USBDevice, signal?: AbortSignal, keyStore: AdbKeyStore = new AdbKeyStore()): Promise<ProbedAdbState | undefined> {
    const iface = findUsbInterface(device, AdbDefaultInterfaceFilter);
    if (!iface) return undefined;
    const connection = await new AdbDaemonWebUsbDevice(device, iface, new EventTarget() as unknown as USB).connect();
    const hangUp = (): void => void device.close().catch(() => undefined);
    signal?.addEventListener('abort', hangUp, { once: true });
    try {
        const transport = await AdbDaemonTransport.authenticate({
            serial: device.serialNumber ?? 'usb',
            connection,
            credentialStore: keyStore,
            authenticators: [adbSignatureAuthenticator],
            initialDelayedAckBytes: 0,
        });
        const state: string | undefined = transport.banner.state;
        await transport.close();
        return state === 'recovery' || state === 'sideload' ? state : 'device';
    } catch {
        if (signal?.aborted) return undefined;
        // Every key was refused (or there is none): the phone would ask "Allow USB debugging?".
        hangUp();
        return 'unauthorized';
    } finally {
        signal?.removeEventListener('abort', hangUp);
    }
}
