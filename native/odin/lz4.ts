/**
 * Streaming decoder for the LZ4 frame format (Samsung's `*.img.lz4` firmware members): parses
 * frames and blocks here, decodes each block with lz4js, holds at most one block plus the 64 KiB
 * window of linked blocks in memory. Concatenated and skippable frames are handled; dictionaries
 * (never used by Samsung) are refused. The archive's MD5 covers the bytes, so block and content
 * xxHash checksums are skipped over, not recomputed.
 */
import { decompressBlock } from 'lz4js';
import { hash as xxh32 } from 'lz4js/xxh32.js';
import { ReviveError } from '../jobs/errors.js';
import { ByteReader } from './byte-reader.js';

export const LZ4_MAGIC = 0x184d2204;
const WINDOW = 64 * 1024;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

function lz4Error(name: string, problem: string): ReviveError {
    return new ReviveError({
        code: 'lz4-invalid',
        message: `${name} is not a valid LZ4 file: ${problem}.`,
        nextStep: 'The firmware file is damaged: download it again.',
    });
}

export interface Lz4FrameInfo {
    /** Decompressed size when the frame header carries it. */
    readonly contentSize: number | undefined;
}

/** Read the first frame header of an LZ4 file from its first bytes (≥ 19 bytes), for the decompressed size. */
export function readLz4FrameInfo(head: Uint8Array, name: string): Lz4FrameInfo {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (head.length < 7 || view.getUint32(0, true) !== LZ4_MAGIC) throw lz4Error(name, 'it does not start with the LZ4 frame signature');
    const flags = head[4]!;
    if (!(flags & 0x08)) return { contentSize: undefined };
    if (head.length < 14) throw lz4Error(name, 'the frame header is cut short');
    return { contentSize: Number(view.getBigUint64(6, true)) };
}

/** Decompress a stream holding one or more LZ4 frames; yields decompressed blocks in order. */
export async function* decodeLz4(source: AsyncIterable<Uint8Array>, name = 'The LZ4 data'): AsyncGenerator<Uint8Array> {
    const input = new ByteReader(source);
    let frames = 0;
    try {
        for (;;) {
            if (await input.atEnd()) {
                if (frames === 0) throw lz4Error(name, 'it is empty');
                return;
            }
            const magicBytes = await input.read(4);
            if (!magicBytes) throw lz4Error(name, 'it ends inside a frame signature');
            const magic = new DataView(magicBytes.buffer, magicBytes.byteOffset, 4).getUint32(0, true);
            if ((magic & 0xfffffff0) === 0x184d2a50) {
                const sizeBytes = await input.read(4);
                if (!sizeBytes || !(await input.read(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 4).getUint32(0, true)))) throw lz4Error(name, 'a skippable frame is cut short');
                continue;
            }
            if (magic !== LZ4_MAGIC) throw lz4Error(name, `a frame starts with 0x${magic.toString(16)} instead of the LZ4 signature`);
            frames++;
            yield* decodeFrame(input, name);
        }
    } finally {
        await input.close();
    }
}

async function* decodeFrame(input: ByteReader, name: string): AsyncGenerator<Uint8Array> {
    const descriptor = await input.read(2);
    if (!descriptor) throw lz4Error(name, 'the frame header is cut short');
    const [flags = 0, bd = 0] = descriptor;
    if (flags >> 6 !== 1) throw lz4Error(name, `frame version ${flags >> 6} is not supported`);
    if (flags & 0x01) throw lz4Error(name, 'frames with a preset dictionary are not supported');
    const blockMax = BLOCK_MAX[(bd >> 4) & 7];
    if (!blockMax) throw lz4Error(name, `block size code ${(bd >> 4) & 7} is invalid`);
    const independent = (flags & 0x20) !== 0;
    const blockChecksum = (flags & 0x10) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const sizeBytes = flags & 0x08 ? await input.read(8) : new Uint8Array(0);
    const checkByte = await input.read(1);
    if (!sizeBytes || !checkByte) throw lz4Error(name, 'the frame header is cut short');
    const header = new Uint8Array(2 + sizeBytes.length);
    header.set(descriptor);
    header.set(sizeBytes, 2);
    if (((xxh32(0, header, 0, header.length) >> 8) & 0xff) !== checkByte[0]) throw lz4Error(name, 'the frame header checksum does not match');
    const contentSize = sizeBytes.length ? Number(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 8).getBigUint64(0, true)) : undefined;

    let history = new Uint8Array(0);
    let produced = 0;
    for (;;) {
        const sizeField = await input.read(4);
        if (!sizeField) throw lz4Error(name, `it ends after ${produced} decompressed bytes, inside a block header`);
        const raw = new DataView(sizeField.buffer, sizeField.byteOffset, 4).getUint32(0, true);
        if (raw === 0) break;
        const stored = (raw & 0x80000000) !== 0;
        const length = raw & 0x7fffffff;
        if (length > blockMax) throw lz4Error(name, `a block of ${length} bytes exceeds the frame's ${blockMax}-byte limit`);
        const data = await input.read(length);
        if (!data || (blockChecksum && !(await input.read(4)))) throw lz4Error(name, `it ends after ${produced} decompressed bytes, inside a block`);
        let out: Uint8Array;
        if (stored) {
            out = data.slice();
        } else {
            const target = new Uint8Array(history.length + blockMax);
            target.set(history);
            const end = decompressBlock(data, target, 0, length, history.length);
            if (end > target.length || end < history.length) throw lz4Error(name, 'a block decodes past its size limit');
            out = target.slice(history.length, end);
        }
        if (!independent) {
            const joined = new Uint8Array(Math.min(WINDOW, history.length + out.length));
            const fromOut = Math.min(out.length, joined.length);
            joined.set(history.subarray(history.length - (joined.length - fromOut)), 0);
            joined.set(out.subarray(out.length - fromOut), joined.length - fromOut);
            history = joined;
        }
        produced += out.length;
        if (contentSize !== undefined && produced > contentSize) throw lz4Error(name, `it decompresses to more than the ${contentSize} bytes its header announces`);
        if (out.length > 0) yield out;
    }
    if (contentChecksum && !(await input.read(4))) throw lz4Error(name, 'the content checksum is cut short');
    if (contentSize !== undefined && produced !== contentSize) throw lz4Error(name, `it decompresses to ${produced} bytes, not the ${contentSize} its header announces`);
}
