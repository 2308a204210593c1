/**
 * The production UsbTransport: one claimed interface of a WebUSB `USBDevice` with its bulk IN/OUT
 * pair. Works the same over the `usb` package's devices, USB/IP imported devices and the virtual
 * phone's in-process device. WebUSB has no timeouts or cancellation, so they are built here without
 * letting an abandoned transfer swallow a later reply.
 */
import { hasReviveExtensions } from './backend-device.js';
import { UsbError, type IoOptions, type UsbDeviceInfo, type UsbErrorCode, type UsbTransport, type WriteOptions } from './transport.js';

export type InterfaceMatch = { readonly class: number; readonly subclass: number; readonly protocol: number } | 'samsung-download';

export interface WebUsbTransportOptions {
    /** Resolves when the OS reports the device gone (the watcher passes WebUSB's `disconnect`). */
    readonly disconnected?: Promise<void> | undefined;
    readonly location?: string | undefined;
    /**
     * Give the device back on close (`forget()`): for a USB/IP import made for this one transport,
     * whose connection a server such as usbipd keeps open until the client lets go.
     */
    readonly releaseOnClose?: boolean | undefined;
}

export interface SelectedInterface {
    readonly configurationValue: number;
    readonly interfaceNumber: number;
    readonly alternateSetting: number;
    readonly inEndpoint: USBEndpoint;
    readonly outEndpoint: USBEndpoint;
}

/** Find the interface a protocol talks to (Samsung: the CDC Data alt-setting with exactly 2 bulk endpoints, as Heimdall picks it). */
export function selectInterface(device: USBDevice, match: InterfaceMatch): SelectedInterface | undefined {
    const configurations = device.configuration ? [device.configuration, ...device.configurations.filter((c) => c.configurationValue !== device.configuration?.configurationValue)] : device.configurations;
    for (const configuration of configurations) {
        for (const iface of configuration.interfaces) {
            for (const alt of iface.alternates) {
                const wanted =
                    match === 'samsung-download'
                        ? alt.interfaceClass === 0x0a && alt.endpoints.length === 2
                        : alt.interfaceClass === match.class && alt.interfaceSubclass === match.subclass && alt.interfaceProtocol === match.protocol;
                if (!wanted) continue;
                const inEndpoint = alt.endpoints.find((e) => e.direction === 'in' && e.type === 'bulk');
                const outEndpoint = alt.endpoints.find((e) => e.direction === 'out' && e.type === 'bulk');
                if (inEndpoint && outEndpoint) {
                    return { configurationValue: configuration.configurationValue, interfaceNumber: iface.interfaceNumber, alternateSetting: alt.alternateSetting, inEndpoint, outEndpoint };
                }
            }
        }
    }
    return undefined;
}

/** Map whatever a WebUSB implementation threw to a UsbError code. */
export function usbErrorCode(error: unknown): UsbErrorCode {
    if (error instanceof UsbError) return error.code;
    const name = error instanceof Error ? error.name : '';
    const text = error instanceof Error ? error.message : String(error);
    if (name === 'NotFoundError' || /disconnect|NO_DEVICE|no such device|device (is )?gone|ENODEV/i.test(text)) return 'disconnected';
    if (name === 'AbortError') return 'aborted';
    if (/stall|LIBUSB_ERROR_PIPE|EPIPE/i.test(text)) return 'stall';
    if (name === 'SecurityError' || /ACCESS|permission denied|EACCES|EPERM/i.test(text)) return 'access';
    if (/BUSY|resource busy|EBUSY/i.test(text)) return 'busy';
    if (/TIMEOUT|timed? ?out|ETIMEDOUT/i.test(text)) return 'timeout';
    return 'io';
}

const messages: Record<UsbErrorCode, (what: string) => string> = {
    disconnected: (what) => `The phone was disconnected while ${what}.`,
    stall: (what) => `The phone refused the transfer (endpoint stalled) while ${what}.`,
    timeout: (what) => `The phone did not answer in time while ${what}.`,
    aborted: (what) => `Cancelled while ${what}.`,
    access: (what) => `This computer does not allow access to the phone's USB interface (${what}).`,
    busy: (what) => `Another program or driver is using the phone's USB interface (${what}).`,
    io: (what) => `A USB error happened while ${what}.`,
};

function toUsbError(error: unknown, what: string): UsbError {
    if (error instanceof UsbError) return error;
    const code = usbErrorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    return new UsbError(code, `${messages[code](what)} (${detail})`, { cause: error });
}

function bytesOf(view: DataView | undefined): Uint8Array {
    return view ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : new Uint8Array(0);
}

/** The `usb` package's devices take a per-transfer timeout as a third argument (default 1 s). */
interface TimedUsbDevice {
    transferIn(endpointNumber: number, length: number, timeout: number): Promise<USBInTransferResult>;
    transferOut(endpointNumber: number, data: BufferSource, timeout: number): Promise<USBOutTransferResult>;
}

