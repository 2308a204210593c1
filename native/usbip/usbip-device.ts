/**
 * A device imported over USB/IP, as a WebUSB `USBDevice`: a userspace vhci. URBs go out as
 * CMD_SUBMIT, cancellation as CMD_UNLINK; descriptors are read from the device at import.
 */
import type { Socket } from 'node:net';
import { BackendUsbDevice, type UrbStatus, type UsbDeviceBackend } from '../usb/backend-device.js';
import {
    DescriptorType,
    encodeSetup,
    parseConfigurationDescriptor,
    parseDeviceDescriptor,
    parseStringDescriptor,
    type SetupPacket,
} from '../usb/descriptors.js';
import { UsbError } from '../usb/transport.js';
import { decodeUrbHeader, encodeUrbHeader, Errno, UrbCommand, URB_HEADER_SIZE, UsbIpDirection, type ExportedDevice } from './protocol.js';
import type { SocketReader } from './socket-reader.js';

interface PendingUrb {
    readonly direction: number;
    /** The transfer buffer asked for: a reply claiming more is damaged. */
    readonly length: number;
    readonly resolve: (value: { status: number; data: Uint8Array }) => void;
    readonly reject: (error: unknown) => void;
}

/** The URB engine over one imported connection. */
export class UsbIpBackend implements UsbDeviceBackend {
    readonly gone: Promise<void>;
    readonly devid: number;
    readonly #socket: Socket;
    readonly #reader: SocketReader;
    readonly #pending = new Map<number, PendingUrb>();
    /** Unlink seqnum → the URB it unlinks. */
    readonly #unlinks = new Map<number, number>();
    #seq = 1;
    #isGone = false;
    #resolveGone!: () => void;

