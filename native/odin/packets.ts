/**
 * Odin/Loke packets as typed values, one encoder and one decoder each (see research odin.md §3).
 * Host→device commands are always 1024 bytes (u32 type, u32 request, u32 args…, zero-filled);
 * device→host replies are always 8 bytes (u32 type, u32 value). All little-endian.
 */

export const COMMAND_SIZE = 1024;
export const REPLY_SIZE = 8;
export const PIT_CHUNK_SIZE = 500;
export const HANDSHAKE_REQUEST = 'ODIN';
export const HANDSHAKE_REPLY = 'LOKE';

export const PacketType = { session: 0x64, pit: 0x65, file: 0x66, endSession: 0x67 } as const;
/** Reply type for a received file part (Heimdall); newer docs and bootloaders use 0x66 (accepted as well). */
export const FILE_PART_REPLY_TYPE = 0x00;

/** File-part geometry a session runs with (Heimdall: 128 KiB × 800 by default, 1 MiB × 30 once negotiated). */
export interface PartGeometry {
    readonly partSize: number;
    readonly partsPerSequence: number;
}
export const DEFAULT_GEOMETRY: PartGeometry = { partSize: 128 * 1024, partsPerSequence: 800 };
export const NEGOTIATED_GEOMETRY: PartGeometry = { partSize: 1024 * 1024, partsPerSequence: 30 };

export type OdinCommand =
    /** Host protocol version @8: Heimdall sends 0, so the bootloader answers with its own version (0x20000 = v2). */
    | { readonly kind: 'begin-session'; readonly protocolVersion: number }
    | { readonly kind: 'device-type' }
    /** u64 @8 (Thor, Odin v4); identical bytes to Heimdall's u32 below 4 GiB. */
    | { readonly kind: 'total-bytes'; readonly totalBytes: bigint }
    | { readonly kind: 'file-part-size'; readonly partSize: number }
    | { readonly kind: 'enable-tflash' }
    | { readonly kind: 'pit-flash' }
    | { readonly kind: 'pit-dump' }
    /** Upload: the padded PIT size; download: the 500-byte chunk index. */
    | { readonly kind: 'pit-part'; readonly value: number }
    | { readonly kind: 'pit-end'; readonly size: number }
    | { readonly kind: 'file-flash' }
    /** Begin a sequence: whole parts' worth of bytes (the last part is zero-padded). */
    | { readonly kind: 'file-sequence'; readonly byteCount: number }
    | {
          readonly kind: 'file-end';
          /** 0 = AP ("phone"), 1 = CP (modem). */
          readonly destination: 0 | 1;
          /** Effective (unpadded) bytes in this sequence. */
          readonly byteCount: number;
          readonly unknown1: number;
          readonly deviceType: number;
          /** PIT identifier (AP only; the modem layout has no identifier field). */
          readonly identifier: number;
          readonly endOfFile: boolean;
      }
    | { readonly kind: 'end-session' }
    | { readonly kind: 'reboot' };

export interface OdinReply {
    readonly type: number;
    readonly value: number;
}

export class OdinPacketError extends Error {
    override readonly name = 'OdinPacketError';
}

export function encodeCommand(command: OdinCommand): Uint8Array {
    const bytes = new Uint8Array(COMMAND_SIZE);
    const view = new DataView(bytes.buffer);
    const head = (type: number, request: number, ...args: number[]): Uint8Array => {
        view.setUint32(0, type, true);
        view.setUint32(4, request, true);
        args.forEach((arg, i) => view.setUint32(8 + i * 4, arg >>> 0, true));
        return bytes;
    };
    switch (command.kind) {
        case 'begin-session': return head(PacketType.session, 0, command.protocolVersion);
        case 'device-type': return head(PacketType.session, 1);
        case 'total-bytes':
            head(PacketType.session, 2);
            view.setBigUint64(8, command.totalBytes, true);
            return bytes;
        case 'file-part-size': return head(PacketType.session, 5, command.partSize);
        case 'enable-tflash': return head(PacketType.session, 8);
        case 'pit-flash': return head(PacketType.pit, 0);
        case 'pit-dump': return head(PacketType.pit, 1);
        case 'pit-part': return head(PacketType.pit, 2, command.value);
        case 'pit-end': return head(PacketType.pit, 3, command.size);
        case 'file-flash': return head(PacketType.file, 0);
        case 'file-sequence': return head(PacketType.file, 2, command.byteCount);
        case 'file-end':
            return command.destination === 0
                ? head(PacketType.file, 3, 0, command.byteCount, command.unknown1, command.deviceType, command.identifier, command.endOfFile ? 1 : 0)
                : head(PacketType.file, 3, 1, command.byteCount, command.unknown1, command.deviceType, command.endOfFile ? 1 : 0);
        case 'end-session': return head(PacketType.endSession, 0);
        case 'reboot': return head(PacketType.endSession, 1);
    }
}

