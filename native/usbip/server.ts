/**
 * USB/IP server: exports virtual phones on a loopback port so any USB/IP client (Linux vhci, the
 * usbip tool, the umockdev bridge, our own client) can attach them. Control URBs go to the phone's
 * USB face, bulk URBs to the current mode's pipe. When the phone re-enumerates (mode change, unplug)
 * the imported connection is closed, as usbip-host does when a device leaves the bus.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseSetup } from '../usb/descriptors.js';
import { UsbError } from '../usb/transport.js';
import type { VirtualPhone } from '../virtual/phone.js';
import type { UsbFace } from '../virtual/usb-face.js';
import {
    decodeOpHeader,
    decodeReqImportBusid,
    decodeUrbHeader,
    encodeRepDevlist,
    encodeRepImport,
    encodeUrbHeader,
    Errno,
    OP_HEADER_SIZE,
    OpCode,
    OpStatus,
    UrbCommand,
    UrbFlags,
    URB_HEADER_SIZE,
    USB_SPEED_HIGH,
    UsbIpDirection,
    type CmdSubmit,
    type DevlistEntry,
    type ExportedDevice,
} from './protocol.js';
import { SocketReader } from './socket-reader.js';

export interface UsbIpServerOptions {
    /** Loopback only: 127.0.0.1 (default). */
    readonly host?: string | undefined;
    /** 0 (default) picks a free port. */
    readonly port?: number | undefined;
    readonly log?: ((line: string) => void) | undefined;
}

interface Export {
    readonly phone: VirtualPhone;
    readonly busid: string;
    readonly busnum: number;
    devnum: number;
    readonly onAttach: () => void;
}

function deviceInfo(entry: Export, face: UsbFace): DevlistEntry {
    const d = face.descriptors.device;
    const interfaces = face.descriptors.configuration.interfaces.filter((i) => i.alternateSetting === 0);
    const device: ExportedDevice = {
        path: `/sys/devices/platform/revive-virtual/usb${entry.busnum}/${entry.busid}`,
        busid: entry.busid,
        busnum: entry.busnum,
        devnum: entry.devnum,
        speed: USB_SPEED_HIGH,
        vendorId: d.vendorId,
        productId: d.productId,
        bcdDevice: d.bcdDevice,
        deviceClass: d.deviceClass,
        deviceSubclass: d.deviceSubclass,
        deviceProtocol: d.deviceProtocol,
        configurationValue: face.configurationValue,
        numConfigurations: d.numConfigurations,
        numInterfaces: interfaces.length,
    };
    return {
        device,
        interfaces: interfaces.map((i) => ({ interfaceClass: i.interfaceClass, interfaceSubclass: i.interfaceSubclass, interfaceProtocol: i.interfaceProtocol })),
    };
}

export class UsbIpServer {
    readonly host: string;
    readonly #server: Server;
    readonly #exports = new Map<string, Export>();
    readonly #sockets = new Set<Socket>();
    /** Bus ids imported now, each with its connection's end: as usbip-host, one client at a time. */
    readonly #imported = new Map<string, Promise<void>>();
    readonly #log: (line: string) => void;
    #port = 0;

    private constructor(server: Server, host: string, log: (line: string) => void) {
        this.#server = server;
        this.host = host;
        this.#log = log;
    }

