/**
 * The Android sparse image format (libsparse's sparse_format.h): a 28-byte file header followed by
 * chunks, each a 12-byte header plus payload. All fields little-endian.
 */
import { decodeLayout, encodeLayout } from '../../common/le-layout.js';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

export const SPARSE_MAGIC = 0xed26ff3a;
export const FILE_HEADER_SIZE = 28;
export const CHUNK_HEADER_SIZE = 12;

/** The file header's fields: offset and width, the one place they are written down. */
const FILE_HEADER = {
    magic: [0, 'u32'],
    majorVersion: [4, 'u16'],
    minorVersion: [6, 'u16'],
    fileHeaderSize: [8, 'u16'],
    chunkHeaderSize: [10, 'u16'],
    blockSize: [12, 'u32'],
    totalBlocks: [16, 'u32'],
    totalChunks: [20, 'u32'],
    imageChecksum: [24, 'u32'],
} as const;

const CHUNK_HEADER = {
    type: [0, 'u16'],
    reserved: [2, 'u16'],
    blocks: [4, 'u32'],
    totalBytes: [8, 'u32'],
} as const;

export const ChunkType = { raw: 0xcac1, fill: 0xcac2, dontCare: 0xcac3, crc32: 0xcac4 } as const;
export type ChunkTypeCode = (typeof ChunkType)[keyof typeof ChunkType];

export interface SparseHeader {
    readonly majorVersion: number;
    readonly minorVersion: number;
    /** As found in the file; readers skip anything past the 28 bytes they know. */
    readonly fileHeaderSize: number;
    readonly chunkHeaderSize: number;
    readonly blockSize: number;
    readonly totalBlocks: number;
    readonly totalChunks: number;
    /** CRC32 of the expanded image (skipped regions count as zeros); 0 when not computed. */
    readonly imageChecksum: number;
}

export interface ChunkHeader {
    readonly type: ChunkTypeCode;
    /** Blocks of expanded output this chunk covers. */
    readonly blocks: number;
    /** Bytes of this chunk in the file, header included. */
    readonly totalBytes: number;
}

/** What a sparse image's numbers say about it, for the words: a chunk, sizes, block counts. */
export interface SparseFacts {
    readonly chunk?: number;
    readonly chunks?: number;
    readonly found?: number | string;
    readonly expected?: number | string;
}

/** A small format error: what is wrong with the image, as a code and numbers; the locale words it. */
export function sparseError(variant: FactsOf<'sparse-invalid'>['variant'], source?: string, facts: SparseFacts = {}): ReviveError {
    return ReviveError.of('sparse-invalid', { file: source ?? '(sparse)', variant, ...facts });
}

export function isSparseMagic(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === SPARSE_MAGIC;
}

export function encodeSparseHeader(header: Omit<SparseHeader, 'majorVersion' | 'minorVersion' | 'fileHeaderSize' | 'chunkHeaderSize'>): Uint8Array {
    return encodeLayout(FILE_HEADER, FILE_HEADER_SIZE, {
        magic: SPARSE_MAGIC,
        majorVersion: 1,
        minorVersion: 0,
        fileHeaderSize: FILE_HEADER_SIZE,
        chunkHeaderSize: CHUNK_HEADER_SIZE,
        blockSize: header.blockSize,
        totalBlocks: header.totalBlocks,
        totalChunks: header.totalChunks,
        imageChecksum: header.imageChecksum,
    });
}

export function decodeSparseHeader(bytes: Uint8Array, source?: string): SparseHeader {
    if (bytes.length < FILE_HEADER_SIZE) throw sparseError('header-short', source, { found: bytes.length, expected: FILE_HEADER_SIZE });
    const { magic, ...header } = decodeLayout(FILE_HEADER, bytes);
    if (magic !== SPARSE_MAGIC) throw sparseError('bad-magic', source, { found: `0x${magic.toString(16)}`, expected: `0x${SPARSE_MAGIC.toString(16)}` });
    if (header.majorVersion !== 1) throw sparseError('version', source, { found: `${header.majorVersion}.${header.minorVersion}` });
    if (header.fileHeaderSize < FILE_HEADER_SIZE) throw sparseError('file-header-size', source, { found: header.fileHeaderSize, expected: FILE_HEADER_SIZE });
    if (header.chunkHeaderSize < CHUNK_HEADER_SIZE) throw sparseError('chunk-header-size', source, { found: header.chunkHeaderSize, expected: CHUNK_HEADER_SIZE });
    if (header.blockSize === 0 || header.blockSize % 4 !== 0) throw sparseError('block-size', source, { found: header.blockSize });
    return header;
}

export function encodeChunkHeader(header: ChunkHeader): Uint8Array {
    return encodeLayout(CHUNK_HEADER, CHUNK_HEADER_SIZE, { type: header.type, reserved: 0, blocks: header.blocks, totalBytes: header.totalBytes });
}

const knownTypes = new Set<number>(Object.values(ChunkType));

export function decodeChunkHeader(bytes: Uint8Array, source?: string): ChunkHeader {
    if (bytes.length < CHUNK_HEADER_SIZE) throw sparseError('ends-in-chunk-header', source);
    const { type, blocks, totalBytes } = decodeLayout(CHUNK_HEADER, bytes);
    if (!knownTypes.has(type)) throw sparseError('chunk-type', source, { found: `0x${type.toString(16)}` });
    return { type: type as ChunkTypeCode, blocks, totalBytes };
}

/** Bytes a chunk occupies in a file we write (12-byte headers). */
export function encodedChunkSize(kind: 'raw' | 'fill' | 'skip' | 'crc', blocks: number, blockSize: number): number {
    switch (kind) {
        case 'raw':
            return CHUNK_HEADER_SIZE + blocks * blockSize;
        case 'fill':
        case 'crc':
            return CHUNK_HEADER_SIZE + 4;
        case 'skip':
            return CHUNK_HEADER_SIZE;
    }
}
