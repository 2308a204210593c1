/**
 * Samsung PIT (partition information table): parse and serialise, byte-exact.
 * Pure code (no node:*) so the renderer's demo and the virtual phone can share it.
 * Layout: 28-byte header, `entryCount` 132-byte entries, then a trailer (signature blocks,
 * padding) that bootloaders check and libpit ignores: we keep it so a re-serialised PIT is the
 * same file.
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

export const PIT_MAGIC = 0x12349876;
export const PIT_HEADER_SIZE = 28;
export const PIT_ENTRY_SIZE = 132;
/** Real PITs are 2–16 KiB; anything past this is not a PIT (and parsing it would only waste memory). */
export const PIT_MAX_FILE_SIZE = 1024 * 1024;
/** Real phones have < 128 partitions; Heimdall reads at most a few hundred. */
export const PIT_MAX_ENTRIES = 1024;
const NAME_FIELD = 32;

export const PitBinaryType = { ap: 0, cp: 1 } as const;
export const PitDeviceType = { oneNand: 0, file: 1, mmc: 2, all: 3, ufs: 8 } as const;

export interface PitHeader {
    /** u32 @8, ASCII "COM_" on most phones. */
    readonly unknown1: number;
    /** u32 @12, ASCII "TAR2" on most phones. */
    readonly unknown2: number;
    /** u16 @16..26: project name (8 bytes) and two small numbers. */
    readonly unknown3: number;
    readonly unknown4: number;
    readonly unknown5: number;
    readonly unknown6: number;
    readonly unknown7: number;
    readonly unknown8: number;
}

export interface PitEntry {
    readonly binaryType: number;
    readonly deviceType: number;
    readonly identifier: number;
    readonly attributes: number;
    readonly updateAttributes: number;
    /** Block size, or start block on newer PITs (512-byte sectors). */
    readonly blockSizeOrOffset: number;
    readonly blockCount: number;
    readonly fileOffset: number;
    readonly fileSize: number;
    readonly partitionName: string;
    readonly flashFilename: string;
    readonly fotaFilename: string;
}

export interface Pit {
    readonly header: PitHeader;
    readonly entries: readonly PitEntry[];
    /** Bytes after the last entry, exactly as found (signature blocks, padding). */
    readonly trailer: Uint8Array;
}

/** A small format error: what is wrong with the PIT, as a code and numbers; the locale words it. */
function pitError(variant: FactsOf<'pit-invalid'>['variant'], source: string, facts: { size?: number; limit?: number; count?: number; value?: string } = {}): ReviveError {
    return ReviveError.of('pit-invalid', { file: source, variant, ...facts });
}

/** A C string of at most 32 bytes; bytes are kept 1:1 (latin1) so nothing is lost or invented. */
function readName(bytes: Uint8Array, offset: number): string {
    let text = '';
    for (let i = 0; i < NAME_FIELD; i++) {
        const byte = bytes[offset + i] ?? 0;
        if (byte === 0) break;
        text += String.fromCharCode(byte);
    }
    return text;
}

function writeName(target: Uint8Array, offset: number, text: string, field: string): void {
    if (text.length > NAME_FIELD) throw ReviveError.of('pit-name-invalid', { variant: 'too-long', field, name: text, limit: NAME_FIELD });
    for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0xff || code === 0) throw ReviveError.of('pit-name-invalid', { variant: 'bad-character', field, name: text, limit: NAME_FIELD });
        target[offset + i] = code;
    }
}

/**
 * The three raw 32-byte name fields of parsed entries: real PITs carry bytes after the NUL
 * (left-overs of Samsung's tools) that must survive a round trip. Used only while the entry's names
 * still read the same from them.
 */
const rawNameFields = new WeakMap<PitEntry, Uint8Array>();

