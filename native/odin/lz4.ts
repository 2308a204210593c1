/**
 * Streaming decoder for the LZ4 frame format (Samsung's `*.img.lz4` firmware members): parses
 * frames and blocks, holds at most one block plus the 64 KiB window of linked blocks in memory.
 * Concatenated and skippable frames are handled; dictionaries (never used by Samsung) are refused.
 * Decoding is strict: a sequence that reads past its block, a match offset before the start of the
 * data, a block that decodes past its size, a block or content checksum that does not match, all
 * refuse the file (lz4js's block decoder silently produces garbage for such input, so blocks are
 * decoded here).
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import { ByteReader } from '../../common/byte-reader.js';
import { Xxh32, xxh32 } from './xxh32.js';

export const LZ4_MAGIC = 0x184d2204;
const WINDOW = 64 * 1024;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

type Lz4Problem = FactsOf<'lz4-invalid'>['variant'];

/** A small format error: what is wrong, as a code and numbers; the locale words it. */
function lz4Error(name: string, variant: Lz4Problem, facts: { produced?: number; value?: number | string; limit?: number } = {}): ReviveError {
    return ReviveError.of('lz4-invalid', { file: name, variant, ...facts });
}

export interface Lz4FrameInfo {
    /** Decompressed size when the frame header carries it. */
    readonly contentSize: number | undefined;
}

/** Read the first frame header of an LZ4 file from its first bytes (≥ 19 bytes), for the decompressed size. */
export function readLz4FrameInfo(head: Uint8Array, name: string): Lz4FrameInfo {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (head.length < 7 || view.getUint32(0, true) !== LZ4_MAGIC) throw lz4Error(name, 'no-frame-magic');
    const flags = head[4]!;
    if (!(flags & 0x08)) return { contentSize: undefined };
    if (head.length < 14) throw lz4Error(name, 'header-short');
    return { contentSize: Number(view.getBigUint64(6, true)) };
}

/** Decompress a stream holding one or more LZ4 frames; yields decompressed blocks in order. */
export async function* decodeLz4(source: AsyncIterable<Uint8Array>, name = 'The LZ4 data'): AsyncGenerator<Uint8Array> {
    const input = new ByteReader(source);
    let frames = 0;
    try {
        for (;;) {
            if (await input.atEnd()) {
                if (frames === 0) throw lz4Error(name, 'empty');
                return;
            }
            const magicBytes = await input.read(4);
            if (!magicBytes) throw lz4Error(name, 'magic-cut');
            const magic = new DataView(magicBytes.buffer, magicBytes.byteOffset, 4).getUint32(0, true);
            if ((magic & 0xfffffff0) === 0x184d2a50) {
                const sizeBytes = await input.read(4);
                if (!sizeBytes || !(await input.read(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 4).getUint32(0, true)))) throw lz4Error(name, 'skippable-cut');
                continue;
            }
            if (magic !== LZ4_MAGIC) throw lz4Error(name, 'bad-frame-magic', { value: `0x${magic.toString(16)}` });
            frames++;
            yield* decodeFrame(input, name);
        }
    } finally {
        await input.close();
    }
}

/** The legacy LZ4 format (`lz4 -l`, Linux's compressed initramfs): this magic, then independent blocks of up to 8 MiB. */
export const LZ4_LEGACY_MAGIC = 0x184c2102;
const LEGACY_BLOCK = 8 * 1024 * 1024;

/**
 * Decompress the legacy LZ4 format: `size, block` pairs until the data ends (as the kernel reads
 * an initramfs, a repeated magic starts a new stream and a zero size ends it). A size larger than
 * the format allows, or a block that does not decode, refuses the data.
 */
export async function* decodeLz4Legacy(source: AsyncIterable<Uint8Array>, name = 'The LZ4 data'): AsyncGenerator<Uint8Array> {
    const input = new ByteReader(source);
    try {
        const magic = await input.read(4);
        if (!magic || readU32(magic) !== LZ4_LEGACY_MAGIC) throw lz4Error(name, 'no-legacy-magic');
        let produced = 0;
        for (;;) {
            if (await input.atEnd()) return;
            const sizeField = await input.read(4);
            if (!sizeField) throw lz4Error(name, 'ends-in-block-header', { produced });
            const length = readU32(sizeField);
            if (length === LZ4_LEGACY_MAGIC) continue;
            if (length === 0) return;
            // A block that does not compress is stored a little larger; more than that is not LZ4.
            if (length > LEGACY_BLOCK + LEGACY_BLOCK / 255 + 16) throw lz4Error(name, 'legacy-block-too-big', { value: length });
            const data = await input.read(length);
            if (!data) throw lz4Error(name, 'ends-in-block', { produced });
            const target = new Uint8Array(LEGACY_BLOCK);
            const end = decodeBlock(data, target, 0, (problem) => lz4Error(name, problem, { produced }));
            produced += end;
            if (end > 0) yield target.slice(0, end);
        }
    } finally {
        await input.close();
    }
}

