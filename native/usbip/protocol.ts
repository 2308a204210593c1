/**
 * The Linux USB/IP wire protocol, version 1.1.1 (Documentation/usb/usbip_protocol.rst). Every packet
 * is a typed value with one encoder and one decoder; all integers are big-endian.
 */

export const USBIP_VERSION = 0x0111;
export const USBIP_PORT = 3240;

export const OpCode = {
    reqDevlist: 0x8005,
    repDevlist: 0x0005,
    reqImport: 0x8003,
    repImport: 0x0003,
} as const;

export const UrbCommand = {
    cmdSubmit: 1,
    cmdUnlink: 2,
    retSubmit: 3,
    retUnlink: 4,
} as const;

export const UsbIpDirection = { out: 0, in: 1 } as const;

/** transfer_flags bits the server honours. */
export const UrbFlags = {
    shortNotOk: 0x0001,
    zeroPacket: 0x0040,
    dirIn: 0x0200,
} as const;

/** Linux errno values carried in URB status (negated). */
export const Errno = {
    EPIPE: 32,
    ENODEV: 19,
    ECONNRESET: 104,
    ESHUTDOWN: 108,
    ETIMEDOUT: 110,
} as const;

export const USB_SPEED_HIGH = 3;

export const OP_HEADER_SIZE = 8;
export const DEVICE_INFO_SIZE = 312;
export const URB_HEADER_SIZE = 48;

export interface OpHeader {
    readonly version: number;
    readonly code: number;
    readonly status: number;
}

export interface ExportedInterface {
    readonly interfaceClass: number;
    readonly interfaceSubclass: number;
    readonly interfaceProtocol: number;
}

/** `struct usbip_usb_device`: what DEVLIST and IMPORT say about a device. */
export interface ExportedDevice {
    readonly path: string;
    readonly busid: string;
    readonly busnum: number;
    readonly devnum: number;
    readonly speed: number;
    readonly vendorId: number;
    readonly productId: number;
    readonly bcdDevice: number;
    readonly deviceClass: number;
    readonly deviceSubclass: number;
    readonly deviceProtocol: number;
    readonly configurationValue: number;
    readonly numConfigurations: number;
    readonly numInterfaces: number;
}

function writeString(buf: Buffer, offset: number, size: number, text: string): void {
    buf.fill(0, offset, offset + size);
    buf.write(text.slice(0, size - 1), offset, 'ascii');
}

function readString(buf: Buffer, offset: number, size: number): string {
    const raw = buf.subarray(offset, offset + size);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? size : end).toString('ascii');
}

export function encodeOpHeader(h: OpHeader): Buffer {
    const buf = Buffer.alloc(OP_HEADER_SIZE);
    buf.writeUInt16BE(h.version, 0);
    buf.writeUInt16BE(h.code, 2);
    buf.writeUInt32BE(h.status >>> 0, 4);
    return buf;
}

export function decodeOpHeader(buf: Buffer): OpHeader {
    return { version: buf.readUInt16BE(0), code: buf.readUInt16BE(2), status: buf.readUInt32BE(4) };
}

export function encodeDeviceInfo(d: ExportedDevice): Buffer {
    const buf = Buffer.alloc(DEVICE_INFO_SIZE);
    writeString(buf, 0, 256, d.path);
    writeString(buf, 256, 32, d.busid);
    buf.writeUInt32BE(d.busnum, 288);
    buf.writeUInt32BE(d.devnum, 292);
    buf.writeUInt32BE(d.speed, 296);
    buf.writeUInt16BE(d.vendorId, 300);
    buf.writeUInt16BE(d.productId, 302);
    buf.writeUInt16BE(d.bcdDevice, 304);
    buf[306] = d.deviceClass;
    buf[307] = d.deviceSubclass;
    buf[308] = d.deviceProtocol;
    buf[309] = d.configurationValue;
    buf[310] = d.numConfigurations;
    buf[311] = d.numInterfaces;
    return buf;
}

export function decodeDeviceInfo(buf: Buffer): ExportedDevice {
    return {
        path: readString(buf, 0, 256),
        busid: readString(buf, 256, 32),
        busnum: buf.readUInt32BE(288),
        devnum: buf.readUInt32BE(292),
        speed: buf.readUInt32BE(296),
        vendorId: buf.readUInt16BE(300),
        productId: buf.readUInt16BE(302),
        bcdDevice: buf.readUInt16BE(304),
        deviceClass: buf[306] ?? 0,
        deviceSubclass: buf[307] ?? 0,
        deviceProtocol: buf[308] ?? 0,
        configurationValue: buf[309] ?? 0,
        numConfigurations: buf[310] ?? 0,
        numInterfaces: buf[311] ?? 0,
    };
}

export function encodeReqDevlist(): Buffer {
    return encodeOpHeader({ version: USBIP_VERSION, code: OpCode.reqDevlist, status: 0 });
}

export interface DevlistEntry {
    readonly device: ExportedDevice;
    readonly interfaces: readonly ExportedInterface[];
}

export function encodeRepDevlist(entries: readonly DevlistEntry[]): Buffer {
    const parts: Buffer[] = [encodeOpHeader({ version: USBIP_VERSION, code: OpCode.repDevlist, status: 0 })];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(entries.length, 0);
    parts.push(count);
    for (const entry of entries) {
        parts.push(encodeDeviceInfo(entry.device));
        for (const iface of entry.interfaces) parts.push(Buffer.from([iface.interfaceClass, iface.interfaceSubclass, iface.interfaceProtocol, 0]));
    }
    return Buffer.concat(parts);
}