/** Parse a PIT; `source` names the file in errors. Throws ReviveError('pit-invalid'), never returns a partial table. */
export function parsePit(bytes: Uint8Array, source = 'The PIT'): Pit {
    if (bytes.length > PIT_MAX_FILE_SIZE) throw pitError('too-large', source, { size: bytes.length, limit: PIT_MAX_FILE_SIZE });
    if (bytes.length < PIT_HEADER_SIZE) throw pitError('too-short', source, { size: bytes.length, limit: PIT_HEADER_SIZE });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const magic = view.getUint32(0, true);
    if (magic !== PIT_MAGIC) throw pitError('bad-magic', source, { value: `0x${magic.toString(16).padStart(8, '0')}` });
    const count = view.getUint32(4, true);
    if (count > PIT_MAX_ENTRIES) throw pitError('too-many', source, { count, limit: PIT_MAX_ENTRIES });
    const end = PIT_HEADER_SIZE + count * PIT_ENTRY_SIZE;
    if (end > bytes.length) throw pitError('truncated', source, { count, limit: end, size: bytes.length });
    const header: PitHeader = {
        unknown1: view.getUint32(8, true),
        unknown2: view.getUint32(12, true),
        unknown3: view.getUint16(16, true),
        unknown4: view.getUint16(18, true),
        unknown5: view.getUint16(20, true),
        unknown6: view.getUint16(22, true),
        unknown7: view.getUint16(24, true),
        unknown8: view.getUint16(26, true),
    };
    const entries: PitEntry[] = [];
    for (let i = 0; i < count; i++) {
        const at = PIT_HEADER_SIZE + i * PIT_ENTRY_SIZE;
        const u32 = (offset: number): number => view.getUint32(at + offset, true);
        const entry: PitEntry = {
            binaryType: u32(0),
            deviceType: u32(4),
            identifier: u32(8),
            attributes: u32(12),
            updateAttributes: u32(16),
            blockSizeOrOffset: u32(20),
            blockCount: u32(24),
            fileOffset: u32(28),
            fileSize: u32(32),
            partitionName: readName(bytes, at + 36),
            flashFilename: readName(bytes, at + 68),
            fotaFilename: readName(bytes, at + 100),
        };
        rawNameFields.set(entry, bytes.slice(at + 36, at + 132));
        entries.push(entry);
    }
    return { header, entries, trailer: bytes.slice(end) };
}

/** Byte length of the header and entries (without trailer). */
export function pitDataSize(pit: Pit): number {
    return PIT_HEADER_SIZE + pit.entries.length * PIT_ENTRY_SIZE;
}

/** Serialise header + entries + the kept trailer. A parsed PIT comes back byte-identical. */
export function serializePit(pit: Pit): Uint8Array {
    const dataSize = pitDataSize(pit);
    const out = new Uint8Array(dataSize + pit.trailer.length);
    const view = new DataView(out.buffer);
    const h = pit.header;
    view.setUint32(0, PIT_MAGIC, true);
    view.setUint32(4, pit.entries.length, true);
    view.setUint32(8, h.unknown1 >>> 0, true);
    view.setUint32(12, h.unknown2 >>> 0, true);
    [h.unknown3, h.unknown4, h.unknown5, h.unknown6, h.unknown7, h.unknown8].forEach((value, i) => view.setUint16(16 + i * 2, value & 0xffff, true));
    pit.entries.forEach((entry, i) => {
        const at = PIT_HEADER_SIZE + i * PIT_ENTRY_SIZE;
        const numbers = [entry.binaryType, entry.deviceType, entry.identifier, entry.attributes, entry.updateAttributes, entry.blockSizeOrOffset, entry.blockCount, entry.fileOffset, entry.fileSize];
        numbers.forEach((value, k) => view.setUint32(at + k * 4, value >>> 0, true));
        const raw = rawNameFields.get(entry);
        if (raw && readName(raw, 0) === entry.partitionName && readName(raw, 32) === entry.flashFilename && readName(raw, 64) === entry.fotaFilename) {
            out.set(raw, at + 36);
            return;
        }
        writeName(out, at + 36, entry.partitionName, 'partition name');
        writeName(out, at + 68, entry.flashFilename, 'flash file name');
        writeName(out, at + 100, entry.fotaFilename, 'FOTA file name');
    });
    out.set(pit.trailer, dataSize);
    return out;
}

/** Entry by partition name (exact, like Heimdall's `--NAME`); empty names are never matched. */
export function findPartition(pit: Pit, name: string): PitEntry | undefined {
    if (name === '') return undefined;
    return pit.entries.find((entry) => entry.partitionName === name);
}

/** Entry whose flash file name is `fileName` (case-insensitive, `.lz4` ignored: `boot.img.lz4` → BOOT). */
export function findByFlashFilename(pit: Pit, fileName: string): PitEntry | undefined {
    const wanted = fileName.toLowerCase().replace(/\.lz4$/, '');
    if (wanted === '') return undefined;
    return pit.entries.find((entry) => entry.partitionName !== '' && entry.flashFilename.toLowerCase() === wanted);
}

/** Size of a partition in bytes from its PIT entry: block count × sector size (4 KiB on UFS, 512 B on eMMC and older). */
export function partitionSizeBytes(entry: PitEntry): number {
    return entry.blockCount * (entry.deviceType === PitDeviceType.ufs ? 4096 : 512);
}