    constructor(socket: Socket, reader: SocketReader, device: ExportedDevice) {
        this.#socket = socket;
        this.#reader = reader;
        this.devid = (device.busnum << 16) | device.devnum;
        this.gone = new Promise((resolve) => (this.#resolveGone = resolve));
        socket.setNoDelay(true);
        socket.on('close', () => this.#end());
        socket.on('error', () => this.#end());
        void this.#readLoop().catch(() => this.#end());
    }

    get isGone(): boolean {
        return this.#isGone;
    }

    #end(): void {
        if (this.#isGone) return;
        this.#isGone = true;
        const error = new UsbError('disconnected', 'The USB/IP device went away (unplugged, restarted or the server stopped).');
        for (const urb of this.#pending.values()) urb.reject(error);
        this.#pending.clear();
        this.#socket.destroy();
        this.#resolveGone();
    }

    async #readLoop(): Promise<void> {
        for (;;) {
            const header = decodeUrbHeader(await this.#reader.read(URB_HEADER_SIZE));
            if (header.command === UrbCommand.retSubmit) {
                const urb = this.#pending.get(header.seqnum);
                // Checked before reading the data: a damaged length must not make us wait for gigabytes.
                if (urb && header.actualLength > urb.length) throw new Error(`the server answered ${header.actualLength} bytes to a ${urb.length}-byte transfer`);
                const length = urb?.direction === UsbIpDirection.in && header.actualLength > 0 ? header.actualLength : 0;
                const data = length > 0 ? await this.#reader.read(length) : Buffer.alloc(0);
                if (!urb) continue;
                this.#pending.delete(header.seqnum);
                urb.resolve({ status: header.status, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
            } else if (header.command === UrbCommand.retUnlink) {
                const target = this.#unlinks.get(header.seqnum);
                this.#unlinks.delete(header.seqnum);
                if (target === undefined) continue;
                const urb = this.#pending.get(target);
                if (urb && header.status === -Errno.ECONNRESET) {
                    this.#pending.delete(target);
                    urb.reject(new UsbError('aborted', 'The transfer was cancelled.'));
                }
            } else {
                throw new Error(`unexpected USB/IP command ${header.command} from the server`);
            }
        }
    }

    #nextSeq(): number {
        const seq = this.#seq;
        this.#seq = this.#seq >= 0x7fffffff ? 1 : this.#seq + 1;
        return seq;
    }

    #submit(urb: { ep: number; direction: number; length: number; setup: Uint8Array; data?: Uint8Array | undefined }, signal?: AbortSignal): Promise<{ status: number; data: Uint8Array }> {
        const { ep, direction, length, setup, data } = urb;
        if (this.#isGone) return Promise.reject(new UsbError('disconnected', 'The USB/IP device went away.'));
        if (signal?.aborted) return Promise.reject(new UsbError('aborted', 'The transfer was cancelled.'));
        const seqnum = this.#nextSeq();
        return new Promise((resolve, reject) => {
            const onAbort = (): void => {
                if (!this.#pending.has(seqnum) || this.#isGone) return;
                const unlinkSeq = this.#nextSeq();
                this.#unlinks.set(unlinkSeq, seqnum);
                this.#socket.write(encodeUrbHeader({ command: UrbCommand.cmdUnlink, seqnum: unlinkSeq, devid: this.devid, direction, ep, unlinkSeqnum: seqnum }));
            };
            this.#pending.set(seqnum, {
                direction,
                length,
                resolve: (value) => {
                    signal?.removeEventListener('abort', onAbort);
                    resolve(value);
                },
                reject: (error) => {
                    signal?.removeEventListener('abort', onAbort);
                    reject(error);
                },
            });
            signal?.addEventListener('abort', onAbort, { once: true });
            const header = encodeUrbHeader({
                command: UrbCommand.cmdSubmit,
                seqnum,
                devid: this.devid,
                direction,
                ep,
                transferFlags: direction === UsbIpDirection.in ? 0x0200 : 0,
                transferBufferLength: length,
                startFrame: 0,
                numberOfPackets: 0,
                interval: 0,
                setup,
            });
            this.#socket.write(data && data.length > 0 ? Buffer.concat([header, data]) : header);
        });
    }

    static #status(status: number, what: string): UrbStatus {
        if (status === 0) return 'ok';
        if (status === -Errno.EPIPE) return 'stall';
        if (status === -Errno.ENODEV || status === -Errno.ESHUTDOWN) throw new UsbError('disconnected', `The USB/IP device went away during ${what}.`);
        throw new UsbError('io', `The USB/IP server reported error ${status} for ${what}.`);
    }

    async control(setup: SetupPacket, dataOut: Uint8Array | undefined, signal?: AbortSignal): Promise<{ status: UrbStatus; data: Uint8Array }> {
        const isIn = (setup.requestType & 0x80) !== 0;
        const data = isIn ? undefined : (dataOut ?? new Uint8Array(0));
        const result = await this.#submit({ ep: 0, direction: isIn ? UsbIpDirection.in : UsbIpDirection.out, length: isIn ? setup.length : (data?.length ?? 0), setup: encodeSetup({ ...setup, length: isIn ? setup.length : (data?.length ?? 0) }), data }, signal);
        return { status: UsbIpBackend.#status(result.status, 'a control transfer'), data: result.data };
    }

    async transferIn(endpointAddress: number, length: number, signal?: AbortSignal): Promise<{ status: UrbStatus; data: Uint8Array }> {
        const result = await this.#submit({ ep: endpointAddress & 0x0f, direction: UsbIpDirection.in, length, setup: new Uint8Array(8) }, signal);
        return { status: UsbIpBackend.#status(result.status, `a read from endpoint ${endpointAddress & 0x0f}`), data: result.data };
    }

    async transferOut(endpointAddress: number, data: Uint8Array, signal?: AbortSignal): Promise<{ status: UrbStatus; bytesWritten: number }> {
        const result = await this.#submit({ ep: endpointAddress & 0x0f, direction: UsbIpDirection.out, length: data.length, setup: new Uint8Array(8), data }, signal);
        const status = UsbIpBackend.#status(result.status, `a write to endpoint ${endpointAddress & 0x0f}`);
        return { status, bytesWritten: status === 'ok' ? data.length : 0 };
    }

    async reset(): Promise<void> {
        // Linux vhci forwards a port reset as a hub-class SET_FEATURE(PORT_RESET) URB.
        const result = await this.#submit({ ep: 0, direction: UsbIpDirection.out, length: 0, setup: encodeSetup({ requestType: 0x23, request: 0x03, value: 4, index: 0, length: 0 }) });
        if (UsbIpBackend.#status(result.status, 'a port reset') !== 'ok') throw new UsbError('stall', 'The device refused the port reset.');
    }

    release(): void {
        this.#end();
    }
}

async function getDescriptor(backend: UsbIpBackend, type: number, index: number, length: number, langId = 0): Promise<Uint8Array | undefined> {
    const result = await backend.control({ requestType: 0x80, request: 0x06, value: (type << 8) | index, index: langId, length }, undefined);
    return result.status === 'ok' ? result.data : undefined;
}

/** Read the device's descriptors through the backend and build its USBDevice. */
export async function createUsbIpDevice(backend: UsbIpBackend, location: string): Promise<BackendUsbDevice> {
    const deviceBytes = await getDescriptor(backend, DescriptorType.device, 0, 18);
    if (!deviceBytes) throw new UsbError('io', 'The USB/IP device did not return its device descriptor.');
    const device = parseDeviceDescriptor(deviceBytes);
    const configurations: Uint8Array[] = [];
    for (let i = 0; i < device.numConfigurations; i++) {
        const head = await getDescriptor(backend, DescriptorType.configuration, i, 9);
        if (!head || head.length < 4) continue;
        const total = (head[2] ?? 0) | ((head[3] ?? 0) << 8);
        const full = await getDescriptor(backend, DescriptorType.configuration, i, total);
        if (full) configurations.push(full);
    }
    const byIndex = new Map<number, string>();
    const langs = await getDescriptor(backend, DescriptorType.string, 0, 255);
    const langId = langs && langs.length >= 4 ? (langs[2] ?? 0) | ((langs[3] ?? 0) << 8) : 0x0409;
    const indices = new Set([device.manufacturerIndex, device.productIndex, device.serialIndex]);
    for (const bytes of configurations) {
        const config = parseConfigurationDescriptor(bytes);
        indices.add(config.nameIndex);
        for (const iface of config.interfaces) indices.add(iface.nameIndex);
    }
    if (langs) {
        for (const index of indices) {
            if (index === 0) continue;
            const bytes = await getDescriptor(backend, DescriptorType.string, index, 255, langId);
            if (bytes) byIndex.set(index, parseStringDescriptor(bytes));
        }
    }
    return new BackendUsbDevice(backend, {
        device: deviceBytes,
        configurations,
        strings: {
            manufacturer: byIndex.get(device.manufacturerIndex),
            product: byIndex.get(device.productIndex),
            serial: byIndex.get(device.serialIndex),
            byIndex,
        },
        location,
    });
}
