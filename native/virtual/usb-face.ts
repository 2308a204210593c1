/**
 * The virtual phone's USB face for one enumeration: answers control requests on ep0 like the real
 * device, and carries the bulk endpoints of the mode to and from the protocol emulation's pipe.
 * The in-process USBDevice and the USB/IP server both drive this same object.
 */
import type { PhoneMode } from '../manifests/schema.js';
import type { SetupPacket } from '../usb/descriptors.js';
import { encodeLangIds, encodeStringDescriptor } from '../usb/descriptors.js';
import type { UrbStatus, UsbDeviceBackend } from '../usb/backend-device.js';
import { UsbError } from '../usb/transport.js';
import type { FaceDescriptors } from './face-descriptors.js';
import { DEVICE_BACKLOG_LIMIT, type HostPipeEnd } from './pipe.js';

/** What the face asks the phone before bulk bytes pass, either way. */
export interface FaceHooks {
    /**
     * `deliver`: how many of the bytes reach the device; `unplug`: pull the cable after them;
     * `hang`: the device stops answering (stall fault).
     */
    beforeBulkOut(length: number): { deliver: number; unplug: boolean; hang: boolean };
    /** Device→host bytes about to be handed over: how many the host gets, and whether the cable is pulled after them. */
    beforeBulkIn(length: number): { deliver: number; unplug: boolean };
    /** Whether IN transfers should hang (stall fault active). */
    isHung(): boolean;
    unplug(): void;
    log(line: string): void;
}

const STALL = { status: 'stall' as UrbStatus, data: new Uint8Array(0) };

function ok(data: Uint8Array = new Uint8Array(0), maxLength?: number): { status: UrbStatus; data: Uint8Array } {
    return { status: 'ok', data: maxLength === undefined ? data : data.subarray(0, maxLength) };
}

export class UsbFace implements UsbDeviceBackend {
    readonly mode: PhoneMode;
    readonly descriptors: FaceDescriptors;
    /** The protocol's pipe; undefined when no protocol is registered for this mode (bulk endpoints stall). */
    readonly host: HostPipeEnd | undefined;
    readonly gone: Promise<void>;
    readonly #hooks: FaceHooks;
    #resolveGone!: () => void;
    #goneReason = 'The device was disconnected.';
    #isGone = false;
    #configuration = 1;
    readonly #halted = new Set<number>();
    #lineCoding = Uint8Array.of(0x00, 0xc2, 0x01, 0x00, 0x00, 0x00, 0x08); // 115200 8N1
    #controlLineState = 0;

