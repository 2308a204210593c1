/**
 * The phones the app knows: the real ones on local USB and USB/IP servers
 * (phone-finding/usb-phones.ts) and the built-in virtual phone, one more source of the same
 * watcher. It lists them (one devicesChanged snapshot once a change has settled), reaches a phone
 * over adb for the panels, and hands an upgrade the phone it runs on.
 */
import { join } from 'node:path';
import type { Device, DeviceSnapshot } from '../api/contract.js';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { DetectedDevice, DeviceWatcher } from '../../native/usb/watcher.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import type { PhoneConnector } from '../jobs/panels/push.js';
import type { PhoneLocator, ProtocolLinks } from '../jobs/phone-link.js';
import type { DeviceRef } from '../jobs/types.js';
import { virtualPhoneSession } from '../phone-finding/device-session.js';
import { modeOfDetected } from '../phone-finding/listing.js';
import { deviceMatcher, deviceRefOf, sessionOnWatcher, type DeviceSession } from '../phone-finding/locate.js';
import { UsbPhones } from '../phone-finding/usb-phones.js';
import { SharedAdbConnection, VirtualAdbSession, notReachable } from './panel-phone.js';

/** The device-list id of the virtual phone is this and its codename. */
export const VIRTUAL_PREFIX = 'virtual:';

export interface AppPhonesOptions {
    readonly home: string;
    readonly recipes: readonly Recipe[];
    readonly usbipSources?: readonly string[] | undefined;
    readonly localUsb?: boolean | undefined;
    readonly usbipPollMs?: number | undefined;
    readonly onNotice: (message: string) => void;
    /** The list changed (sent once a mode change's detach and attach have settled). */
    readonly onSnapshot: (snapshot: DeviceSnapshot) => void;
    /** Whether an upgrade runs on this virtual phone now. */
    readonly upgrading: (phone: VirtualPhone) => boolean;
}

/** The phone an upgrade runs on, how it is found across restarts, and what to release afterwards. */
export interface UpgradeTarget {
    readonly ref: DeviceRef;
    readonly locator: PhoneLocator;
    readonly links: ProtocolLinks;
    /** The watcher that follows it: what its port remembers of the phone (identity). */
    readonly watcher: DeviceWatcher | undefined;
    readonly virtual: VirtualPhone | undefined;
    release(): Promise<void>;
}

export interface AppPhones {
    /** Settles once local USB was listed and every USB/IP server polled once. */
    readonly ready: Promise<void>;
    /** The built-in virtual phone, when one was started. */
    readonly virtual: VirtualPhone | undefined;
    snapshot(): DeviceSnapshot;
    /** Tell the page the list changed, once it has settled. */
    announce(): void;
    /** Start (or plug back in) the virtual phone of this recipe; another one is closed first. */
    startVirtual(recipe: Recipe): Promise<Device>;
    requireVirtual(): VirtualPhone;
    /** How the panels reach the phone with this id over adb; throws when it cannot be used now. */
    connectorFor(deviceId: string): PhoneConnector;
    /** The phone with this id, taken for an upgrade with this recipe. */
    targetFor(deviceId: string, recipe: Recipe, onWaitingForAuth: (message: string) => void): Promise<UpgradeTarget>;
    close(): Promise<void>;
}

