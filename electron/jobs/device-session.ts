/**
 * Opening the phone an upgrade runs on, from a DeviceRef: an in-process virtual phone (state in a
 * folder, like `virtual-phone serve --state-dir`), a phone exported over USB/IP, or a local USB phone
 * by serial. Each gives a PhoneLocator that follows the phone across re-enumerations.
 */
import { ReviveError } from '../../native/jobs/errors.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { DeviceWatcher, type DetectedDevice } from '../../native/usb/watcher.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { modeOfDetected, sessionOnWatcher, type DeviceSession, type DeviceSessionOptions } from './locate.js';
import { protocolLinks } from './protocol-links.js';
import type { DeviceRef } from './types.js';
import { VirtualPhoneLocator } from './virtual-locator.js';

export type { DeviceSession, DeviceSessionOptions } from './locate.js';

/** `ABC123`, `usbip:HOST:PORT` or `virtual:CODENAME` → a DeviceRef. */
export function parseDeviceRef(text: string, virtualStateDir?: string): DeviceRef {
    if (text.startsWith('virtual:')) return { kind: 'virtual', codename: text.slice('virtual:'.length), stateDir: virtualStateDir };
    if (text.startsWith('usbip:')) {
        const match = /^usbip:(.+):(\d+)$/.exec(text);
        if (!match?.[1] || !match[2]) {
            throw new ReviveError({ code: 'device-ref-invalid', message: `"${text}" is not a USB/IP address.`, nextStep: 'Write it as usbip:HOST:PORT, e.g. usbip:127.0.0.1:3240.' });
        }
        return { kind: 'usbip', host: match[1], port: Number(match[2]) };
    }
    return { kind: 'serial', serial: text };
}

export async function openDeviceSession(ref: DeviceRef, options: DeviceSessionOptions = {}): Promise<DeviceSession> {
    if (ref.kind === 'virtual') {
        const recipe = requireRecipe(ref.codename);
        const phone = await VirtualPhone.create({ recipe, stateDir: ref.stateDir, owner: 'accept' });
        const links = protocolLinks(options.linkOptions);
        return {
            recipe,
            locator: new VirtualPhoneLocator(phone),
            links,
            virtualPhone: phone,
            close: async () => {
                await links.dispose();
                await phone.close();
            },
        };
    }
    const watcher = new DeviceWatcher();
    if (options.onNotice) watcher.on('notice', options.onNotice);
    const wanted = ref.kind === 'serial' ? ref.serial : undefined;
    if (ref.kind === 'usbip') await watcher.addUsbIpSource(`${ref.host}:${ref.port}`);
    else await watcher.startLocal();
    let first: DetectedDevice;
    try {
        first = await watcher.waitFor((d) => (wanted ? d.serial === wanted : modeOfDetected(d) !== undefined), { signal: options.signal, timeoutMs: 30_000 });
    } catch (error) {
        watcher.close();
        throw new ReviveError(
            {
                code: 'phone-not-found',
                message: ref.kind === 'usbip' ? `No phone appeared on the USB/IP server ${ref.host}:${ref.port}.` : `No phone with the serial ${ref.serial} is connected.`,
                nextStep: 'Check the cable and that the phone is switched on; `revive devices` lists what this computer sees.',
            },
            { cause: error },
        );
    }
    const session = await sessionOnWatcher(watcher, ref, first, { ...options, ownsWatcher: true });
    if (ref.kind === 'usbip') options.onNotice?.(`Found the ${session.recipe.name} on ${ref.host}:${ref.port}.`);
    return session;
}
