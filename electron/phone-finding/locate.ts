/**
 * From "which phone" to a PhoneLocator on a DeviceWatcher, in one place for both callers:
 * `revive upgrade --device usbip:HOST:PORT|SERIAL` (a DeviceRef, its own watcher) and the desktop
 * backend (a device id picked from its long-running watcher's list).
 */
import { ReviveError } from '../../native/jobs/errors.js';
import { findRecipe } from '../../native/manifests/load.js';
import type { PhoneMode, Recipe } from '../../native/manifests/schema.js';
import type { DeviceWatcher, DetectedDevice } from '../../native/usb/watcher.js';
import { modeOfDetected } from './listing.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { FoundPhone, PhoneLocator } from '../jobs/phone-link.js';
import { protocolLinks, type ProtocolLinkOptions } from '../jobs/protocol-links.js';
import type { DeviceRef } from '../jobs/types.js';

export interface DeviceSession {
    readonly recipe: Recipe;
    readonly locator: PhoneLocator;
    /** The protocol links to use for this phone (they keep its adb session across steps). */
    readonly links: ReturnType<typeof protocolLinks>;
    /** Set for `virtual:` devices: the scripted person presses its keys. */
    readonly virtualPhone?: VirtualPhone | undefined;
    /** The watcher that follows the phone: its port identities. */
    readonly watcher?: DeviceWatcher | undefined;
    close(): Promise<void>;
}

export interface DeviceSessionOptions {
    readonly signal?: AbortSignal | undefined;
    /** A codename or model to use when the phone's USB identity fits several recipes and it cannot be asked. */
    readonly recipeHint?: string | undefined;
    readonly onNotice?: ((message: string) => void) | undefined;
    readonly linkOptions?: ProtocolLinkOptions | undefined;
    /** How long to wait for the phone to appear at first (default 30 s). */
    readonly findTimeoutMs?: number | undefined;
}

/** `usbip:HOST:PORT/BUSID` (the port path of an imported device) → its server and bus id. */
function usbIpPortOf(port: string | undefined): { host: string; port: number; busid: string } | undefined {
    const match = port ? /^usbip:(.+):(\d+)\/([^/]+)$/.exec(port) : null;
    return match?.[1] && match[2] && match[3] ? { host: match[1], port: Number(match[2]), busid: match[3] } : undefined;
}

/**
 * The DeviceRef that follows this watcher entry across mode changes: its port (USB/IP server and
 * bus id, or local port path), else its USB serial number (a local phone with neither cannot be
 * told apart from others after a reboot).
 */
export function deviceRefOf(device: DetectedDevice): DeviceRef {
    if (device.source === 'usbip') {
        const server = usbIpPortOf(device.port);
        if (server) return { kind: 'usbip', ...server };
    }
    if (device.source === 'usb' && device.port) return { kind: 'port', port: device.port };
    if (device.source === 'usb' && device.serial) return { kind: 'serial', serial: device.serial };
    throw ReviveError.of('device-unfollowable', { phone: device.name ?? '', mode: device.mode });
}

/** Whether a watcher entry may be this recipe's phone (USB ids shared by several models say nothing). */
function mayBe(recipe: Recipe): (device: DetectedDevice) => boolean {
    return (d) => d.recipeId === undefined || d.recipeId === recipe.id;
}

/** Which watcher entries are the phone a DeviceRef names, in any of its modes. */
export function deviceMatcher(ref: DeviceRef, recipe: Recipe): (device: DetectedDevice) => boolean {
    const fits = mayBe(recipe);
    if (ref.kind === 'usbip') {
        // A phone's serial can change between modes (download mode often shows none): its port is what stays.
        const server = `usbip:${ref.host}:${ref.port}/`;
        return (d) => d.source === 'usbip' && (ref.busid ? d.port === `${server}${ref.busid}` : d.id.startsWith(server)) && fits(d);
    }
    if (ref.kind === 'port') return (d) => d.port === ref.port && fits(d);
    if (ref.kind === 'serial') return (d) => d.source === 'usb' && (d.serial === ref.serial || (d.recipeId === recipe.id && !d.serial));
    if (ref.kind === 'virtual') return (d) => d.source === 'virtual' && d.recipeId === ref.codename && fits(d);
    return () => false;
}

/** The entries on this port: once a phone is found, it is followed by where it is plugged in. */
export function portMatcher(port: string, recipe: Recipe): (device: DetectedDevice) => boolean {
    const fits = mayBe(recipe);
    return (d) => d.port === port && fits(d);
}

/**
 * Whether USB (or the phone itself) tells this entry's mode. USB alone cannot tell TWRP from its
 * sideload mode (same ids), nor always Android from recovery; an in-process virtual phone says its mode.
 */
function modeIsKnown(device: DetectedDevice): boolean {
    return device.mode !== 'adb' || device.source === 'virtual';
}

/**
 * Follows one phone in a DeviceWatcher. For adb devices whose mode USB does not tell, the mode
 * comes from adbd's own banner, asked once per attachment over the shared adb session the job then uses.
 */