function isNodeUsbDevice(device: USBDevice): boolean {
    return 'nativeTransferIn' in device;
}

/** How long one libusb transfer waits before we look at the signal again. */
const NATIVE_SLICE_MS = 250;

export class WebUsbTransport implements UsbTransport {
    readonly info: UsbDeviceInfo;
    readonly packetSize: { readonly in: number; readonly out: number };
    readonly closed: Promise<void>;
    readonly device: USBDevice;
    readonly selected: SelectedInterface;

    #resolveClosed!: () => void;
    #isClosed = false;
    #goneReason: string | undefined;
    #writeChain: Promise<unknown> = Promise.resolve();
    /** Stop functions of transfers in flight, so an unplug fails them at once. */
    readonly #inFlight = new Set<() => void>();
    readonly #cancellable: boolean;
    /** An IN transfer a timed-out read left behind (plain WebUSB cannot cancel it): the next read takes its data. */
    #orphanIn: Promise<Uint8Array> | undefined;
    #leftover: Uint8Array | undefined;
    readonly #releaseOnClose: boolean;

    private constructor(device: USBDevice, selected: SelectedInterface, options: WebUsbTransportOptions) {
        this.device = device;
        this.selected = selected;
        const ext = hasReviveExtensions(device) ? device : undefined;
        this.#cancellable = ext !== undefined;
        this.#releaseOnClose = options.releaseOnClose === true;
        this.info = {
            vendorId: device.vendorId,
            productId: device.productId,
            serialNumber: device.serialNumber ?? undefined,
            manufacturer: device.manufacturerName ?? undefined,
            product: device.productName ?? undefined,
            location: options.location ?? ext?.location,
        };
        this.packetSize = { in: selected.inEndpoint.packetSize, out: selected.outEndpoint.packetSize };
        this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
        void options.disconnected?.then(() => this.#gone('The phone was unplugged.'));
        void ext?.disconnected.then(() => this.#gone('The phone was unplugged or restarted.'));
    }

    /** Open the device, pick and claim the interface for `match`, and return a transport on its bulk pair. */
    static async open(device: USBDevice, match: InterfaceMatch, options: WebUsbTransportOptions = {}): Promise<WebUsbTransport> {
        const selected = selectInterface(device, match);
        const label = `${device.productName ?? 'USB device'} ${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}`;
        if (!selected) {
            const wanted = match === 'samsung-download' ? 'a CDC Data interface with two bulk endpoints' : `an interface ${match.class}/${match.subclass}/${match.protocol} with bulk IN and OUT`;
            throw new UsbError('io', `The ${label} has no ${wanted}.`);
        }
        try {
            if (!device.opened) await device.open();
            if (device.configuration?.configurationValue !== selected.configurationValue) await device.selectConfiguration(selected.configurationValue);
            await device.claimInterface(selected.interfaceNumber);
            const iface = device.configuration?.interfaces.find((i) => i.interfaceNumber === selected.interfaceNumber);
            if (iface && (iface.alternates.length > 1 || iface.alternate.alternateSetting !== selected.alternateSetting)) {
                await device.selectAlternateInterface(selected.interfaceNumber, selected.alternateSetting);
            }
        } catch (error) {
            throw toUsbError(error, `opening the ${label}`);
        }
        return new WebUsbTransport(device, selected, options);
    }

    #gone(reason: string): void {
        if (this.#goneReason === undefined) this.#goneReason = reason;
        if (this.#isClosed) return;
        this.#isClosed = true;
        this.#resolveClosed();
        for (const stop of [...this.#inFlight]) stop();
    }

    #check(): void {
        if (this.#isClosed) throw new UsbError('disconnected', this.#goneReason ?? 'The USB connection is closed.');
    }

    /** Run a transfer with timeout, abort and unplug applied; `work` gets a signal it may honour. */
    async #guarded<T>(what: string, options: IoOptions | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
        this.#check();
        if (options?.signal?.aborted) throw new UsbError('aborted', `Cancelled while ${what}.`);
        const controller = new AbortController();
        let outcome: 'timeout' | 'aborted' | 'gone' | undefined;
        let rejectRace!: (error: unknown) => void;
        const race = new Promise<never>((_, reject) => (rejectRace = reject));
        let fallback: NodeJS.Timeout | undefined;
        const stop = (why: 'timeout' | 'aborted' | 'gone'): void => {
            if (outcome) return;
            outcome = why;
            controller.abort();
            // Our own devices cancel the transfer for real; give them a moment so a reply that already
            // arrived is returned rather than dropped. Plain WebUSB cannot cancel: give up at once.
            if (this.#cancellable) fallback = setTimeout(() => rejectWith(why), 500);
            else rejectWith(why);
        };
        const rejectWith = (why: 'timeout' | 'aborted' | 'gone'): void => {
            if (why === 'timeout') rejectRace(new UsbError('timeout', `The phone did not answer within ${options?.timeoutMs} ms while ${what}.`));
            else if (why === 'aborted') rejectRace(new UsbError('aborted', `Cancelled while ${what}.`, { cause: options?.signal?.reason }));
            else rejectRace(new UsbError('disconnected', `${this.#goneReason ?? 'The phone was disconnected.'} (while ${what})`));
        };
        const timer = options?.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
        const onAbort = (): void => stop('aborted');
        options?.signal?.addEventListener('abort', onAbort, { once: true });
        const onGone = (): void => stop('gone');
        this.#inFlight.add(onGone);
        try {
            return await Promise.race([work(controller.signal), race]);
        } catch (error) {
            if (outcome === 'timeout') throw new UsbError('timeout', `The phone did not answer within ${options?.timeoutMs} ms while ${what}.`);
            if (outcome === 'aborted') throw new UsbError('aborted', `Cancelled while ${what}.`, { cause: options?.signal?.reason });
            const mapped = toUsbError(error, what);
            if (mapped.code === 'disconnected') {
                this.#gone('The phone was disconnected.');
                throw new UsbError('disconnected', `${this.#goneReason ?? 'The phone was disconnected.'} (while ${what})`, { cause: error });
            }
            throw mapped;
        } finally {
            clearTimeout(timer);
            clearTimeout(fallback);
            this.#inFlight.delete(onGone);
            options?.signal?.removeEventListener('abort', onAbort);
            race.catch(() => undefined);
        }
    }

    async #transferOut(bytes: Uint8Array, signal: AbortSignal): Promise<void> {
        // WebUSB's typings want an ArrayBuffer-backed view; a SharedArrayBuffer never reaches here.
        const data = bytes as Uint8Array<ArrayBuffer>;
        const ep = this.selected.outEndpoint.endpointNumber;
        const device = this.device;
        let result: USBOutTransferResult;
        if (hasReviveExtensions(device)) result = await device.transferOutWithSignal(ep, data, signal);
        else if (isNodeUsbDevice(device)) result = await (device as unknown as TimedUsbDevice).transferOut(ep, data, 0);
        else result = await device.transferOut(ep, data);
        if (result.status === 'stall') throw new UsbError('stall', `The phone stalled its OUT endpoint ${ep}.`);
    }

    async #transferIn(maxLength: number, signal: AbortSignal): Promise<Uint8Array> {
        const ep = this.selected.inEndpoint.endpointNumber;
        const device = this.device;
        const checkStall = (result: USBInTransferResult): Uint8Array => {
            if (result.status === 'stall') throw new UsbError('stall', `The phone stalled its IN endpoint ${ep}.`);
            return bytesOf(result.data);
        };
        if (hasReviveExtensions(device)) return checkStall(await device.transferInWithSignal(ep, maxLength, signal));
        if (isNodeUsbDevice(device)) {
            // libusb cancels a timed-out transfer cleanly, so short slices let us honour abort without losing data.
            for (;;) {
                try {
                    return checkStall(await (device as unknown as TimedUsbDevice).transferIn(ep, maxLength, NATIVE_SLICE_MS));
                } catch (error) {
                    if (usbErrorCode(error) !== 'timeout' || signal.aborted) throw error;
                }
            }
        }
        if (this.#leftover) {
            const data = this.#leftover;
            this.#leftover = data.length > maxLength ? data.subarray(maxLength) : undefined;
            return data.subarray(0, maxLength);
        }
        const pending = this.#orphanIn ?? device.transferIn(ep, Math.max(maxLength, this.packetSize.in)).then(checkStall);
        this.#orphanIn = pending;
        const clear = (): void => {
            if (this.#orphanIn === pending) this.#orphanIn = undefined;
        };
        pending.then(clear, clear);
        const data = await pending;
        if (data.length > maxLength) this.#leftover = data.subarray(maxLength);
        return data.subarray(0, maxLength);
    }

    write(data: Uint8Array, options?: WriteOptions): Promise<void> {
        const run = async (): Promise<void> => {
            const zlp = options?.zlp ?? 'never';
            const packet = this.packetSize.out;
            await this.#guarded(`sending ${data.length} bytes`, options, (signal) => this.#transferOut(data, signal));
            if (zlp === 'always' || (zlp === 'auto' && data.length > 0 && data.length % packet === 0)) {
                await this.#guarded('sending a zero-length packet', options, (signal) => this.#transferOut(new Uint8Array(0), signal));
            }
        };
        const next = this.#writeChain.then(run, run);
        this.#writeChain = next.catch(() => undefined);
        return next;
    }

    read(maxLength: number, options?: IoOptions): Promise<Uint8Array> {
        return this.#guarded(`reading up to ${maxLength} bytes`, options, (signal) => this.#transferIn(maxLength, signal));
    }

    async close(): Promise<void> {
        if (this.#isClosed) return;
        this.#gone('The USB connection is closed.');
        try {
            await this.device.releaseInterface(this.selected.interfaceNumber);
        } catch {
            // The device may have gone in the meantime; nothing else to release.
        }
        if (this.#releaseOnClose) await this.device.forget().catch(() => undefined);
    }
}