export function createAppPhones(options: AppPhonesOptions): AppPhones {
    let virtual: VirtualPhone | undefined;
    let unwatchVirtual: (() => void) | undefined;
    let snapshotTimer: NodeJS.Timeout | undefined;
    let closed = false;
    let adbSession: VirtualAdbSession | undefined;
    // The panels' adb connection to a USB or USB/IP phone, with the key the upgrade and the list use.
    const usbAdb = new SharedAdbConnection(() => new AdbKeyStore());
    const busyError = (): ReviveError => ReviveError.of('device-busy', {});
    const gone = (): ReviveError => ReviveError.of('device-gone', {});
    const virtualBusy = (): boolean => virtual !== undefined && options.upgrading(virtual);

    // A mode change is a detach and an attach a moment apart: tell the UI once it has settled.
    const announce = (): void => {
        if (closed) return;
        clearTimeout(snapshotTimer);
        snapshotTimer = setTimeout(() => options.onSnapshot(snapshot()), 30);
    };

    const usbPhones = new UsbPhones({
        recipes: options.recipes,
        usbipSources: options.usbipSources,
        localUsb: options.localUsb,
        pollMs: options.usbipPollMs,
        onNotice: options.onNotice,
        onChange: announce,
    });

    /** The virtual phone as the list's watcher sees it: one more source, found like any phone. */
    const virtualEntry = (): DetectedDevice | undefined => (virtual ? usbPhones.watcher.list().find((d) => d.source === 'virtual' && d.id === `virtual:${virtual?.serial}`) : undefined);

    const snapshot = (): DeviceSnapshot => {
        const devices: Device[] = [];
        const entry = virtualEntry();
        const mode = entry ? modeOfDetected(entry) : undefined;
        if (virtual && entry && mode) {
            // The watcher's entry says where and in which mode it is; the phone adds what USB does
            // not tell (its battery), and the backend whether an upgrade holds it.
            devices.push({
                id: `${VIRTUAL_PREFIX}${virtual.recipe.id}`,
                serial: entry.serial ?? virtual.serial,
                name: entry.name ?? virtual.recipe.name,
                recipeId: entry.recipeId ?? virtual.recipe.id,
                mode,
                state: virtualBusy() ? 'busy' : 'ready',
                batteryPercent: virtual.state.batteryPercent,
                virtual: true,
            });
        }
        devices.push(...usbPhones.devices());
        return {
            devices,
            virtualPhone: virtual ? { codename: virtual.recipe.id, name: virtual.recipe.name, plugged: !virtual.isUnplugged } : null,
        };
    };

    const watchPhone = (phone: VirtualPhone): void => {
        unwatchVirtual = usbPhones.watcher.addVirtualPhone(phone);
        phone.on('attach', announce);
        phone.on('detach', announce);
        phone.on('mode', announce);
    };

    const virtualTarget = async (phone: VirtualPhone, recipe: Recipe): Promise<UpgradeTarget> => {
        // adbd serves one host at a time: the panels hang up before the job connects.
        if (adbSession?.phone === phone) await adbSession.close();
        // Followed on the list's own watcher, where the virtual phone is one more source.
        const session = virtualPhoneSession(phone, { watcher: usbPhones.watcher });
        return {
            ref: { kind: 'virtual', codename: recipe.id, stateDir: phone.stateDir },
            locator: session.locator,
            links: session.links,
            watcher: session.watcher,
            virtual: phone,
            release: () => session.close(),
        };
    };

    const watchedTarget = async (deviceId: string, recipe: Recipe, onWaitingForAuth: (message: string) => void): Promise<UpgradeTarget> => {
        const picked = usbPhones.find(deviceId);
        if (!picked) throw gone();
        if (usbPhones.busy(picked)) throw busyError();
        await usbPhones.settled(picked);
        const known = usbPhones.recipeOf(picked);
        if (known && known.id !== recipe.id) {
            throw ReviveError.of('recipe-mismatch', { connected: known.name, phone: recipe.name });
        }
        const ref = deviceRefOf(picked);
        const release = usbPhones.claim(deviceMatcher(ref, recipe), recipe);
        let session: DeviceSession;
        try {
            if (usbAdb.holds(picked.device)) await usbAdb.close();
            session = await sessionOnWatcher(usbPhones.watcher, ref, picked, { recipeHint: recipe.id, linkOptions: { onWaitingForAuth } });
        } catch (error) {
            release();
            throw error;
        }
        return {
            ref,
            locator: session.locator,
            links: session.links,
            watcher: session.watcher,
            virtual: undefined,
            release: async () => {
                await session.close();
                release();
            },
        };
    };

    return {
        ready: usbPhones.ready,
        get virtual() {
            return virtual;
        },
        snapshot,
        announce,
        async startVirtual(recipe) {
            if (virtual && virtual.recipe.id !== recipe.id) {
                if (virtualBusy()) throw ReviveError.of('virtual-busy', { phone: virtual.recipe.name });
                unwatchVirtual?.();
                await virtual.close();
                virtual = undefined;
            }
            if (!virtual) {
                virtual = await VirtualPhone.create({ recipe, stateDir: join(options.home, 'virtual', recipe.id), mode: 'android' });
                watchPhone(virtual);
            } else if (virtual.isUnplugged) {
                virtual.replug();
            }
            const phone = virtual;
            if (!phone.usbDevice) await phone.waitForDevice({ timeoutMs: 5000 });
            if (!virtualEntry()) await usbPhones.watcher.waitFor((d) => d.id === `virtual:${phone.serial}`, { timeoutMs: 5000 }).catch(() => undefined);
            const device = snapshot().devices.find((d) => d.virtual);
            options.onSnapshot(snapshot());
            if (!device) throw ReviveError.of('virtual-not-ready', {});
            return device;
        },
        requireVirtual() {
            if (!virtual) throw ReviveError.of('no-virtual-phone', {});
            return virtual;
        },
        connectorFor(deviceId) {
            if (virtual && deviceId === `${VIRTUAL_PREFIX}${virtual.recipe.id}`) {
                if (virtualBusy()) throw busyError();
                if (adbSession?.phone !== virtual) {
                    void adbSession?.close();
                    adbSession = new VirtualAdbSession(virtual, options.home);
                }
                return adbSession.connect;
            }
            const picked = usbPhones.find(deviceId);
            if (!picked) throw gone();
            if (usbPhones.busy(picked)) throw busyError();
            // Lazily, as the jobs ask: the phone may have restarted since it was picked.
            return async (signal) => {
                const now = usbPhones.find(deviceId);
                if (!now) throw gone();
                if (usbPhones.busy(now)) throw busyError();
                if (now.mode !== 'adb' || modeOfDetected(now) !== 'android') throw notReachable();
                await usbPhones.settled(now);
                return usbAdb.connect({ usbDevice: now.device }, signal);
            };
        },
        async targetFor(deviceId, recipe, onWaitingForAuth) {
            if (!deviceId.startsWith(VIRTUAL_PREFIX)) return watchedTarget(deviceId, recipe, onWaitingForAuth);
            if (!virtual || `${VIRTUAL_PREFIX}${virtual.recipe.id}` !== deviceId) throw gone();
            if (virtualBusy()) throw busyError();
            return virtualTarget(virtual, recipe);
        },
        async close() {
            closed = true;
            clearTimeout(snapshotTimer);
            await adbSession?.close();
            await usbAdb.close();
            unwatchVirtual?.();
            usbPhones.close();
            await virtual?.close();
            virtual = undefined;
        },
    };
}
