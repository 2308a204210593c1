/**
 * A WebUSB `USBDevice` built from raw descriptors and a URB-level backend. The virtual phone's
 * in-process device and the USB/IP client's imported device are both this class, so everything
 * above (WebUsbTransport, @yume-chan/adb-daemon-webusb) sees one behaviour.
 */
import {
    parseConfigurationDescriptor,
    parseDeviceDescriptor,
    setupFromWebUsb,
    type ConfigurationDescriptor,
    type DeviceDescriptor,
    type SetupPacket,
} from './descriptors.js';

export type UrbStatus = 'ok' | 'stall';

/** One device's transfers at URB level. Rejects with `UsbBackendGone` once the device is gone. */
export interface UsbDeviceBackend {
    control(setup: SetupPacket, dataOut: Uint8Array | undefined, signal?: AbortSignal): Promise<{ status: UrbStatus; data: Uint8Array }>;
    transferIn(endpointAddress: number, length: number, signal?: AbortSignal): Promise<{ status: UrbStatus; data: Uint8Array }>;
    transferOut(endpointAddress: number, data: Uint8Array, signal?: AbortSignal): Promise<{ status: UrbStatus; bytesWritten: number }>;
    /** Port reset (USB bus reset). */
    reset(): Promise<void>;
    /** Resolves when the device goes away (unplug, re-enumeration, connection lost). */
    readonly gone: Promise<void>;
    readonly isGone: boolean;
    /** Give the device back (USB/IP: close the connection). Optional. */
    release?(): void;
}

export interface DeviceStrings {
    readonly manufacturer?: string | undefined;
    readonly product?: string | undefined;
    readonly serial?: string | undefined;
    /** Other string descriptors by index (interface names). */
    readonly byIndex?: ReadonlyMap<number, string> | undefined;
}

/**
 * What our own USBDevices add to WebUSB: a disconnect promise (WebUSB reports unplugs on the USB
 * object, which an in-process or imported device has none of) and transfers that can be cancelled
 * (WebUSB cannot cancel a pending transfer; these can, so a timed-out read does not eat a later reply).
 */
export interface ReviveUsbDeviceExtensions {
    readonly disconnected: Promise<void>;
    readonly isDisconnected: boolean;
    /** `usbip:HOST:PORT/BUSID`, `virtual:SERIAL`, … */
    readonly location: string;
    transferInWithSignal(endpointNumber: number, length: number, signal?: AbortSignal): Promise<USBInTransferResult>;
    transferOutWithSignal(endpointNumber: number, data: BufferSource, signal?: AbortSignal): Promise<USBOutTransferResult>;
}

export function hasReviveExtensions(device: USBDevice): device is USBDevice & ReviveUsbDeviceExtensions {
    return typeof (device as Partial<ReviveUsbDeviceExtensions>).transferInWithSignal === 'function' && 'disconnected' in device;
}

function disconnectedError(): DOMException {
    return new DOMException('The device was disconnected.', 'NotFoundError');
}

