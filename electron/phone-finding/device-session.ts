/**
 * Opening the phone an upgrade runs on, from a DeviceRef: an in-process virtual phone (state in a
 * folder, like `virtual-phone serve --state-dir`), a phone exported over USB/IP, or a local USB phone
 * by serial. Each is a source of a DeviceWatcher, and its PhoneLocator follows the phone there across
 * re-enumerations.
 */
import { describeDeviceRef } from '../../native/devices/ref.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { DeviceWatcher, type DetectedDevice } from '../../native/usb/watcher.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { modeOfDetected } from './listing.js';
import { sessionForRecipe, sessionOnWatcher, type DeviceSession, type DeviceSessionOptions, type WatchedSessionOptions } from './locate.js';
import type { DeviceRef } from '../jobs/types.js';

export type { DeviceSession, DeviceSessionOptions } from './locate.js';

/** Which entry of a watcher a DeviceRef names first (the session then follows its port). */
function firstMatcher(ref: Exclude<DeviceRef, { kind: 'virtual' | 'tcp' }>): (device: DetectedDevice) => boolean {
    switch (ref.kind) {
        case 'serial':
            return (d) => d.serial === ref.serial;
        case 'port':
            return (d) => d.port === ref.port && modeOfDetected(d) !== undefined;
        case 'usbip':
            // On a watcher shared by several servers, only this server's ports (and only this bus id, when given).
            return (d) => (ref.busid === undefined ? d.port?.startsWith(`usbip:${ref.host}:${ref.port}/`) === true : d.port === `usbip:${ref.host}:${ref.port}/${ref.busid}`) && modeOfDetected(d) !== undefined;
    }
}

export async function openDeviceSession(ref: DeviceRef, options: DeviceSessionOptions = {}): Promise<DeviceSession> {
    if (ref.kind === 'virtual') {
        const recipe = requireRecipe(ref.codename);
        const phone = await VirtualPhone.create({ recipe, stateDir: ref.stateDir, owner: 'accept' });
        const session = virtualPhoneSession(phone, options);
        return {
            ...session,
            close: async () => {
                await session.close();
                await phone.close();
            },
        };
    }
    if (ref.kind === 'tcp') {
        throw ReviveError.of('device-ref-unfollowable', { address: describeDeviceRef(ref) });
    }
    const watcher = new DeviceWatcher();
    if (options.onNotice) watcher.on('notice', options.onNotice);
    if (ref.kind === 'usbip') await watcher.addUsbIpSource(`${ref.host}:${ref.port}`);
    else await watcher.startLocal();
    return openOnWatcher(watcher, ref, { ...options, ownsWatcher: true });
}

/**
 * A session on an in-process virtual phone: one more source of a DeviceWatcher (its own, or the
 * `watcher` given, which already watches the phone), followed there like a phone on a USB port.
 */
export function virtualPhoneSession(phone: VirtualPhone, options: DeviceSessionOptions & { readonly watcher?: DeviceWatcher | undefined } = {}): DeviceSession {
    const ref: DeviceRef = { kind: 'virtual', codename: phone.recipe.id, stateDir: phone.stateDir };
    const watcher = options.watcher ?? new DeviceWatcher({ recipes: [phone.recipe] });
    if (!options.watcher) watcher.addVirtualPhone(phone);
    return { ...sessionForRecipe(watcher, ref, phone.recipe, { ...options, ownsWatcher: !options.watcher }), virtualPhone: phone };
}

/**
 * A session for the phone a DeviceRef names, on a watcher that already watches its source (local
 * USB or its USB/IP server). Several sessions can share one watcher: each follows its own port.
 */
export async function openOnWatcher(watcher: DeviceWatcher, ref: Exclude<DeviceRef, { kind: 'virtual' | 'tcp' }>, options: WatchedSessionOptions = {}): Promise<DeviceSession> {
    let first: DetectedDevice;
    const timeoutMs = options.findTimeoutMs ?? 30_000;
    try {
        first = await watcher.waitFor(firstMatcher(ref), { signal: options.signal, timeoutMs });
    } catch (error) {
        if (options.ownsWatcher) watcher.close();
        if (options.signal?.aborted) throw error;
        const seconds = Math.round(timeoutMs / 1000);
        const where = ref.kind === 'usbip' ? describeDeviceRef(ref).slice('usbip:'.length) : ref.kind === 'port' ? ref.port : ref.serial;
        throw ReviveError.of('phone-never-appeared', { variant: ref.kind, where, seconds }, { cause: error });
    }
    const session = await sessionOnWatcher(watcher, ref, first, options);
    if (ref.kind === 'usbip') options.onNotice?.(`Found the ${session.recipe.name} on ${describeDeviceRef(ref).slice('usbip:'.length)}.`);
    return session;
}
