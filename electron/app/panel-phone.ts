/**
 * Reaching a phone over adb for the panels: the built-in virtual phone, and USB or USB/IP phones
 * the backend's device watcher found. A push reports the SHA-256 the
 * phone computes of the stored file (toybox sha256sum), so the push job checks the phone's copy,
 * not just the bytes sent.
 */
import { join } from 'node:path';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach } from '../../native/adb/phone.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { PanelPhone, PhoneConnector } from '../jobs/panels/push.js';

export function notReachable(): ReviveError {
    return ReviveError.of('phone-not-in-android', {});
}

/**
 * One adb connection per USB appearance, shared by the panel jobs (as the adb server does): the
 * jobs close "their" phone when done, the connection stays for the next one; a re-plug or mode
 * change brings a new USBDevice and so a new connection. Holds at most one phone at a time.
 */
export class SharedAdbConnection {
    #open: { usbDevice: USBDevice; phone: Promise<PanelPhone> } | undefined;

    constructor(readonly keyStore: () => AdbKeyStore) {}

    async connect(target: { usbDevice: USBDevice; usb?: USB | undefined }, signal: AbortSignal | undefined): Promise<PanelPhone> {
        if (this.#open?.usbDevice !== target.usbDevice) {
            await this.close();
            const phone = connectAdb(target, { signal, keyStore: this.keyStore() });
            const open = { usbDevice: target.usbDevice, phone };
            this.#open = open;
            phone.catch(() => {
                if (this.#open === open) this.#open = undefined;
            });
        }
        const shared = await this.#open.phone;
        return {
            push: (local, remote, ctx, options) => shared.push(local, remote, ctx, options),
            install: (apk, ctx) => shared.install(apk, ctx),
            shell: (command) => shared.shell(command),
            close: async () => undefined,
        };
    }

    /** True while a connection to this USB appearance is open. */
    holds(usbDevice: USBDevice | undefined): boolean {
        return usbDevice !== undefined && this.#open?.usbDevice === usbDevice;
    }

    /** Hang up (before someone else, e.g. an upgrade, talks to the phone: adbd serves one host at a time). */
    async close(): Promise<void> {
        const open = this.#open;
        this.#open = undefined;
        if (open) await (await open.phone.catch(() => undefined))?.close();
    }
}

/** adb to the virtual phone while it is plugged in and started normally. */
export class VirtualAdbSession {
    readonly #shared: SharedAdbConnection;
    /** The phone's own `detach`, as WebUSB's `disconnect`: the connection learns of an unplug in the same tick. */
    readonly #usb: USB;

    constructor(
        readonly phone: VirtualPhone,
        readonly home: string,
    ) {
        this.#shared = new SharedAdbConnection(() => new AdbKeyStore({ appDir: join(home, 'adb'), userAdbDir: null }));
        this.#usb = usbManagerFromDetach(phone);
    }

    readonly connect: PhoneConnector = async (signal) => {
        const usbDevice = this.phone.usbDevice;
        if (this.phone.isUnplugged || this.phone.mode !== 'android' || !usbDevice) throw notReachable();
        return this.#shared.connect({ usbDevice, usb: this.#usb }, signal);
    };

    close(): Promise<void> {
        return this.#shared.close();
    }
}
