/**
 * Opening the phone an upgrade runs on, from a DeviceRef: an in-process virtual phone (state in a
 * folder, like `virtual-phone serve --state-dir`), a phone exported over USB/IP, or a local USB phone
 * by serial. Each gives a PhoneLocator that follows the phone across re-enumerations.
 */
import { ReviveError } from '../../native/jobs/errors.js';
import { findRecipe, requireRecipe } from '../../native/manifests/load.js';
import type { PhoneMode, Recipe } from '../../native/manifests/schema.js';
import { DeviceWatcher, type DetectedDevice } from '../../native/usb/watcher.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import type { FoundPhone, PhoneLocator } from './phone-link.js';
import type { DeviceRef } from './types.js';
import { VirtualPhoneLocator } from './virtual-locator.js';

export interface DeviceSession {
    readonly recipe: Recipe;
    readonly locator: PhoneLocator;
    /** Set for `virtual:` devices: the scripted person presses its keys. */
    readonly virtualPhone?: VirtualPhone | undefined;
    close(): Promise<void>;
}

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

function modeOf(device: DetectedDevice): PhoneMode | undefined {
    switch (device.state) {
        case 'download':
            return 'download';
        case 'bootloader':
            return 'bootloader';
        case 'recovery':
            return 'recovery';
        case 'sideload':
            return 'sideload';
        case 'device':
        case 'unauthorized':
            return 'android';
        default:
            return device.mode === 'samsung-download' ? 'download' : device.mode === 'fastboot' ? 'bootloader' : device.mode === 'adb' ? 'android' : undefined;
    }
}

/** Follows one phone in a DeviceWatcher: by serial where the mode shows one, else by recipe. */
class WatcherLocator implements PhoneLocator {
    readonly #watcher: DeviceWatcher;
    readonly #matches: (device: DetectedDevice) => boolean;
    readonly #usb = new EventTarget();

    constructor(watcher: DeviceWatcher, matches: (device: DetectedDevice) => boolean) {
        this.#watcher = watcher;
        this.#matches = matches;
        watcher.on('detach', (detected) => {
            const event = new Event('disconnect') as Event & { device?: USBDevice };
            event.device = detected.device;
            this.#usb.dispatchEvent(event);
        });
    }

    #found(device: DetectedDevice): FoundPhone | undefined {
        const mode = modeOf(device);
        if (!mode) return undefined;
        return { mode, serial: device.serial ?? device.id, device: device.device, recipeId: device.recipeId, usb: this.#usb as unknown as USB };
    }

    current(): FoundPhone | undefined {
        for (const device of this.#watcher.list()) {
            if (!this.#matches(device)) continue;
            const found = this.#found(device);
            if (found) return found;
        }
        return undefined;
    }

    async waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone> {
        const device = await this.#watcher.waitFor((d) => this.#matches(d) && modes.includes(modeOf(d) ?? ('none' as PhoneMode)), options);
        const found = this.#found(device);
        if (!found) throw new Error('the phone left again');
        return found;
    }

    async close(): Promise<void> {
        this.#watcher.close();
    }
}

export async function openDeviceSession(ref: DeviceRef, options: { signal?: AbortSignal; recipeHint?: string | undefined; onNotice?: (message: string) => void } = {}): Promise<DeviceSession> {
    if (ref.kind === 'virtual') {
        const recipe = requireRecipe(ref.codename);
        const phone = await VirtualPhone.create({ recipe, stateDir: ref.stateDir, owner: 'accept' });
        return {
            recipe,
            locator: new VirtualPhoneLocator(phone),
            virtualPhone: phone,
            close: () => phone.close(),
        };
    }
    const watcher = new DeviceWatcher();
    if (options.onNotice) watcher.on('notice', options.onNotice);
    const wanted = ref.kind === 'serial' ? ref.serial : undefined;
    if (ref.kind === 'usbip') await watcher.addUsbIpSource(`${ref.host}:${ref.port}`);
    else await watcher.startLocal();
    let first: DetectedDevice;
    try {
        first = await watcher.waitFor((d) => (wanted ? d.serial === wanted : d.recipeId !== undefined), { signal: options.signal, timeoutMs: 30_000 });
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
    const recipe = (first.recipeId ? findRecipe(first.recipeId) : undefined) ?? (options.recipeHint ? findRecipe(options.recipeHint) : undefined);
    if (!recipe) {
        watcher.close();
        throw new ReviveError({
            code: 'recipe-unknown',
            message: `Revive has no recipe for the connected phone (${first.manufacturer ?? ''} ${first.product ?? ''}, ${first.vendorId.toString(16)}:${first.productId.toString(16)}).`,
            nextStep: 'Add a recipe for this phone (see resources/manifests/README.md).',
        });
    }
    // A phone's serial can differ between modes (download mode often shows none); on USB/IP the
    // server exports only this phone, so any device of this recipe there is it.
    const matches = (d: DetectedDevice): boolean => (ref.kind === 'usbip' ? d.recipeId === undefined || d.recipeId === recipe.id : d.serial === wanted || (d.recipeId === recipe.id && !d.serial));
    return { recipe, locator: new WatcherLocator(watcher, matches), close: async () => watcher.close() };
}
