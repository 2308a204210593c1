/**
 * Finds phones: local USB (the `usb` package's WebUSB, with hotplug), USB/IP servers (polled, devices
 * imported through our client) and in-process virtual phones, all reported as DetectedDevices with
 * attach/detach events.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { Recipe } from '../manifests/schema.js';
import { UsbIpClient } from '../usbip/client.js';
import type { VirtualMode, VirtualPhone } from '../virtual/phone.js';
import { hasReviveExtensions } from './backend-device.js';
import { classifyDevice, matchRecipe, refineState, type DeviceKind, type DeviceState } from './classify.js';
import { portOfUsbDevice, PortIdentities, type PhoneIdentity } from './port-identity.js';
import { waitForAttach, type WaitOptions } from './wait-for-attach.js';

export type DeviceSource = 'usb' | 'usbip' | 'virtual';

/** What an in-process virtual phone in each mode is on USB, as adbd's banner would say. */
const VIRTUAL_STATES: Readonly<Record<VirtualMode, DeviceState>> = {
    android: 'device',
    recovery: 'recovery',
    sideload: 'sideload',
    download: 'download',
    bootloader: 'bootloader',
    off: 'unknown',
};

export interface DetectedDevice {
    /** Stable for the slot: the port path when known, else `usb:VID:PID:SERIAL`. */
    readonly id: string;
    /**
     * Where the phone is plugged in, the same in every mode: `usb:BUS-PORT.PORT…` (local USB),
     * `usbip:HOST:PORT/BUSID` (a USB/IP server's port), `virtual:SERIAL` (an in-process phone).
     * Undefined for a local device whose USB stack does not report its ports.
     */
    readonly port?: string | undefined;
    readonly source: DeviceSource;
    readonly mode: DeviceKind;
    readonly state: DeviceState;
    readonly vendorId: number;
    readonly productId: number;
    readonly serial?: string | undefined;
    readonly product?: string | undefined;
    readonly manufacturer?: string | undefined;
    readonly recipeId?: string | undefined;
    /** The recipe's display name when matched. */
    readonly name?: string | undefined;
    readonly device: USBDevice;
    /** Resolves when this device leaves (pass to WebUsbTransport.open). */
    readonly disconnected: Promise<void>;
}

export interface DeviceWatcherEvents {
    attach: [device: DetectedDevice];
    detach: [device: DetectedDevice];
    /** Something a person may want to know (no local USB bus, a USB/IP server unreachable). */
    notice: [message: string];
}

export interface DeviceWatcherOptions {
    readonly recipes?: readonly Recipe[] | undefined;
    /** How often USB/IP servers are asked for their device list (default 500 ms). */
    readonly pollMs?: number | undefined;
    /** How long a port may stay empty before its phone's identity is forgotten (default 90 s). */
    readonly identityGraceMs?: number | undefined;
}

interface Tracked {
    readonly detected: DetectedDevice;
    readonly leave: () => void;
}

export class DeviceWatcher extends EventEmitter<DeviceWatcherEvents> {
    /** Loaded with the first device, so a watcher that finds none starts at once. */
    #recipes: readonly Recipe[] | undefined;
    readonly #pollMs: number;
    readonly #devices = new Map<string, Tracked>();
    /** Who is on each port, as read in Android or recovery; kept across mode changes. */
    readonly identities: PortIdentities;
    readonly #stops: Array<() => void> = [];
    #closed = false;

    constructor(options: DeviceWatcherOptions = {}) {
        super();
        this.#recipes = options.recipes;
        this.#pollMs = options.pollMs ?? 500;
        this.identities = new PortIdentities({ graceMs: options.identityGraceMs });
    }

    /** The identity last read on this device's port (it stays while the phone changes modes). */
    identityOf(device: DetectedDevice): PhoneIdentity | undefined {
        return device.port ? this.identities.lookup(device.port) : undefined;
    }

