/**
 * The real phones the app lists: a DeviceWatcher on local USB and on the USB/IP servers it was
 * started with, each phone turned into a device-list entry (recipe name or "Unknown phone", mode,
 * state in the contract's words). adb phones that already trust this computer are asked, once per
 * USB appearance, their codename (Samsungs share one USB identity in Android) and battery; phones
 * an upgrade is using are never touched by the list.
 */
import { connectAdb } from '../../native/adb/phone.js';
import { findRecipe } from '../../native/manifests/load.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { DetectedDevice, DeviceWatcher } from '../../native/usb/watcher.js';
import type { Device } from '../api/contract.js';
import { listingWatcher, modeOfDetected } from './listing.js';

export interface UsbPhonesOptions {
    readonly recipes: readonly Recipe[];
    /** USB/IP servers (`HOST:PORT`) whose phones are listed like local ones. */
    readonly usbipSources?: readonly string[] | undefined;
    /** Watch local USB (default true). */
    readonly localUsb?: boolean | undefined;
    /** How often USB/IP servers are polled (default 500 ms). */
    readonly pollMs?: number | undefined;
    /** Something a person may want to know (no USB bus here, a USB/IP server unreachable). */
    readonly onNotice: (message: string) => void;
    /** The list changed (attach, detach, a phone identified). */
    readonly onChange: () => void;
}

interface Identity {
    readonly recipe?: Recipe | undefined;
    readonly batteryPercent?: number | undefined;
}

/** Asking a phone its codename and battery must not hold anything up for long. */
const IDENTIFY_TIMEOUT_MS = 10_000;
/** How long the list keeps the phone's "Allow USB debugging?" question open for the person. */
const ALLOW_TIMEOUT_MS = 5 * 60_000;

const hex = (n: number): string => n.toString(16).padStart(4, '0');

export class UsbPhones {
    readonly watcher: DeviceWatcher;
    /** Settles once local USB was listed and every USB/IP server polled once. */
    readonly ready: Promise<void>;
    readonly #recipes: readonly Recipe[];
    readonly #identities = new WeakMap<USBDevice, Identity>();
    readonly #identifying = new Map<USBDevice, { readonly task: Promise<void>; readonly stop: AbortController }>();
    readonly #claims = new Set<{ readonly matches: (device: DetectedDevice) => boolean; readonly recipe: Recipe }>();
    readonly #onChange: () => void;

    constructor(options: UsbPhonesOptions) {
        this.#recipes = options.recipes;
        this.#onChange = options.onChange;
        this.watcher = listingWatcher({ recipes: options.recipes, pollMs: options.pollMs });
        this.watcher.on('notice', options.onNotice);
        this.watcher.on('attach', (device) => {
            this.#identify(device);
            this.#onChange();
        });
        this.watcher.on('detach', () => this.#onChange());
        const starts: Array<Promise<void>> = [];
        if (options.localUsb ?? true) starts.push(this.watcher.startLocal());
        for (const address of options.usbipSources ?? []) starts.push(this.watcher.addUsbIpSource(address));
        this.ready = Promise.all(starts).then(() => undefined);
    }

    /** Phones only (hubs, keyboards and the like are not listed). The virtual phone's entry is listed by the backend (electron/app/phones.ts), which adds what only it knows. */
    #phones(): DetectedDevice[] {
        return this.watcher.list().filter((d) => d.mode !== 'unknown' && d.source !== 'virtual');
    }

    find(id: string): DetectedDevice | undefined {
        return this.#phones().find((d) => d.id === id);
    }

    /** Who is using this phone right now (an upgrade), if anyone. */
    #claimOf(device: DetectedDevice): { readonly recipe: Recipe } | undefined {
        for (const claim of this.#claims) if (claim.matches(device)) return claim;
        return undefined;
    }

    busy(device: DetectedDevice): boolean {
        return this.#claimOf(device) !== undefined;
    }

    /** Mark the phone these devices are as in use (the list leaves it alone); returns the release. */
    claim(matches: (device: DetectedDevice) => boolean, recipe: Recipe): () => void {
        const claim = { matches, recipe };
        this.#claims.add(claim);
        // The job talks to the phone from now on (adbd serves one host): the list stops asking it.
        for (const device of this.#phones()) if (matches(device)) this.#identifying.get(device.device)?.stop.abort();
        return () => {
            this.#claims.delete(claim);
            // Appearances during the job were left alone: ask them now.
            for (const device of this.#phones()) if (matches(device) && !this.#identities.has(device.device) && !this.#identifying.has(device.device)) this.#identify(device);
            this.#onChange();
        };
    }

    /** Waits until the list is done asking this phone (its adbd serves one host at a time). */
    async settled(device: DetectedDevice): Promise<void> {
        await this.#identifying.get(device.device)?.task;
    }

    /** The recipe this phone is: from its USB identity, what it told us, or the upgrade running on it. */
    recipeOf(device: DetectedDevice): Recipe | undefined {
        const byUsb = device.recipeId ? this.#recipes.find((r) => r.id === device.recipeId) : undefined;
        return byUsb ?? this.#identities.get(device.device)?.recipe ?? this.#claimOf(device)?.recipe;
    }

    devices(): Device[] {
        return this.#phones().map((d) => {
            const recipe = this.recipeOf(d);
            return {
                id: d.id,
                serial: d.serial ?? null,
                name: recipe?.name ?? `Unknown phone (${hex(d.vendorId)}:${hex(d.productId)})`,
                recipeId: recipe?.id ?? null,
                mode: modeOfDetected(d) ?? 'unknown',
                state: this.busy(d) ? 'busy' : d.state === 'unauthorized' && !this.#identities.has(d.device) ? 'unauthorized' : 'ready',
                batteryPercent: this.#identities.get(d.device)?.batteryPercent ?? null,
                virtual: false,
            };
        });
    }

    /**
     * Ask an adb phone its codename and battery. A phone that does not trust this computer yet is
     * offered our key, so it shows "Allow USB debugging?" while the list says to look at the phone
     * (as the adb server does); the question stays open until the person answers, the phone leaves,
     * or an upgrade takes it over. Never a phone an upgrade is using.
     */
    #identify(device: DetectedDevice): void {
        // The in-process virtual phone says who it is to the backend itself.
        if (device.source === 'virtual' || device.mode !== 'adb' || !['device', 'recovery', 'unauthorized'].includes(device.state) || this.busy(device)) return;
        const stop = new AbortController();
        void device.disconnected.then(() => stop.abort());
        const timeoutMs = device.state === 'unauthorized' ? ALLOW_TIMEOUT_MS : IDENTIFY_TIMEOUT_MS;
        const task = (async () => {
            const phone = await connectAdb({ usbDevice: device.device }, { signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]) });
            try {
                const codename = device.recipeId ? '' : (await phone.shell('getprop ro.product.device')).stdout.trim();
                const batteryPercent = await phone.battery().catch(() => undefined);
                this.#identities.set(device.device, { recipe: codename ? findRecipe(codename, this.#recipes) : undefined, batteryPercent });
            } finally {
                await phone.close();
            }
        })()
            .catch(() => undefined)
            .finally(() => {
                this.#identifying.delete(device.device);
                this.#onChange();
            });
        this.#identifying.set(device.device, { task, stop });
    }

    close(): void {
        this.watcher.close();
    }
}
