/**
 * Odin/Loke packets as typed values; each command's layout is one row of COMMANDS, from which both
 * the encoder and the decoder come (see research odin.md §3).
 * Host→device commands are always 1024 bytes (u32 type, u32 request, u32 args…, zero-filled);
 * device→host replies are always 8 bytes (u32 type, u32 value). All little-endian.
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

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

/** A packet that does not fit the layouts below: a format error, worded at the edge (`odin-packet-invalid`). */
export class OdinPacketError extends ReviveError {
    constructor(facts: FactsOf<'odin-packet-invalid'>) {
        super('odin-packet-invalid', facts);
    }
}

/**
 * Every command's layout, the one place it is written down: type and request, then its arguments
 * from offset 8, each a u32 unless marked `:u64` or `:bool` (a u32 that is 0 or 1). Both
 * encodeCommand and decodeCommand come from this table. The AP and modem file ends differ: the
 * modem's has no identifier, so `destination` picks the row.
 */
interface CommandRow {
    readonly kind: OdinCommand['kind'];
    readonly type: number;
    readonly request: number;
    readonly args: readonly string[];
    readonly destination?: number;
    readonly defaults?: Readonly<Record<string, number>>;
}

const COMMANDS: readonly CommandRow[] = [
    { kind: 'begin-session', type: PacketType.session, request: 0, args: ['protocolVersion'] },
    { kind: 'device-type', type: PacketType.session, request: 1, args: [] },
    { kind: 'total-bytes', type: PacketType.session, request: 2, args: ['totalBytes:u64'] },
    { kind: 'file-part-size', type: PacketType.session, request: 5, args: ['partSize'] },
    { kind: 'enable-tflash', type: PacketType.session, request: 8, args: [] },
    { kind: 'pit-flash', type: PacketType.pit, request: 0, args: [] },
    { kind: 'pit-dump', type: PacketType.pit, request: 1, args: [] },
    { kind: 'pit-part', type: PacketType.pit, request: 2, args: ['value'] },
    { kind: 'pit-end', type: PacketType.pit, request: 3, args: ['size'] },
    { kind: 'file-flash', type: PacketType.file, request: 0, args: [] },
    { kind: 'file-sequence', type: PacketType.file, request: 2, args: ['byteCount'] },
    { kind: 'file-end', type: PacketType.file, request: 3, destination: 0, args: ['destination', 'byteCount', 'unknown1', 'deviceType', 'identifier', 'endOfFile:bool'] },
    { kind: 'file-end', type: PacketType.file, request: 3, destination: 1, args: ['destination', 'byteCount', 'unknown1', 'deviceType', 'endOfFile:bool'], defaults: { identifier: 0 } },
    { kind: 'end-session', type: PacketType.endSession, request: 0, args: [] },
    { kind: 'reboot', type: PacketType.endSession, request: 1, args: [] },
];

type CommandFields = Readonly<Record<string, number | bigint | boolean | string>>;

export function encodeCommand(command: OdinCommand): Uint8Array {
    const fields = command as unknown as CommandFields;
    const row = COMMANDS.find((r) => r.kind === command.kind && (r.destination === undefined || r.destination === fields['destination']));
    if (!row) throw new OdinPacketError({ variant: 'no-layout', kind: command.kind });
    const bytes = new Uint8Array(COMMAND_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, row.type, true);
    view.setUint32(4, row.request, true);
    let offset = 8;
    for (const arg of row.args) {
        const [name = '', form] = arg.split(':');
        const value = fields[name];
        if (form === 'u64') {
            view.setBigUint64(offset, BigInt(value as bigint), true);
            offset += 8;
        } else {
            view.setUint32(offset, (form === 'bool' ? (value ? 1 : 0) : Number(value)) >>> 0, true);
            offset += 4;
        }
    }
    return bytes;
}

/** Decode a 1024-byte command (the virtual bootloader's side). Unknown commands throw OdinPacketError. */
export function decodeCommand(bytes: Uint8Array): OdinCommand {
    if (bytes.length !== COMMAND_SIZE) throw new OdinPacketError({ variant: 'command-size', size: COMMAND_SIZE, found: bytes.length });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const type = view.getUint32(0, true);
    const request = view.getUint32(4, true);
    const rows = COMMANDS.filter((r) => r.type === type && r.request === request);
    if (rows.length === 0) throw new OdinPacketError({ variant: 'unknown-command', type: `0x${type.toString(16)}`, request });
    const destination = view.getUint32(8, true);
    const row = rows.find((r) => r.destination === undefined || r.destination === destination);
    if (!row) throw new OdinPacketError({ variant: 'destination', destination });
    const fields: Record<string, number | bigint | boolean | string> = { kind: row.kind, ...row.defaults };
    let offset = 8;
    for (const arg of row.args) {
        const [name = '', form] = arg.split(':');
        if (form === 'u64') {
            fields[name] = view.getBigUint64(offset, true);
            offset += 8;
        } else {
            const value = view.getUint32(offset, true);
            fields[name] = form === 'bool' ? value !== 0 : value;
            offset += 4;
        }
    }
    return fields as unknown as OdinCommand;
}

export function encodeReply(reply: OdinReply): Uint8Array {
    const bytes = new Uint8Array(REPLY_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, reply.type >>> 0, true);
    view.setUint32(4, reply.value >>> 0, true);
    return bytes;
}

export function decodeReply(bytes: Uint8Array): OdinReply {
    if (bytes.length !== REPLY_SIZE) throw new OdinPacketError({ variant: 'reply-size', size: REPLY_SIZE, found: bytes.length });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { type: view.getUint32(0, true), value: view.getUint32(4, true) };
}

/** A bootloader's failure reply: first byte 0xFF and a negative error code (Thor's reading; Heimdall just sees a wrong type). */
export function isFailureReply(reply: OdinReply): boolean {
    return (reply.type & 0xff) === 0xff;
}

/** Why a bootloader refused, named for the words (`errorFacts.odinRefusals`). */
export type OdinRefusal = 'write-protected' | 'erase' | 'write' | 'authentication' | 'too-large' | 'ext4' | 'other';

/** Failure codes bootloaders put in a failure reply's value (Thor): −2 write-protect … −7 ext4. */
export function failureReason(value: number): OdinRefusal {
    switch (value | 0) {
        case -2: return 'write-protected';
        case -3: return 'erase';
        case -4: return 'write';
        case -5: return 'authentication';
        case -6: return 'too-large';
        case -7: return 'ext4';
        default: return 'other';
    }
}