    list(): DetectedDevice[] {
        return [...this.#devices.values()].map((t) => t.detected);
    }

    /** `known.state`: what the phone itself says it is in (an in-process virtual phone), instead of asking its adbd. */
    async #add(id: string, port: string | undefined, source: DeviceSource, device: USBDevice, known: { readonly recipe?: Recipe; readonly state?: DeviceState } = {}): Promise<void> {
        const { recipe: recipeHint, state } = known;
        if (this.#closed) return;
        let leave!: () => void;
        const disconnected = new Promise<void>((resolve) => (leave = resolve));
        const classification = state ? { ...classifyDevice(device), state } : await refineState(device, classifyDevice(device));
        const product = device.productName ?? undefined;
        this.#recipes ??= (await import('../manifests/load.js')).loadRecipes();
        const recipe = recipeHint ?? matchRecipe(this.#recipes, { vendorId: device.vendorId, productId: device.productId, product, kind: classification.kind });
        const detected: DetectedDevice = {
            id,
            port,
            source,
            mode: classification.kind,
            state: classification.state,
            vendorId: device.vendorId,
            productId: device.productId,
            serial: device.serialNumber ?? undefined,
            product,
            manufacturer: device.manufacturerName ?? undefined,
            recipeId: recipe?.id,
            name: recipe?.name,
            device,
            disconnected,
        };
        this.#remove(id);
        this.#devices.set(id, { detected, leave });
        if (port) this.identities.arrived(port, detected.serial);
        this.emit('attach', detected);
        if (hasReviveExtensions(device)) void device.disconnected.then(() => this.#removeIf(id, device));
    }

    #removeIf(id: string, device: USBDevice): void {
        if (this.#devices.get(id)?.detected.device === device) this.#remove(id);
    }

    #remove(id: string): void {
        const tracked = this.#devices.get(id);
        if (!tracked) return;
        this.#devices.delete(id);
        if (tracked.detected.port) this.identities.left(tracked.detected.port);
        tracked.leave();
        this.emit('detach', tracked.detected);
    }

    /** Local USB through the `usb` package; reports once and carries on when there is no USB bus. */
    async startLocal(): Promise<void> {
        if (process.platform === 'linux' && !existsSync('/sys/bus/usb')) {
            this.emit('notice', 'No local USB bus on this machine (/sys/bus/usb is missing): only USB/IP and virtual phones can be found.');
            return;
        }
        let webusb: USB;
        try {
            const { WebUSB } = await import('usb');
            webusb = new WebUSB({ allowAllDevices: true }) as unknown as USB;
        } catch (error) {
            this.emit('notice', `Local USB is unavailable (${error instanceof Error ? error.message : String(error)}).`);
            return;
        }
        const ids = new Map<USBDevice, string>();
        let counter = 0;
        const portOf = portOfUsbDevice;
        const idFor = (device: USBDevice): string => {
            let id = ids.get(device);
            if (!id) {
                const hex = (n: number): string => n.toString(16).padStart(4, '0');
                id = portOf(device) ?? `usb:${hex(device.vendorId)}:${hex(device.productId)}:${device.serialNumber ?? `#${++counter}`}`;
                ids.set(device, id);
            }
            return id;
        };
        const addLocal = (device: USBDevice): Promise<void> => this.#add(idFor(device), portOf(device), 'usb', device);
        const onConnect = (event: USBConnectionEvent): void => void addLocal(event.device);
        const onDisconnect = (event: USBConnectionEvent): void => {
            const id = ids.get(event.device);
            ids.delete(event.device);
            if (id) this.#remove(id);
        };
        webusb.addEventListener('connect', onConnect);
        webusb.addEventListener('disconnect', onDisconnect);
        this.#stops.push(() => {
            webusb.removeEventListener('connect', onConnect);
            webusb.removeEventListener('disconnect', onDisconnect);
        });
        try {
            for (const device of await webusb.getDevices()) await addLocal(device);
        } catch (error) {
            this.emit('notice', `Listing local USB devices failed (${error instanceof Error ? error.message : String(error)}).`);
        }
    }

