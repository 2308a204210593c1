/**
 * Which phone sits on which port. Samsung download mode (and many bootloaders) report no USB serial
 * number, so a phone is followed by its port path, and what Android or recovery told us about it
 * (model, codename, serial, IMEI, build) stays attached to that port while it changes modes.
 */

/** What a phone said about itself while it could talk (Android or recovery over adb). */
export interface PhoneIdentity {
    readonly model: string;
    readonly codename: string;
    /** `ro.serialno`: the phone's own serial, not the USB one (which download mode hides). */
    readonly serial: string;
    /** Only Android ≤ 5 hands it to adb (`dumpsys iphonesubinfo`); undefined otherwise. */
    readonly imei?: string | undefined;
    /** Empty when it was read in recovery, where the installed system's build is not running. */
    readonly fingerprint: string;
    readonly androidVersion: string;
    /** When it was read (ISO time). */
    readonly readAt: string;
}

/**
 * The port path of a local USB device: `usb:BUS-PORT.PORT…`, as Linux names it under /sys/bus/usb
 * (`usb:1-3.4` is bus 1, root port 3, hub port 4). Undefined when the USB stack does not say.
 */
export function localPortPath(bus: string | number | undefined, ports: readonly number[] | undefined): string | undefined {
    if (bus === undefined || !ports || ports.length === 0) return undefined;
    // node-usb gives the bus as a number or a zero-padded string ("001").
    const busNumber = Number.parseInt(String(bus), 10);
    if (!Number.isInteger(busNumber)) return undefined;
    return `usb:${busNumber}-${ports.join('.')}`;
}

/** The port path of a device from node-usb's WebUSB, which carries the bus and the port chain. */
export function portOfUsbDevice(device: USBDevice): string | undefined {
    const located = device as USBDevice & { bus?: string | number; ports?: number[] };
    return localPortPath(located.bus, located.ports);
}

/**
 * How long a port may stay empty before we forget who was on it. A phone leaves the bus for a few
 * seconds on every mode change; a longer gap means someone may have unplugged it and put another there.
 */
export const IDENTITY_GRACE_MS = 90_000;

interface Entry {
    identity: PhoneIdentity;
    /** Set while the port is empty: when it became empty. */
    emptySince?: number | undefined;
}

export class PortIdentities {
    readonly #entries = new Map<string, Entry>();
    readonly #graceMs: number;
    readonly #now: () => number;

    constructor(options: { graceMs?: number | undefined; now?: (() => number) | undefined } = {}) {
        this.#graceMs = options.graceMs ?? IDENTITY_GRACE_MS;
        this.#now = options.now ?? Date.now;
    }

    /** The phone read on this port (Android or recovery) is this one. */
    remember(port: string, identity: PhoneIdentity): void {
        this.#entries.set(port, { identity });
    }

    /** Who is on this port, if we know and the port has not been empty for too long. */
    lookup(port: string): PhoneIdentity | undefined {
        const entry = this.#entries.get(port);
        if (!entry) return undefined;
        if (entry.emptySince !== undefined && this.#now() - entry.emptySince > this.#graceMs) {
            this.#entries.delete(port);
            return undefined;
        }
        return entry.identity;
    }

    /** A device appeared on the port. One that shows another serial is another phone. */
    arrived(port: string, usbSerial: string | undefined): void {
        const identity = this.lookup(port);
        const entry = this.#entries.get(port);
        if (!identity || !entry) return;
        entry.emptySince = undefined;
        // Some phones show ro.serialno over USB in Android and recovery; a different one is a swap.
        if (usbSerial && usbSerial !== identity.serial) this.#entries.delete(port);
    }

    /** The device on the port left (a mode change, or the cable). */
    left(port: string): void {
        const entry = this.#entries.get(port);
        if (entry && entry.emptySince === undefined) entry.emptySince = this.#now();
    }

    forget(port: string): void {
        this.#entries.delete(port);
    }
}
