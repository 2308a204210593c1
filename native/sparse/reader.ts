/**
 * Expanding a sparse image as it streams in: extents of data, fill and skip at their offsets in
 * the expanded image, never more than one incoming buffer held at a time.
 */
import { crc32 } from './crc32.js';
import { ByteReader } from '../../common/byte-reader.js';
import { CHUNK_HEADER_SIZE, ChunkType, decodeChunkHeader, decodeSparseHeader, FILE_HEADER_SIZE, sparseError, type SparseHeader } from './format.js';

export type SparseEvent =
    | { readonly kind: 'header'; readonly header: SparseHeader }
    | { readonly kind: 'data'; readonly offset: number; readonly bytes: Uint8Array }
    | { readonly kind: 'fill'; readonly offset: number; readonly length: number; readonly pattern: Uint8Array }
    | { readonly kind: 'skip'; readonly offset: number; readonly length: number };

export interface ReadSparseOptions {
    /** Check a CRC32 chunk against the data that came before it. */
    readonly verifyCrc?: boolean;
    /** Named in error messages. */
    readonly source?: string;
    /** Refuse bytes after the last chunk (a chunk count that disagrees with the file). */
    readonly requireEnd?: boolean;
}

const ZERO_BLOCK = new Uint8Array(64 * 1024);

function crcOfRepeated(block: Uint8Array, length: number, crc: number): number {
    let left = length;
    while (left > 0) {
        const n = Math.min(block.length, left);
        crc = crc32(block.subarray(0, n), crc);
        left -= n;
    }
    return crc;
}

/** Read a sparse image from a stream: first a `header` event, then extents in image order. */
export async function* readSparse(stream: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ReadSparseOptions = {}): AsyncGenerator<SparseEvent> {
    const source = options.source;
    const reader = new ByteReader(stream);
    const headBytes = await reader.read(FILE_HEADER_SIZE);
    if (!headBytes) throw sparseError('shorter-than-header', source);
    const header = decodeSparseHeader(headBytes, source);
    if (!(await reader.skip(header.fileHeaderSize - FILE_HEADER_SIZE))) throw sparseError('ends-in-header', source);
    yield { kind: 'header', header };
    const blockSize = header.blockSize;
    let offset = 0;
    let crc = 0;
    for (let index = 0; index < header.totalChunks; index++) {
        const where = { chunk: index + 1, chunks: header.totalChunks };
        const chunkBytes = await reader.read(CHUNK_HEADER_SIZE);
        if (!chunkBytes) throw sparseError('ends-before-chunk', source, where);
        const chunk = decodeChunkHeader(chunkBytes, source);
        if (!(await reader.skip(header.chunkHeaderSize - CHUNK_HEADER_SIZE))) throw sparseError('ends-in-chunk', source, where);
        const payload = chunk.totalBytes - header.chunkHeaderSize;
        const length = chunk.blocks * blockSize;
        if (chunk.type !== ChunkType.crc32 && offset + length > header.totalBlocks * blockSize) {
            throw sparseError('chunk-past-blocks', source, { ...where, expected: header.totalBlocks });
        }
        switch (chunk.type) {
            case ChunkType.raw: {
                if (payload !== length) throw sparseError('raw-payload', source, { ...where, found: payload, expected: length });
                let left = length;
                while (left > 0) {
                    const bytes = await reader.upTo(left);
                    if (!bytes) throw sparseError('ends-in-chunk', source, where);
                    if (options.verifyCrc) crc = crc32(bytes, crc);
                    yield { kind: 'data', offset: offset + length - left, bytes };
                    left -= bytes.length;
                }
                break;
            }
            case ChunkType.fill: {
                if (payload !== 4) throw sparseError('fill-payload', source, { ...where, found: payload, expected: 4 });
                const pattern = await reader.read(4);
                if (!pattern) throw sparseError('ends-in-chunk', source, where);
                const copy = Uint8Array.from(pattern);
                if (options.verifyCrc && length > 0) {
                    const block = new Uint8Array(Math.min(length, 64 * 1024));
                    for (let i = 0; i < block.length; i += 4) block.set(copy, i);
                    crc = crcOfRepeated(block, length, crc);
                }
                yield { kind: 'fill', offset, length, pattern: copy };
                break;
            }
            case ChunkType.dontCare:
                if (payload !== 0) throw sparseError('dont-care-payload', source, { ...where, found: payload });
                if (options.verifyCrc) crc = crcOfRepeated(ZERO_BLOCK, length, crc);
                yield { kind: 'skip', offset, length };
                break;
            case ChunkType.crc32: {
                if (payload !== 4) throw sparseError('crc-payload', source, { ...where, found: payload, expected: 4 });
                const value = await reader.read(4);
                if (!value) throw sparseError('ends-in-chunk', source, where);
                const expected = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
                if (options.verifyCrc && expected !== crc >>> 0) {
                    throw sparseError('crc-mismatch', source, { ...where, expected: `0x${expected.toString(16)}`, found: `0x${(crc >>> 0).toString(16)}` });
                }
                break;
            }
        }
        offset += length;
    }
    if (offset !== header.totalBlocks * blockSize) {
        throw sparseError('blocks-covered', source, { found: offset / blockSize, expected: header.totalBlocks });
    }
    if (options.requireEnd && (await reader.upTo(1))) {
        throw sparseError('trailing-data', source, { chunks: header.totalChunks });
    }
}