    /**
     * Watch a USB/IP server (`HOST:PORT`): its devices are imported and appear as they come and go.
     * The promise settles once the first poll is done (its devices are in `list()`).
     */
    addUsbIpSource(address: string): Promise<void> {
        let firstDone!: () => void;
        const first = new Promise<void>((resolve) => (firstDone = resolve));
        const client = new UsbIpClient(address, { timeoutMs: 3000 });
        const seen = new Map<string, string>(); // id → busid#devnum currently imported
        let reachable = true;
        let timer: NodeJS.Timeout | undefined;
        let stopped = false;
        const poll = async (): Promise<void> => {
            try {
                const entries = await client.list();
                if (!reachable) this.emit('notice', `USB/IP server ${client.address} is reachable again.`);
                reachable = true;
                const present = new Set<string>();
                for (const entry of entries) {
                    const id = `usbip:${client.address}/${entry.device.busid}`;
                    const key = `${entry.device.busid}#${entry.device.devnum}`;
                    present.add(id);
                    if (seen.get(id) === key && this.#devices.has(id)) continue;
                    try {
                        const device = await client.import(entry.device.busid);
                        if (stopped) {
                            await device.forget();
                            return;
                        }
                        seen.set(id, key);
                        await this.#add(id, id, 'usbip', device);
                    } catch (error) {
                        this.emit('notice', `Could not import ${entry.device.busid} from ${client.address}: ${error instanceof Error ? error.message : String(error)}`);
                    }
                }
                for (const id of [...seen.keys()]) {
                    if (present.has(id)) continue;
                    seen.delete(id);
                    const tracked = this.#devices.get(id);
                    this.#remove(id);
                    void tracked?.detected.device.forget().catch(() => undefined);
                }
            } catch (error) {
                if (reachable) this.emit('notice', error instanceof Error ? error.message : String(error));
                reachable = false;
            } finally {
                firstDone();
                if (!stopped) timer = setTimeout(() => void poll(), this.#pollMs);
            }
        };
        void poll();
        this.#stops.push(() => {
            stopped = true;
            clearTimeout(timer);
            for (const id of seen.keys()) {
                const tracked = this.#devices.get(id);
                this.#remove(id);
                void tracked?.detected.device.forget().catch(() => undefined);
            }
            firstDone();
        });
        return first;
    }

    /**
     * Watch an in-process virtual phone: one more source, its USB device listed like any other, in
     * the state the phone says it is in. Returns how to stop watching it.
     */
    addVirtualPhone(phone: VirtualPhone): () => void {
        const id = `virtual:${phone.serial}`;
        const onAttach = (device: USBDevice): void => void this.#add(id, id, 'virtual', device, { recipe: phone.recipe, state: VIRTUAL_STATES[phone.mode] });
        const onDetach = (device: USBDevice): void => this.#removeIf(id, device);
        phone.on('attach', onAttach);
        phone.on('detach', onDetach);
        let stopped = false;
        const stop = (): void => {
            if (stopped) return;
            stopped = true;
            phone.off('attach', onAttach);
            phone.off('detach', onDetach);
            this.#remove(id);
        };
        this.#stops.push(stop);
        if (phone.usbDevice) onAttach(phone.usbDevice);
        return stop;
    }

    /** Resolve with the first device (present now or attaching later) that matches. */
    waitFor(predicate: (device: DetectedDevice) => boolean, options: WaitOptions = {}): Promise<DetectedDevice> {
        const pick = (attached?: unknown): DetectedDevice | undefined =>
            attached === undefined ? this.list().find(predicate) : predicate(attached as DetectedDevice) ? (attached as DetectedDevice) : undefined;
        return waitForAttach(this, pick, options, `No matching phone appeared within ${Math.round(options.timeoutMs ?? 0) / 1000} s.`);
    }

    close(): void {
        this.#closed = true;
        for (const stop of this.#stops.splice(0)) stop();
    }
}
