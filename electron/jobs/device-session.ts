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
import { protocolLinks, type ProtocolLinkOptions } from './protocol-links.js';
import type { DeviceRef } from './types.js';
import { VirtualPhoneLocator } from './virtual-locator.js';

export interface DeviceSession {
    readonly recipe: Recipe;
    readonly locator: PhoneLocator;
    /** The protocol links to use for this phone (they keep its adb session across steps). */
    readonly links: ReturnType<typeof protocolLinks>;
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

/**
 * Follows one phone in a DeviceWatcher. USB alone cannot tell TWRP from its sideload mode (same
 * ids), nor always Android from recovery: for adb devices the mode comes from adbd's own banner,
 * asked once per attachment over the shared adb session the job then uses.
 */
class WatcherLocator implements PhoneLocator {
    readonly #watcher: DeviceWatcher;
    readonly #matches: (device: DetectedDevice) => boolean;
    readonly #links: ReturnType<typeof protocolLinks>;
    readonly #usb: USB;
    readonly #probed = new WeakMap<USBDevice, PhoneMode>();

    constructor(watcher: DeviceWatcher, matches: (device: DetectedDevice) => boolean, links: ReturnType<typeof protocolLinks>, usb: USB) {
        this.#watcher = watcher;
        this.#matches = matches;
        this.#links = links;
        this.#usb = usb;
    }

    #phone(device: DetectedDevice, mode: PhoneMode): FoundPhone {
        return { mode, serial: device.serial ?? device.id, device: device.device, recipeId: device.recipeId, usb: this.#usb };
    }

    async #modeOf(device: DetectedDevice, signal: AbortSignal): Promise<PhoneMode | undefined> {
        if (device.mode !== 'adb') return modeOf(device);
        const known = this.#probed.get(device.device);
        if (known) return known;
        const adb = await this.#links.adb(this.#phone(device, 'android'), { signal });
        const state = adb.mode();
        const mode: PhoneMode = state === 'unauthorized' ? 'android' : state;
        this.#probed.set(device.device, mode);
        return mode;
    }

    current(): FoundPhone | undefined {
        for (const device of this.#watcher.list()) {
            if (!this.#matches(device)) continue;
            const mode = device.mode === 'adb' ? this.#probed.get(device.device) : modeOf(device);
            if (mode) return this.#phone(device, mode);
        }
        return undefined;
    }

    async waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone> {
        const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
        const rejected = new WeakSet<USBDevice>();
        for (;;) {
            const left = deadline !== undefined ? Math.max(1, deadline - Date.now()) : undefined;
            const device = await this.#watcher.waitFor((d) => this.#matches(d) && !rejected.has(d.device) && modeOf(d) !== undefined, { signal: options.signal, timeoutMs: left });
            const mode = await this.#modeOf(device, options.signal);
            if (mode && modes.includes(mode)) return this.#phone(device, mode);
            rejected.add(device.device);
        }
    }

    async close(): Promise<void> {
        this.#watcher.close();
    }
}

/** The watcher's detach events as WebUSB `disconnect` events, which protocol libraries listen for. */
function disconnectAnnouncer(watcher: DeviceWatcher): USB {
    const usb = new EventTarget();
    watcher.on('detach', (detected) => {
        const event = new Event('disconnect') as Event & { device?: USBDevice };
        event.device = detected.device;
        usb.dispatchEvent(event);
    });
    return usb as unknown as USB;
}

async function askCodename(device: DetectedDevice, links: ReturnType<typeof protocolLinks>, usb: USB, signal: AbortSignal | undefined): Promise<Recipe | undefined> {
    const mode = modeOf(device);
    if (mode !== 'android' && mode !== 'recovery') return undefined;
    // The session stays open in `links` for the job's first step: a phone's adbd serves one host at a time.
    const adb = await links.adb({ mode, serial: device.serial ?? device.id, device: device.device, usb }, { signal });
    const codename = await adb.getprop('ro.product.device');
    return codename ? findRecipe(codename) : undefined;
}

export interface DeviceSessionOptions {
    readonly signal?: AbortSignal | undefined;
    /** A codename or model to use when the phone's USB identity fits several recipes and it cannot be asked. */
    readonly recipeHint?: string | undefined;
    readonly onNotice?: ((message: string) => void) | undefined;
    readonly linkOptions?: ProtocolLinkOptions | undefined;
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
    const links = protocolLinks(options.linkOptions);
    const watcher = new DeviceWatcher();
    const usb = disconnectAnnouncer(watcher);
    if (options.onNotice) watcher.on('notice', options.onNotice);
    const wanted = ref.kind === 'serial' ? ref.serial : undefined;
    if (ref.kind === 'usbip') await watcher.addUsbIpSource(`${ref.host}:${ref.port}`);
    else await watcher.startLocal();
    let first: DetectedDevice;
    try {
        first = await watcher.waitFor((d) => (wanted ? d.serial === wanted : modeOf(d) !== undefined), { signal: options.signal, timeoutMs: 30_000 });
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
    // Several phones share one USB identity in Android mode (Samsung's 04E8:6860): then ask the phone.
    const recipe =
        (first.recipeId ? findRecipe(first.recipeId) : undefined) ??
        (options.recipeHint ? findRecipe(options.recipeHint) : undefined) ??
        (await askCodename(first, links, usb, options.signal));
    if (!recipe) {
        await links.dispose();
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
    if (ref.kind === 'usbip') options.onNotice?.(`Found the ${recipe.name} on ${ref.host}:${ref.port}.`);
    return {
        recipe,
        locator: new WatcherLocator(watcher, matches, links, usb),
        links,
        close: async () => {
            await links.dispose();
            watcher.close();
        },
    };
}