export function encodeReqImport(busid: string): Buffer {
    const buf = Buffer.alloc(OP_HEADER_SIZE + 32);
    encodeOpHeader({ version: USBIP_VERSION, code: OpCode.reqImport, status: 0 }).copy(buf, 0);
    writeString(buf, OP_HEADER_SIZE, 32, busid);
    return buf;
}

export function decodeReqImportBusid(body: Buffer): string {
    return readString(body, 0, 32);
}

/** The op reply's status, as usbip_common.h names them (ST_OK … ST_ERROR). */
export const OpStatus = { ok: 0, notAvailable: 1, deviceBusy: 2, deviceError: 3, noDevice: 4, error: 5 } as const;

export function encodeRepImport(device: ExportedDevice | undefined, refusal: number = OpStatus.notAvailable): Buffer {
    const header = encodeOpHeader({ version: USBIP_VERSION, code: OpCode.repImport, status: device ? OpStatus.ok : refusal });
    return device ? Buffer.concat([header, encodeDeviceInfo(device)]) : header;
}

/** The 20-byte `usbip_header_basic`. */
export interface UrbBasic {
    readonly command: number;
    readonly seqnum: number;
    readonly devid: number;
    readonly direction: number;
    readonly ep: number;
}

export interface CmdSubmit extends UrbBasic {
    readonly command: typeof UrbCommand.cmdSubmit;
    readonly transferFlags: number;
    readonly transferBufferLength: number;
    readonly startFrame: number;
    readonly numberOfPackets: number;
    readonly interval: number;
    readonly setup: Uint8Array;
}

export interface RetSubmit extends UrbBasic {
    readonly command: typeof UrbCommand.retSubmit;
    readonly status: number;
    readonly actualLength: number;
    readonly startFrame: number;
    readonly numberOfPackets: number;
    readonly errorCount: number;
}

export interface CmdUnlink extends UrbBasic {
    readonly command: typeof UrbCommand.cmdUnlink;
    readonly unlinkSeqnum: number;
}

export interface RetUnlink extends UrbBasic {
    readonly command: typeof UrbCommand.retUnlink;
    readonly status: number;
}

export type UrbHeader = CmdSubmit | RetSubmit | CmdUnlink | RetUnlink;

function writeBasic(buf: Buffer, b: UrbBasic): void {
    buf.writeUInt32BE(b.command, 0);
    buf.writeUInt32BE(b.seqnum >>> 0, 4);
    buf.writeUInt32BE(b.devid >>> 0, 8);
    buf.writeUInt32BE(b.direction, 12);
    buf.writeUInt32BE(b.ep, 16);
}

/** Encode a 48-byte URB header (the caller appends OUT data / IN data). */
export function encodeUrbHeader(h: UrbHeader): Buffer {
    const buf = Buffer.alloc(URB_HEADER_SIZE);
    writeBasic(buf, h);
    switch (h.command) {
        case UrbCommand.cmdSubmit:
            buf.writeUInt32BE(h.transferFlags >>> 0, 20);
            buf.writeInt32BE(h.transferBufferLength, 24);
            buf.writeInt32BE(h.startFrame, 28);
            buf.writeInt32BE(h.numberOfPackets, 32);
            buf.writeInt32BE(h.interval, 36);
            Buffer.from(h.setup.buffer, h.setup.byteOffset, Math.min(8, h.setup.byteLength)).copy(buf, 40);
            break;
        case UrbCommand.retSubmit:
            buf.writeInt32BE(h.status, 20);
            buf.writeInt32BE(h.actualLength, 24);
            buf.writeInt32BE(h.startFrame, 28);
            buf.writeInt32BE(h.numberOfPackets, 32);
            buf.writeInt32BE(h.errorCount, 36);
            break;
        case UrbCommand.cmdUnlink:
            buf.writeUInt32BE(h.unlinkSeqnum >>> 0, 20);
            break;
        case UrbCommand.retUnlink:
            buf.writeInt32BE(h.status, 20);
            break;
    }
    return buf;
}

export function decodeUrbHeader(buf: Buffer): UrbHeader {
    const basic = {
        seqnum: buf.readUInt32BE(4),
        devid: buf.readUInt32BE(8),
        direction: buf.readUInt32BE(12),
        ep: buf.readUInt32BE(16),
    };
    const command = buf.readUInt32BE(0);
    switch (command) {
        case UrbCommand.cmdSubmit:
            return {
                ...basic,
                command,
                transferFlags: buf.readUInt32BE(20),
                transferBufferLength: buf.readInt32BE(24),
                startFrame: buf.readInt32BE(28),
                numberOfPackets: buf.readInt32BE(32),
                interval: buf.readInt32BE(36),
                setup: new Uint8Array(buf.subarray(40, 48)),
            };
        case UrbCommand.retSubmit:
            return {
                ...basic,
                command,
                status: buf.readInt32BE(20),
                actualLength: buf.readInt32BE(24),
                startFrame: buf.readInt32BE(28),
                numberOfPackets: buf.readInt32BE(32),
                errorCount: buf.readInt32BE(36),
            };
        case UrbCommand.cmdUnlink:
            return { ...basic, command, unlinkSeqnum: buf.readUInt32BE(20) };
        case UrbCommand.retUnlink:
            return { ...basic, command, status: buf.readInt32BE(20) };
        default:
            throw new Error(`Unknown USB/IP command ${command}.`);
    }
}