    static async start(options: UsbIpServerOptions = {}): Promise<UsbIpServer> {
        const host = options.host ?? '127.0.0.1';
        const server = createServer();
        const instance = new UsbIpServer(server, host, options.log ?? (() => undefined));
        server.on('connection', (socket) => instance.#accept(socket));
        await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(options.port ?? 0, host, () => {
                server.off('error', reject);
                resolve();
            });
        });
        const address = server.address();
        instance.#port = typeof address === 'object' && address ? address.port : 0;
        return instance;
    }

    get port(): number {
        return this.#port;
    }

    /** `HOST:PORT` for `--usbip` and the usbip tools. */
    get address(): string {
        return `${this.host}:${this.#port}`;
    }

    /** Export a phone under a bus id (default `1-N`, N = 1, 2, …); returns the bus id. */
    export(phone: VirtualPhone, busid?: string): string {
        const id = busid ?? `1-${this.#exports.size + 1}`;
        const busnum = Number.parseInt(id.split('-')[0] ?? '1', 10) || 1;
        const entry: Export = {
            phone,
            busid: id,
            busnum,
            devnum: 2,
            onAttach: () => {
                entry.devnum = entry.devnum >= 127 ? 2 : entry.devnum + 1;
            },
        };
        phone.on('attach', entry.onAttach);
        this.#exports.set(id, entry);
        return id;
    }

    unexport(phone: VirtualPhone): void {
        for (const [busid, entry] of this.#exports) {
            if (entry.phone !== phone) continue;
            phone.off('attach', entry.onAttach);
            this.#exports.delete(busid);
        }
    }

    /** The devices on offer now (phones that are on the bus). */
    devlist(): DevlistEntry[] {
        const out: DevlistEntry[] = [];
        for (const entry of this.#exports.values()) {
            const face = entry.phone.usbFace;
            if (face) out.push(deviceInfo(entry, face));
        }
        return out;
    }

    #accept(socket: Socket): void {
        this.#sockets.add(socket);
        socket.setNoDelay(true);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
        void this.#handshake(socket).catch((error: unknown) => {
            this.#log(`usbip: connection ended: ${error instanceof Error ? error.message : String(error)}`);
            socket.destroy();
        });
    }

    async #handshake(socket: Socket): Promise<void> {
        const reader = new SocketReader(socket);
        const header = decodeOpHeader(await reader.read(OP_HEADER_SIZE));
        if (header.code === OpCode.reqDevlist) {
            socket.end(encodeRepDevlist(this.devlist()));
            return;
        }
        if (header.code !== OpCode.reqImport) throw new Error(`unknown operation 0x${header.code.toString(16)}`);
        const busid = decodeReqImportBusid(await reader.read(32));
        const entry = this.#exports.get(busid);
        const face = entry?.phone.usbFace;
        if (!entry || !face) {
            this.#log(`usbip: import of ${busid} refused: no such device on the bus`);
            socket.end(encodeRepImport(undefined));
            return;
        }
        const holder = this.#imported.get(busid);
        // A client that just let go (a reconnect after a reboot) may be a moment ahead of its close.
        if (holder) await Promise.race([holder, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        if (this.#imported.has(busid)) {
            // usbipd answers ST_DEV_BUSY ("Device busy (exported)"); two clients on one pipe would
            // read each other's replies and both wait forever.
            this.#log(`usbip: import of ${busid} refused: another client has it`);
            socket.end(encodeRepImport(undefined, OpStatus.deviceBusy));
            return;
        }
        this.#imported.set(busid, new Promise((resolve) => socket.once('close', () => resolve())));
        socket.once('close', () => this.#imported.delete(busid));
        socket.write(encodeRepImport(deviceInfo(entry, face).device));
        this.#log(`usbip: ${busid} imported by ${socket.remoteAddress}:${socket.remotePort}`);
        await new UrbSession(socket, reader, face, this.#log).run();
    }

    async close(): Promise<void> {
        for (const entry of this.#exports.values()) entry.phone.off('attach', entry.onAttach);
        this.#exports.clear();
        for (const socket of this.#sockets) socket.destroy();
        await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
}

/** One imported device: URBs in, replies out, until the device leaves the bus or the client goes. */
class UrbSession {
    readonly #socket: Socket;
    readonly #reader: SocketReader;
    readonly #face: UsbFace;
    readonly #log: (line: string) => void;
    readonly #pending = new Map<number, { controller: AbortController; done: Promise<'completed' | 'unlinked'> }>();

    constructor(socket: Socket, reader: SocketReader, face: UsbFace, log: (line: string) => void) {
        this.#socket = socket;
        this.#reader = reader;
        this.#face = face;
        this.#log = log;
    }

    async run(): Promise<void> {
        // The device leaving the bus ends the import, exactly like a cable pull under usbip-host.
        void this.#face.gone.then(() => this.#socket.destroy());
        if (this.#face.isGone) return;
        for (;;) {
            const header = decodeUrbHeader(await this.#reader.read(URB_HEADER_SIZE));
            if (header.command === UrbCommand.cmdSubmit) {
                const out = header.direction === UsbIpDirection.out && header.transferBufferLength > 0;
                const payload = out ? await this.#reader.read(header.transferBufferLength) : Buffer.alloc(0);
                this.#submit(header, new Uint8Array(payload.buffer, payload.byteOffset, payload.length));
            } else if (header.command === UrbCommand.cmdUnlink) {
                void this.#unlink(header.seqnum, header.unlinkSeqnum);
            } else {
                throw new Error(`unexpected command ${header.command} from the client`);
            }
        }
    }

    #reply(seqnum: number, status: number, data?: Uint8Array, outLength = 0): void {
        if (this.#socket.destroyed) return;
        const actualLength = data ? data.length : outLength;
        const header = encodeUrbHeader({ command: UrbCommand.retSubmit, seqnum, devid: 0, direction: 0, ep: 0, status, actualLength, startFrame: 0, numberOfPackets: 0, errorCount: 0 });
        this.#socket.write(data && data.length > 0 ? Buffer.concat([header, data]) : header);
    }

    #submit(cmd: CmdSubmit, payload: Uint8Array): void {
        const controller = new AbortController();
        const done = this.#execute(cmd, payload, controller.signal).then(
            (result) => {
                this.#pending.delete(cmd.seqnum);
                this.#reply(cmd.seqnum, result.status, result.data, result.outLength);
                return 'completed' as const;
            },
            (error: unknown) => {
                this.#pending.delete(cmd.seqnum);
                if (error instanceof UsbError && error.code === 'aborted') return 'unlinked' as const;
                if (error instanceof UsbError && error.code === 'disconnected') {
                    this.#socket.destroy();
                    return 'completed' as const;
                }
                this.#log(`usbip: URB ${cmd.seqnum} failed: ${error instanceof Error ? error.message : String(error)}`);
                this.#reply(cmd.seqnum, -Errno.EPIPE);
                return 'completed' as const;
            },
        );
        this.#pending.set(cmd.seqnum, { controller, done });
    }

    async #execute(cmd: CmdSubmit, payload: Uint8Array, signal: AbortSignal): Promise<{ status: number; data?: Uint8Array; outLength?: number }> {
        const face = this.#face;
        const isIn = cmd.direction === UsbIpDirection.in;
        if (cmd.ep === 0) {
            const setup = parseSetup(cmd.setup);
            const result = await face.control(setup, isIn ? undefined : payload);
            if (result.status !== 'ok') return { status: -Errno.EPIPE };
            return isIn ? { status: 0, data: result.data.subarray(0, cmd.transferBufferLength) } : { status: 0, outLength: payload.length };
        }
        if (isIn) {
            const result = await face.transferIn(0x80 | cmd.ep, cmd.transferBufferLength, signal);
            return result.status === 'ok' ? { status: 0, data: result.data } : { status: -Errno.EPIPE };
        }
        const result = await face.transferOut(cmd.ep, payload, signal);
        if (result.status !== 'ok') return { status: -Errno.EPIPE };
        const packet = face.descriptors.configuration.interfaces.flatMap((i) => i.endpoints).find((e) => e.address === cmd.ep)?.maxPacketSize ?? 512;
        if (cmd.transferFlags & UrbFlags.zeroPacket && payload.length > 0 && payload.length % packet === 0) {
            await face.transferOut(cmd.ep, new Uint8Array(0), signal);
        }
        return { status: 0, outLength: payload.length };
    }

    async #unlink(seqnum: number, target: number): Promise<void> {
        const pending = this.#pending.get(target);
        let status = 0;
        if (pending) {
            pending.controller.abort();
            // Completed anyway (the data was already taken): its RET_SUBMIT went first, the unlink reports 0.
            if ((await pending.done) === 'unlinked') status = -Errno.ECONNRESET;
        }
        if (this.#socket.destroyed) return;
        this.#socket.write(encodeUrbHeader({ command: UrbCommand.retUnlink, seqnum, devid: 0, direction: 0, ep: 0, status }));
    }
}