async function* decodeFrame(input: ByteReader, name: string): AsyncGenerator<Uint8Array> {
    const descriptor = await input.read(2);
    if (!descriptor) throw lz4Error(name, 'header-short');
    const [flags = 0, bd = 0] = descriptor;
    if (flags >> 6 !== 1) throw lz4Error(name, 'frame-version', { value: flags >> 6 });
    if (flags & 0x01) throw lz4Error(name, 'dictionary');
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (!blockMax) throw lz4Error(name, 'block-size-code', { value: (bd >> 4) & 7 });
    const independent = (flags & 0x20) !== 0;
    const blockChecksum = (flags & 0x10) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const sizeBytes = flags & 0x08 ? await input.read(8) : new Uint8Array(0);
    const checkByte = await input.read(1);
    if (!sizeBytes || !checkByte) throw lz4Error(name, 'header-short');
    const header = new Uint8Array(2 + sizeBytes.length);
    header.set(descriptor);
    header.set(sizeBytes, 2);
    if (((xxh32(header) >>> 8) & 0xff) !== checkByte[0]) throw lz4Error(name, 'header-checksum');
    const contentSize = sizeBytes.length ? Number(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 8).getBigUint64(0, true)) : undefined;

    let history = new Uint8Array(0);
    let produced = 0;
    const content = contentChecksum ? new Xxh32() : undefined;
    for (;;) {
        const sizeField = await input.read(4);
        if (!sizeField) throw lz4Error(name, 'ends-in-block-header', { produced });
        const raw = new DataView(sizeField.buffer, sizeField.byteOffset, 4).getUint32(0, true);
        if (raw === 0) break;
        const stored = (raw & 0x80000000) !== 0;
        const length = raw & 0x7fffffff;
        if (length > blockMax) throw lz4Error(name, 'block-too-big', { value: length, limit: blockMax });
        const data = await input.read(length);
        const blockSum = blockChecksum ? await input.read(4) : undefined;
        if (!data || (blockChecksum && !blockSum)) throw lz4Error(name, 'ends-in-block', { produced });
        if (blockSum && readU32(blockSum) !== xxh32(data)) throw lz4Error(name, 'block-checksum', { produced });
        let out: Uint8Array;
        if (stored) {
            out = data.slice();
        } else {
            const target = new Uint8Array(history.length + blockMax);
            target.set(history);
            const end = decodeBlock(data, target, history.length, (problem) => lz4Error(name, problem, { produced }));
            out = target.slice(history.length, end);
        }
        content?.update(out);
        if (!independent) {
            const joined = new Uint8Array(Math.min(WINDOW, history.length + out.length));
            const fromOut = Math.min(out.length, joined.length);
            joined.set(history.subarray(history.length - (joined.length - fromOut)), 0);
            joined.set(out.subarray(out.length - fromOut), joined.length - fromOut);
            history = joined;
        }
        produced += out.length;
        if (contentSize !== undefined && produced > contentSize) throw lz4Error(name, 'content-too-long', { limit: contentSize });
        if (out.length > 0) yield out;
    }
    if (contentSize !== undefined && produced !== contentSize) throw lz4Error(name, 'content-size', { produced, limit: contentSize });
    if (content) {
        const sum = await input.read(4);
        if (!sum) throw lz4Error(name, 'content-checksum-cut');
        if (readU32(sum) !== content.digest()) throw lz4Error(name, 'content-checksum');
    }
}

function readU32(bytes: Uint8Array): number {
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
}

/**
 * One LZ4 block into `target` from `start` (bytes before it are the linked blocks' window); returns
 * where the output ends. Every length and offset is checked against the block and the target.
 */
function decodeBlock(src: Uint8Array, target: Uint8Array, start: number, fail: (problem: Lz4Problem) => ReviveError): number {
    let s = 0;
    let d = start;
    const readLength = (base: number): number => {
        let length = base;
        if (base !== 15) return length;
        for (;;) {
            if (s >= src.length) throw fail('length-past-end');
            const byte = src[s++]!;
            length += byte;
            if (byte !== 255) return length;
        }
    };
    for (;;) {
        if (s >= src.length) throw fail('no-last-literals');
        const token = src[s++]!;
        const literals = readLength(token >> 4);
        if (s + literals > src.length) throw fail('literals-past-end');
        if (d + literals > target.length) throw fail('past-limit');
        target.set(src.subarray(s, s + literals), d);
        s += literals;
        d += literals;
        if (s === src.length) return d;
        if (s + 2 > src.length) throw fail('offset-cut');
        const offset = src[s]! | (src[s + 1]! << 8);
        s += 2;
        if (offset === 0 || offset > d) throw fail('offset-before-start');
        const length = readLength(token & 15) + 4;
        if (d + length > target.length) throw fail('past-limit');
        if (offset >= length) {
            target.copyWithin(d, d - offset, d - offset + length);
        } else {
            // Overlapping match: repeats the last `offset` bytes, byte by byte as the format defines.
            for (let i = 0; i < length; i++) target[d + i] = target[d - offset + i]!;
        }
        d += length;
    }
}
