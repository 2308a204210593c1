/**
 * One virtual phone and our adb host side on it, per test: a temp folder, the phone (state in
 * `<dir>/phone`), an adb connection with a key of its own (`<dir>/app`), and the teardown after
 * each test. Call once at the top of a test file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach, type AdbPhone } from '../../native/adb/phone.js';
import { VirtualPhone, type VirtualPhoneOptions } from '../../native/virtual/phone.js';

export interface VirtualAdb {
    /** This test's temp folder. */
    readonly dir: string;
    /** A key store of this test's own (the phone's owner accepts it). */
    keyStore(): AdbKeyStore;
    /** A virtual Galaxy S4 in this mode, closed after the test. */
    phone(mode: 'android' | 'recovery', options?: Partial<VirtualPhoneOptions>): Promise<VirtualPhone>;
    /** adb on the phone, closed after the test; `follow`: found again when the phone re-enumerates. */
    adb(phone: VirtualPhone, options?: { readonly follow?: boolean }): Promise<AdbPhone>;
}

export function useVirtualAdb(name: string): VirtualAdb {
    let dir = '';
    let phone: VirtualPhone | undefined;
    let adb: AdbPhone | undefined;
    beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), `revive-${name}-`));
    });
    afterEach(async () => {
        await adb?.close();
        await phone?.close();
        adb = undefined;
        phone = undefined;
        await rm(dir, { recursive: true, force: true });
    });
    const keyStore = (): AdbKeyStore => new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null });
    return {
        get dir() {
            return dir;
        },
        keyStore,
        async phone(mode, options = {}) {
            phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode, owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20, ...options });
            return phone;
        },
        async adb(p, options = {}) {
            const usbDevice = p.usbDevice;
            if (!usbDevice) throw new Error('virtual phone not on the bus');
            const target = options.follow ? { usbDevice, usb: usbManagerFromDetach(p), findAgain: (signal?: AbortSignal) => p.waitForDevice({ timeoutMs: 10_000, signal }) } : { usbDevice };
            adb = await connectAdb(target, { keyStore: keyStore() });
            return adb;
        },
    };
}