function toBytes(data: BufferSource | undefined): Uint8Array {
    if (data === undefined) return new Uint8Array(0);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A browser's WebUSB hands out a DataView over a buffer of its own, and consumers rely on that
 * (@yume-chan/adb-daemon-webusb reads `result.data.buffer` whole): copy when the bytes are a slice.
 */
function toView(bytes: Uint8Array): DataView {
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new DataView(bytes.buffer);
    return new DataView(new Uint8Array(bytes).buffer);
}

interface MutableInterface {
    interfaceNumber: number;
    alternate: USBAlternateInterface;
    alternates: USBAlternateInterface[];
    claimed: boolean;
}

interface BuiltConfiguration {
    readonly descriptor: ConfigurationDescriptor;
    readonly value: USBConfiguration;
    readonly interfaces: MutableInterface[];
}

const endpointTypes: Record<number, USBEndpointType> = { 1: 'isochronous', 2: 'bulk', 3: 'interrupt' };

function buildConfiguration(descriptor: ConfigurationDescriptor, strings: DeviceStrings): BuiltConfiguration {
    const interfaces: MutableInterface[] = [];
    for (const iface of descriptor.interfaces) {
        const alternate: USBAlternateInterface = {
            alternateSetting: iface.alternateSetting,
            interfaceClass: iface.interfaceClass,
            interfaceSubclass: iface.interfaceSubclass,
            interfaceProtocol: iface.interfaceProtocol,
            interfaceName: strings.byIndex?.get(iface.nameIndex) ?? null,
            endpoints: iface.endpoints
                .filter((ep) => (ep.attributes & 3) !== 0)
                .map((ep) => ({
                    endpointNumber: ep.address & 0x0f,
                    direction: ep.address & 0x80 ? 'in' : 'out',
                    type: endpointTypes[ep.attributes & 3] ?? 'bulk',
                    packetSize: ep.maxPacketSize,
                })),
        };
        let entry = interfaces.find((i) => i.interfaceNumber === iface.interfaceNumber);
        if (!entry) {
            entry = { interfaceNumber: iface.interfaceNumber, alternate, alternates: [], claimed: false };
            interfaces.push(entry);
        }
        entry.alternates.push(alternate);
        if (iface.alternateSetting === 0) entry.alternate = alternate;
    }
    const value: USBConfiguration = {
        configurationValue: descriptor.configurationValue,
        configurationName: strings.byIndex?.get(descriptor.nameIndex) ?? null,
        interfaces: interfaces as unknown as USBInterface[],
    };
    return { descriptor, value, interfaces };
}

export class BackendUsbDevice implements USBDevice, ReviveUsbDeviceExtensions {
    readonly usbVersionMajor: number;
    readonly usbVersionMinor: number;
    readonly usbVersionSubminor: number;
    readonly deviceClass: number;
    readonly deviceSubclass: number;
    readonly deviceProtocol: number;
    readonly vendorId: number;
    readonly productId: number;
    readonly deviceVersionMajor: number;
    readonly deviceVersionMinor: number;
    readonly deviceVersionSubminor: number;
    readonly manufacturerName: string | null;
    readonly productName: string | null;
    readonly serialNumber: string | null;
    readonly location: string;
    readonly descriptor: DeviceDescriptor;

    readonly #backend: UsbDeviceBackend;
    readonly #configurations: BuiltConfiguration[];
    #current: BuiltConfiguration | undefined;
    #opened = false;
    /** Aborted by close(): as in WebUSB, closing the device ends every pending transfer. */
    #session = new AbortController();

    constructor(backend: UsbDeviceBackend, raw: { device: Uint8Array; configurations: readonly Uint8Array[]; strings: DeviceStrings; location: string }) {
        this.#backend = backend;
        const d = parseDeviceDescriptor(raw.device);
        this.descriptor = d;
        this.usbVersionMajor = d.bcdUSB >> 8;
        this.usbVersionMinor = (d.bcdUSB >> 4) & 0xf;
        this.usbVersionSubminor = d.bcdUSB & 0xf;
        this.deviceClass = d.deviceClass;
        this.deviceSubclass = d.deviceSubclass;
        this.deviceProtocol = d.deviceProtocol;
        this.vendorId = d.vendorId;
        this.productId = d.productId;
        this.deviceVersionMajor = d.bcdDevice >> 8;
        this.deviceVersionMinor = (d.bcdDevice >> 4) & 0xf;
        this.deviceVersionSubminor = d.bcdDevice & 0xf;
        this.manufacturerName = raw.strings.manufacturer ?? null;
        this.productName = raw.strings.product ?? null;
        this.serialNumber = raw.strings.serial ?? null;
        this.location = raw.location;
        this.#configurations = raw.configurations.map((bytes) => buildConfiguration(parseConfigurationDescriptor(bytes), raw.strings));
        // Like the OS after enumeration: the first configuration is active before anyone opens the device.
        this.#current = this.#configurations[0];
    }

    get configuration(): USBConfiguration | null {
        return this.#current?.value ?? null;
    }

    get configurations(): USBConfiguration[] {
        return this.#configurations.map((c) => c.value);
    }

    get opened(): boolean {
        return this.#opened && !this.#backend.isGone;
    }

    get disconnected(): Promise<void> {
        return this.#backend.gone;
    }

    get isDisconnected(): boolean {
        return this.#backend.isGone;
    }

    #alive(): void {
        if (this.#backend.isGone) throw disconnectedError();
    }

    #requireOpen(): void {
        this.#alive();
        if (!this.#opened) throw new DOMException('The device must be opened first.', 'InvalidStateError');
    }

    #interface(interfaceNumber: number): MutableInterface {
        const iface = this.#current?.interfaces.find((i) => i.interfaceNumber === interfaceNumber);
        if (!iface) throw new DOMException(`The device has no interface ${interfaceNumber} in this configuration.`, 'NotFoundError');
        return iface;
    }

    #endpoint(direction: USBDirection, endpointNumber: number): USBEndpoint {
        for (const iface of this.#current?.interfaces ?? []) {
            const ep = iface.alternate.endpoints.find((e) => e.endpointNumber === endpointNumber && e.direction === direction);
            if (ep) {
                if (!iface.claimed) throw new DOMException(`Interface ${iface.interfaceNumber} must be claimed first.`, 'InvalidStateError');
                return ep;
            }
        }
        throw new DOMException(`The device has no ${direction.toUpperCase()} endpoint ${endpointNumber}.`, 'NotFoundError');
    }

    async #guard<T>(work: Promise<T>): Promise<T> {
        try {
            return await work;
        } catch (error) {
            if (this.#backend.isGone) throw disconnectedError();
            throw error;
        }
    }

    async open(): Promise<void> {
        this.#alive();
        if (!this.#opened) this.#session = new AbortController();
        this.#opened = true;
    }

    async close(): Promise<void> {
        for (const iface of this.#current?.interfaces ?? []) iface.claimed = false;
        this.#opened = false;
        // A read left pending by the last user must not swallow what the device says to the next one.
        this.#session.abort(new DOMException('The device was closed.', 'AbortError'));
    }

    /** Run a transfer that close() can end; it then rejects with WebUSB's AbortError. */
    async #transfer<T>(signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const session = this.#session.signal;
        try {
            return await this.#guard(work(signal ? AbortSignal.any([signal, session]) : session));
        } catch (error) {
            if (session.aborted && !signal?.aborted) throw session.reason;
            throw error;
        }
    }

    async forget(): Promise<void> {
        await this.close();
        this.#backend.release?.();
    }

    async selectConfiguration(configurationValue: number): Promise<void> {
        this.#requireOpen();
        const target = this.#configurations.find((c) => c.descriptor.configurationValue === configurationValue);
        if (!target) throw new DOMException(`The device has no configuration ${configurationValue}.`, 'NotFoundError');
        if (this.#current === target) return;
        const result = await this.#guard(this.#backend.control({ requestType: 0x00, request: 0x09, value: configurationValue, index: 0, length: 0 }, undefined));
        if (result.status !== 'ok') throw new DOMException('The device refused SET_CONFIGURATION.', 'NetworkError');
        for (const iface of this.#current?.interfaces ?? []) iface.claimed = false;
        this.#current = target;
    }

    async claimInterface(interfaceNumber: number): Promise<void> {
        this.#requireOpen();
        this.#interface(interfaceNumber).claimed = true;
    }

    async releaseInterface(interfaceNumber: number): Promise<void> {
        this.#requireOpen();
        this.#interface(interfaceNumber).claimed = false;
    }

    async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
        this.#requireOpen();
        const iface = this.#interface(interfaceNumber);
        const alternate = iface.alternates.find((a) => a.alternateSetting === alternateSetting);
        if (!alternate) throw new DOMException(`Interface ${interfaceNumber} has no alternate setting ${alternateSetting}.`, 'NotFoundError');
        const result = await this.#guard(
            this.#backend.control({ requestType: 0x01, request: 0x0b, value: alternateSetting, index: interfaceNumber, length: 0 }, undefined),
        );
        if (result.status !== 'ok') throw new DOMException('The device refused SET_INTERFACE.', 'NetworkError');
        iface.alternate = alternate;
    }

    async controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
        this.#requireOpen();
        const result = await this.#guard(this.#backend.control(setupFromWebUsb(setup, 'in', length), undefined));
        return result.status === 'ok' ? { status: 'ok', data: toView(result.data) } : { status: 'stall' };
    }

    async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
        this.#requireOpen();
        const bytes = toBytes(data);
        const result = await this.#guard(this.#backend.control(setupFromWebUsb(setup, 'out', bytes.length), bytes));
        return { status: result.status, bytesWritten: result.status === 'ok' ? bytes.length : 0 };
    }

    async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
        this.#requireOpen();
        const address = (direction === 'in' ? 0x80 : 0) | endpointNumber;
        const result = await this.#guard(this.#backend.control({ requestType: 0x02, request: 0x01, value: 0, index: address, length: 0 }, undefined));
        if (result.status !== 'ok') throw new DOMException('The device refused CLEAR_FEATURE(ENDPOINT_HALT).', 'NetworkError');
    }

    transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
        return this.transferInWithSignal(endpointNumber, length);
    }

    transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
        return this.transferOutWithSignal(endpointNumber, data);
    }

    async transferInWithSignal(endpointNumber: number, length: number, signal?: AbortSignal): Promise<USBInTransferResult> {
        this.#requireOpen();
        this.#endpoint('in', endpointNumber);
        const result = await this.#transfer(signal, (both) => this.#backend.transferIn(0x80 | endpointNumber, length, both));
        return result.status === 'ok' ? { status: 'ok', data: toView(result.data) } : { status: 'stall' };
    }

    async transferOutWithSignal(endpointNumber: number, data: BufferSource, signal?: AbortSignal): Promise<USBOutTransferResult> {
        this.#requireOpen();
        this.#endpoint('out', endpointNumber);
        // The device keeps what it was sent; the host may reuse its buffer as soon as this resolves.
        const bytes = toBytes(data).slice();
        const result = await this.#transfer(signal, (both) => this.#backend.transferOut(endpointNumber, bytes, both));
        return { status: result.status, bytesWritten: result.bytesWritten };
    }

    async isochronousTransferIn(): Promise<USBIsochronousInTransferResult> {
        throw new DOMException('Isochronous transfers are not supported.', 'NotSupportedError');
    }

    async isochronousTransferOut(): Promise<USBIsochronousOutTransferResult> {
        throw new DOMException('Isochronous transfers are not supported.', 'NotSupportedError');
    }

    async reset(): Promise<void> {
        this.#requireOpen();
        await this.#guard(this.#backend.reset());
        for (const iface of this.#current?.interfaces ?? []) iface.alternate = iface.alternates.find((a) => a.alternateSetting === 0) ?? iface.alternate;
    }
}