export class WatcherLocator implements PhoneLocator {
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
        return { mode, serial: device.serial ?? device.id, port: device.port, device: device.device, recipeId: device.recipeId, usb: this.#usb };
    }

    async #modeOf(device: DetectedDevice, signal: AbortSignal): Promise<PhoneMode | undefined> {
        if (modeIsKnown(device)) return modeOfDetected(device);
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
            const mode = modeIsKnown(device) ? modeOfDetected(device) : this.#probed.get(device.device);
            if (mode) return this.#phone(device, mode);
        }
        return undefined;
    }

    async waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone> {
        const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
        const rejected = new WeakSet<USBDevice>();
        for (;;) {
            const left = deadline !== undefined ? Math.max(1, deadline - Date.now()) : undefined;
            const device = await this.#watcher.waitFor((d) => this.#matches(d) && !rejected.has(d.device) && modeOfDetected(d) !== undefined, { signal: options.signal, timeoutMs: left });
            const mode = await this.#modeOf(device, options.signal);
            if (mode && modes.includes(mode)) return this.#phone(device, mode);
            rejected.add(device.device);
        }
    }

    async close(): Promise<void> {
        // The watcher belongs to whoever made it (see sessionOnWatcher).
    }
}

/** The watcher's detach events as WebUSB `disconnect` events, which protocol libraries listen for. */
function disconnectAnnouncer(watcher: DeviceWatcher): { usb: USB; stop: () => void } {
    const usb = new EventTarget();
    const onDetach = (detected: DetectedDevice): void => {
        const event = new Event('disconnect') as Event & { device?: USBDevice };
        event.device = detected.device;
        usb.dispatchEvent(event);
    };
    watcher.on('detach', onDetach);
    return { usb: usb as unknown as USB, stop: () => void watcher.off('detach', onDetach) };
}

async function askCodename(device: DetectedDevice, links: ReturnType<typeof protocolLinks>, usb: USB, signal: AbortSignal | undefined): Promise<Recipe | undefined> {
    const mode = modeOfDetected(device);
    if (mode !== 'android' && mode !== 'recovery') return undefined;
    // The session stays open in `links` for the job's first step: a phone's adbd serves one host at a time.
    const adb = await links.adb({ mode, serial: device.serial ?? device.id, port: device.port, device: device.device, usb }, { signal });
    const codename = await adb.getprop('ro.product.device');
    return codename ? findRecipe(codename) : undefined;
}

export interface WatchedSessionOptions extends DeviceSessionOptions {
    /** Close the watcher with the session (it was made for this one job). */
    readonly ownsWatcher?: boolean | undefined;
}

/** Protocol links and the watcher's detach announcer for one session, and how to end them. */
function sessionParts(watcher: DeviceWatcher, options: WatchedSessionOptions): { links: ReturnType<typeof protocolLinks>; usb: USB; end: () => Promise<void> } {
    const links = protocolLinks(options.linkOptions);
    const announcer = disconnectAnnouncer(watcher);
    const end = async (): Promise<void> => {
        await links.dispose();
        announcer.stop();
        if (options.ownsWatcher) watcher.close();
    };
    return { links, usb: announcer.usb, end };
}

/**
 * A DeviceSession for a phone whose recipe is known before it is seen (the in-process virtual
 * phone, a source of its watcher): followed by `ref` from the start, present or not.
 */
export function sessionForRecipe(watcher: DeviceWatcher, ref: DeviceRef, recipe: Recipe, options: WatchedSessionOptions = {}): DeviceSession {
    const { links, usb, end } = sessionParts(watcher, options);
    return { recipe, locator: new WatcherLocator(watcher, deviceMatcher(ref, recipe), links, usb), watcher, links, close: end };
}

/**
 * A DeviceSession for the phone `first` (already in the watcher's list), followed by `ref` across
 * re-enumerations. The recipe comes from the USB identity, else `recipeHint`, else the phone's own
 * codename (asked over adb when it is in Android or recovery).
 */
export async function sessionOnWatcher(watcher: DeviceWatcher, ref: DeviceRef, first: DetectedDevice, options: WatchedSessionOptions = {}): Promise<DeviceSession> {
    const { links, usb, end } = sessionParts(watcher, options);
    let recipe: Recipe | undefined;
    try {
        // Several phones share one USB identity in Android mode (Samsung's 04E8:6860): then ask the phone.
        recipe =
            (first.recipeId ? findRecipe(first.recipeId) : undefined) ??
            (options.recipeHint ? findRecipe(options.recipeHint) : undefined) ??
            (await askCodename(first, links, usb, options.signal));
    } catch (error) {
        await end();
        throw error;
    }
    if (!recipe) {
        await end();
        throw ReviveError.of('phone-no-recipe', {
            manufacturer: first.manufacturer ?? '',
            product: first.product ?? '',
            usbId: `${first.vendorId.toString(16)}:${first.productId.toString(16)}`,
        });
    }
    return {
        recipe,
        // Followed by its port from now on: two phones of one model without serials stay apart.
        locator: new WatcherLocator(watcher, first.port ? portMatcher(first.port, recipe) : deviceMatcher(ref, recipe), links, usb),
        watcher,
        links,
        close: end,
    };
}