    constructor(mode: PhoneMode, descriptors: FaceDescriptors, host: HostPipeEnd | undefined, hooks: FaceHooks) {
        this.mode = mode;
        this.descriptors = descriptors;
        this.host = host;
        this.#hooks = hooks;
        this.gone = new Promise((resolve) => (this.#resolveGone = resolve));
    }

    get isGone(): boolean {
        return this.#isGone;
    }

    get configurationValue(): number {
        return this.#configuration;
    }

    get controlLineState(): number {
        return this.#controlLineState;
    }

    /** The device disappears from the bus: pending and later transfers fail with `disconnected`. */
    detach(reason: string): void {
        if (this.#isGone) return;
        this.#isGone = true;
        this.#goneReason = reason;
        this.host?.close(reason);
        this.#resolveGone();
    }

    #goneError(): UsbError {
        return new UsbError('disconnected', this.#goneReason);
    }

    /** Wait until the device goes away or the signal aborts; a hung or silent endpoint. */
    #never(signal?: AbortSignal): Promise<never> {
        return new Promise((_, reject) => {
            const onAbort = (): void => reject(new UsbError('aborted', 'The transfer was cancelled.', { cause: signal?.reason }));
            if (signal?.aborted) return onAbort();
            signal?.addEventListener('abort', onAbort, { once: true });
            void this.gone.then(() => {
                signal?.removeEventListener('abort', onAbort);
                reject(this.#goneError());
            });
        });
    }

    async control(setup: SetupPacket, dataOut: Uint8Array | undefined): Promise<{ status: UrbStatus; data: Uint8Array }> {
        if (this.#isGone) throw this.#goneError();
        const type = (setup.requestType >> 5) & 3;
        const recipient = setup.requestType & 0x1f;
        if (type === 0) return this.#standard(setup, recipient);
        if (type === 1 && setup.requestType === 0x23 && setup.request === 0x03 && setup.value === 4) {
            // Hub-class SET_FEATURE(PORT_RESET): how a USB/IP host resets the device.
            await this.reset();
            return ok();
        }
        if (type === 1 && recipient === 1 && this.#hasCdc()) return this.#cdc(setup, dataOut);
        this.#hooks.log(`usb: stalled unknown control request type=0x${setup.requestType.toString(16)} request=0x${setup.request.toString(16)}`);
        return STALL;
    }

    #hasCdc(): boolean {
        return this.descriptors.configuration.interfaces.some((i) => i.interfaceClass === 0x02);
    }

    #cdc(setup: SetupPacket, dataOut: Uint8Array | undefined): { status: UrbStatus; data: Uint8Array } {
        switch (setup.request) {
            case 0x20: // SET_LINE_CODING
                if (!dataOut || dataOut.length < 7) return STALL;
                this.#lineCoding = dataOut.slice(0, 7);
                return ok();
            case 0x21: // GET_LINE_CODING
                return ok(this.#lineCoding, setup.length);
            case 0x22: // SET_CONTROL_LINE_STATE
                this.#controlLineState = setup.value;
                return ok();
            default:
                return STALL;
        }
    }

    #endpointExists(address: number): boolean {
        return this.descriptors.configuration.interfaces.some((i) => i.endpoints.some((e) => e.address === address));
    }

    #standard(setup: SetupPacket, recipient: number): { status: UrbStatus; data: Uint8Array } {
        const d = this.descriptors;
        switch (setup.request) {
            case 0x00: {
                // GET_STATUS
                if (recipient === 2) return ok(Uint8Array.of(this.#halted.has(setup.index) ? 1 : 0, 0), setup.length);
                const selfPowered = recipient === 0 && d.configuration.attributes & 0x40 ? 1 : 0;
                return ok(Uint8Array.of(selfPowered, 0), setup.length);
            }
            case 0x01: // CLEAR_FEATURE
                if (recipient === 2 && setup.value === 0) {
                    if (!this.#endpointExists(setup.index)) return STALL;
                    this.#halted.delete(setup.index);
                }
                return ok();
            case 0x03: // SET_FEATURE
                if (recipient === 2 && setup.value === 0) {
                    if (!this.#endpointExists(setup.index)) return STALL;
                    this.#halted.add(setup.index);
                }
                return ok();
            case 0x05: // SET_ADDRESS
                return ok();
            case 0x06: {
                // GET_DESCRIPTOR
                const kind = setup.value >> 8;
                const index = setup.value & 0xff;
                if (kind === 0x01) return ok(d.deviceBytes, setup.length);
                if (kind === 0x02 && index === 0) return ok(d.configurationBytes, setup.length);
                if (kind === 0x03) {
                    if (index === 0) return ok(encodeLangIds(), setup.length);
                    const text = d.strings.get(index);
                    return text === undefined ? STALL : ok(encodeStringDescriptor(text), setup.length);
                }
                if (kind === 0x06) {
                    const q = d.device;
                    return ok(Uint8Array.of(10, 0x06, q.bcdUSB & 0xff, q.bcdUSB >> 8, q.deviceClass, q.deviceSubclass, q.deviceProtocol, q.maxPacketSize0, 1, 0), setup.length);
                }
                return STALL;
            }
            case 0x08: // GET_CONFIGURATION
                return ok(Uint8Array.of(this.#configuration), setup.length);
            case 0x09: // SET_CONFIGURATION
                if (setup.value !== 0 && setup.value !== d.configuration.configurationValue) return STALL;
                this.#configuration = setup.value;
                this.#halted.clear();
                return ok();
            case 0x0a: // GET_INTERFACE
                return d.configuration.interfaces.some((i) => i.interfaceNumber === setup.index) ? ok(Uint8Array.of(0), setup.length) : STALL;
            case 0x0b: {
                // SET_INTERFACE: every interface has only alternate setting 0
                const iface = d.configuration.interfaces.find((i) => i.interfaceNumber === setup.index && i.alternateSetting === setup.value);
                if (!iface) return STALL;
                for (const ep of iface.endpoints) this.#halted.delete(ep.address);
                return ok();
            }
            default:
                this.#hooks.log(`usb: stalled standard request 0x${setup.request.toString(16)}`);
                return STALL;
        }
    }

    async transferIn(endpointAddress: number, length: number, signal?: AbortSignal): Promise<{ status: UrbStatus; data: Uint8Array }> {
        if (this.#isGone) throw this.#goneError();
        const d = this.descriptors;
        if (d.interruptIn.includes(endpointAddress)) return this.#never(signal);
        if (endpointAddress !== d.bulkIn || this.#halted.has(endpointAddress)) return STALL;
        if (!this.host) return STALL;
        if (this.#hooks.isHung()) return this.#never(signal);
        const data = await this.host.take(length, signal);
        const plan = this.#hooks.beforeBulkIn(data.length);
        // The cable is pulled mid-transfer: the host gets the bytes up to the fault, then the device is gone.
        if (plan.unplug) queueMicrotask(() => this.#hooks.unplug());
        return ok(plan.deliver >= data.length ? data : data.subarray(0, plan.deliver));
    }

    async transferOut(endpointAddress: number, data: Uint8Array, signal?: AbortSignal): Promise<{ status: UrbStatus; bytesWritten: number }> {
        if (this.#isGone) throw this.#goneError();
        const d = this.descriptors;
        if (endpointAddress !== d.bulkOut || this.#halted.has(endpointAddress) || !this.host) return { status: 'stall', bytesWritten: 0 };
        const plan = this.#hooks.beforeBulkOut(data.length);
        if (plan.hang) return this.#never(signal);
        // A copy: the host may reuse its buffer once this transfer is done, the device reads it later.
        if (plan.deliver > 0 || data.length === 0) this.host.deliver(data.slice(0, plan.deliver));
        if (plan.unplug) {
            this.#hooks.unplug();
            throw this.#goneError();
        }
        // The device NAKs while its buffer is full: the transfer completes once it has room again.
        await this.host.backlogAtMost(DEVICE_BACKLOG_LIMIT, signal);
        if (this.#isGone) throw this.#goneError();
        return { status: 'ok', bytesWritten: data.length };
    }

    async reset(): Promise<void> {
        if (this.#isGone) throw this.#goneError();
        this.#halted.clear();
        this.#hooks.log('usb: port reset');
    }
}
