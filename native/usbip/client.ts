/**
 * USB/IP client in userspace (no kernel module): list what a server exports and import a device as
 * a WebUSB `USBDevice`. Works against our virtual phone server and a real Linux `usbipd`.
 */
import { connect, type Socket } from 'node:net';
import { ReviveError } from '../jobs/errors.js';
import type { BackendUsbDevice } from '../usb/backend-device.js';
import {
    decodeDeviceInfo,
    decodeOpHeader,
    DEVICE_INFO_SIZE,
    encodeReqDevlist,
    encodeReqImport,
    OP_HEADER_SIZE,
    OpCode,
    OpStatus,
    type DevlistEntry,
    type ExportedInterface,
} from './protocol.js';
import { SocketReader } from './socket-reader.js';
import { createUsbIpDevice, UsbIpBackend } from './usbip-device.js';

export function parseHostPort(text: string): { host: string; port: number } {
    const match = /^(.*):(\d+)$/.exec(text.trim());
    const port = match ? Number.parseInt(match[2] ?? '', 10) : NaN;
    if (!match || !match[1] || !(port > 0 && port < 65536)) {
        throw ReviveError.of('usbip-address-invalid', { text });
    }
    return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

export class UsbIpClient {
    readonly host: string;
    readonly port: number;
    readonly timeoutMs: number;

    constructor(address: string | { host: string; port: number }, options: { timeoutMs?: number } = {}) {
        const parsed = typeof address === 'string' ? parseHostPort(address) : address;
        this.host = parsed.host;
        this.port = parsed.port;
        this.timeoutMs = options.timeoutMs ?? 5000;
    }

    get address(): string {
        return `${this.host}:${this.port}`;
    }

    #unreachable(cause: unknown): ReviveError {
        if (cause instanceof ReviveError) return cause;
        // A socket error: the system's own words (ECONNREFUSED …).
        return ReviveError.of('usbip-unreachable', { address: this.address, variant: 'socket', problem: cause instanceof Error ? cause.message : String(cause) }, { cause });
    }

    #silent(): ReviveError {
        return ReviveError.of('usbip-unreachable', { address: this.address, variant: 'timeout', seconds: this.timeoutMs / 1000 });
    }

    async #connect(signal?: AbortSignal): Promise<{ socket: Socket; reader: SocketReader }> {
        const socket = connect({ host: this.host, port: this.port });
        const reader = new SocketReader(socket);
        try {
            await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => reject(this.#silent()), this.timeoutMs);
                const onAbort = (): void => reject(ReviveError.of('usbip-unreachable', { address: this.address, variant: 'cancelled' }));
                signal?.addEventListener('abort', onAbort, { once: true });
                socket.once('connect', () => {
                    clearTimeout(timer);
                    signal?.removeEventListener('abort', onAbort);
                    resolve();
                });
                socket.once('error', (error) => {
                    clearTimeout(timer);
                    signal?.removeEventListener('abort', onAbort);
                    reject(error);
                });
            });
        } catch (error) {
            socket.destroy();
            throw this.#unreachable(error);
        }
        return { socket, reader };
    }

    async #withTimeout<T>(socket: Socket, work: Promise<T>): Promise<T> {
        let timer: NodeJS.Timeout | undefined;
        try {
            return await Promise.race([
                work,
                new Promise<never>((_, reject) => {
                    timer = setTimeout(() => reject(this.#silent()), this.timeoutMs);
                }),
            ]);
        } catch (error) {
            socket.destroy();
            throw error instanceof ReviveError ? error : this.#unreachable(error);
        } finally {
            clearTimeout(timer);
        }
    }

    /** OP_REQ_DEVLIST: the devices the server exports now. */
    async list(signal?: AbortSignal): Promise<DevlistEntry[]> {
        const { socket, reader } = await this.#connect(signal);
        socket.write(encodeReqDevlist());
        return this.#withTimeout(
            socket,
            (async () => {
                const header = decodeOpHeader(await reader.read(OP_HEADER_SIZE));
                if (header.code !== OpCode.repDevlist || header.status !== 0) throw new Error(`unexpected reply 0x${header.code.toString(16)} status ${header.status}`);
                const count = (await reader.read(4)).readUInt32BE(0);
                const entries: DevlistEntry[] = [];
                for (let i = 0; i < count; i++) {
                    const device = decodeDeviceInfo(await reader.read(DEVICE_INFO_SIZE));
                    const interfaces: ExportedInterface[] = [];
                    for (let j = 0; j < device.numInterfaces; j++) {
                        const b = await reader.read(4);
                        interfaces.push({ interfaceClass: b[0] ?? 0, interfaceSubclass: b[1] ?? 0, interfaceProtocol: b[2] ?? 0 });
                    }
                    entries.push({ device, interfaces });
                }
                socket.destroy();
                return entries;
            })(),
        );
    }

    /** OP_REQ_IMPORT: attach the device at `busid`; the connection then carries its URBs. */
    async import(busid: string, signal?: AbortSignal): Promise<BackendUsbDevice> {
        const { socket, reader } = await this.#connect(signal);
        socket.write(encodeReqImport(busid));
        return this.#withTimeout(
            socket,
            (async () => {
                const header = decodeOpHeader(await reader.read(OP_HEADER_SIZE));
                if (header.code === OpCode.repImport && header.status === OpStatus.deviceBusy) {
                    throw ReviveError.of('usbip-device-busy', { address: this.address, busid });
                }
                if (header.code !== OpCode.repImport || header.status !== 0) {
                    throw ReviveError.of('usbip-import-refused', { address: this.address, busid });
                }
                const device = decodeDeviceInfo(await reader.read(DEVICE_INFO_SIZE));
                const backend = new UsbIpBackend(socket, reader, device);
                return createUsbIpDevice(backend, `usbip:${this.address}/${busid}`);
            })(),
        );
    }
}