/** Decode a 1024-byte command (the virtual bootloader's side). Unknown commands throw OdinPacketError. */
export function decodeCommand(bytes: Uint8Array): OdinCommand {
    if (bytes.length !== COMMAND_SIZE) throw new OdinPacketError(`A command must be ${COMMAND_SIZE} bytes, got ${bytes.length}.`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const u32 = (offset: number): number => view.getUint32(offset, true);
    const type = u32(0);
    const request = u32(4);
    const key = `${type}/${request}`;
    switch (key) {
        case `${PacketType.session}/0`: return { kind: 'begin-session', protocolVersion: u32(8) };
        case `${PacketType.session}/1`: return { kind: 'device-type' };
        case `${PacketType.session}/2`: return { kind: 'total-bytes', totalBytes: view.getBigUint64(8, true) };
        case `${PacketType.session}/5`: return { kind: 'file-part-size', partSize: u32(8) };
        case `${PacketType.session}/8`: return { kind: 'enable-tflash' };
        case `${PacketType.pit}/0`: return { kind: 'pit-flash' };
        case `${PacketType.pit}/1`: return { kind: 'pit-dump' };
        case `${PacketType.pit}/2`: return { kind: 'pit-part', value: u32(8) };
        case `${PacketType.pit}/3`: return { kind: 'pit-end', size: u32(8) };
        case `${PacketType.file}/0`: return { kind: 'file-flash' };
        case `${PacketType.file}/2`: return { kind: 'file-sequence', byteCount: u32(8) };
        case `${PacketType.file}/3`: {
            const destination = u32(8);
            if (destination === 0) return { kind: 'file-end', destination: 0, byteCount: u32(12), unknown1: u32(16), deviceType: u32(20), identifier: u32(24), endOfFile: u32(28) !== 0 };
            if (destination === 1) return { kind: 'file-end', destination: 1, byteCount: u32(12), unknown1: u32(16), deviceType: u32(20), identifier: 0, endOfFile: u32(24) !== 0 };
            throw new OdinPacketError(`Unknown file destination ${destination}.`);
        }
        case `${PacketType.endSession}/0`: return { kind: 'end-session' };
        case `${PacketType.endSession}/1`: return { kind: 'reboot' };
        default: throw new OdinPacketError(`Unknown command type 0x${type.toString(16)} request ${request}.`);
    }
}

export function encodeReply(reply: OdinReply): Uint8Array {
    const bytes = new Uint8Array(REPLY_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, reply.type >>> 0, true);
    view.setUint32(4, reply.value >>> 0, true);
    return bytes;
}

export function decodeReply(bytes: Uint8Array): OdinReply {
    if (bytes.length !== REPLY_SIZE) throw new OdinPacketError(`A reply must be ${REPLY_SIZE} bytes, got ${bytes.length}.`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { type: view.getUint32(0, true), value: view.getUint32(4, true) };
}

/** A bootloader's failure reply: first byte 0xFF and a negative error code (Thor's reading; Heimdall just sees a wrong type). */
export function isFailureReply(reply: OdinReply): boolean {
    return (reply.type & 0xff) === 0xff;
}

/** Failure codes bootloaders put in a failure reply's value (Thor): −2 write-protect … −7 ext4. */
export function failureReason(value: number): string {
    switch (value | 0) {
        case -2: return 'the partition is write-protected';
        case -3: return 'erasing failed';
        case -4: return 'writing failed';
        case -5: return 'the bootloader refused the image (authentication)';
        case -6: return 'the image is larger than the partition';
        case -7: return 'the ext4 image was rejected';
        default: return `the bootloader reported error ${value | 0}`;
    }
}
