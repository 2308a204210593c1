/**
 * The Android sparse image format (libsparse's sparse_format.h): a 28-byte file header followed by
 * chunks, each a 12-byte header plus payload. All fields little-endian.
 */
import { ReviveError } from '../jobs/errors.js';

export const SPARSE_MAGIC = 0xed26ff3a;
export const FILE_HEADER_SIZE = 28;
export const CHUNK_HEADER_SIZE = 12;

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

export function sparseError(message: string, source?: string): ReviveError {
    return new ReviveError({
        code: 'sparse-invalid',
        message: `${source ? `${source}: ` : ''}${message}`,
        nextStep: 'The image file is damaged or not an Android sparse image. Download it again and check its checksum.',
    });
}

export function isSparseMagic(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === SPARSE_MAGIC;
}

export function encodeSparseHeader(header: Omit<SparseHeader, 'majorVersion' | 'minorVersion' | 'fileHeaderSize' | 'chunkHeaderSize'>): Uint8Array {
    const bytes = new Uint8Array(FILE_HEADER_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, SPARSE_MAGIC, true);
    view.setUint16(4, 1, true);
    view.setUint16(6, 0, true);
    view.setUint16(8, FILE_HEADER_SIZE, true);
    view.setUint16(10, CHUNK_HEADER_SIZE, true);
    view.setUint32(12, header.blockSize, true);
    view.setUint32(16, header.totalBlocks, true);
    view.setUint32(20, header.totalChunks, true);
    view.setUint32(24, header.imageChecksum >>> 0, true);
    return bytes;
}

export function decodeSparseHeader(bytes: Uint8Array, source?: string): SparseHeader {
    if (bytes.length < FILE_HEADER_SIZE) throw sparseError(`the sparse header is ${bytes.length} bytes, expected at least ${FILE_HEADER_SIZE}`, source);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const magic = view.getUint32(0, true);
    if (magic !== SPARSE_MAGIC) throw sparseError(`not a sparse image (magic 0x${magic.toString(16)}, expected 0x${SPARSE_MAGIC.toString(16)})`, source);
    const header: SparseHeader = {
        majorVersion: view.getUint16(4, true),
        minorVersion: view.getUint16(6, true),
        fileHeaderSize: view.getUint16(8, true),
        chunkHeaderSize: view.getUint16(10, true),
        blockSize: view.getUint32(12, true),
        totalBlocks: view.getUint32(16, true),
        totalChunks: view.getUint32(20, true),
        imageChecksum: view.getUint32(24, true),
    };
    if (header.majorVersion !== 1) throw sparseError(`sparse format version ${header.majorVersion}.${header.minorVersion} is not supported (only 1.x)`, source);
    if (header.fileHeaderSize < FILE_HEADER_SIZE) throw sparseError(`file header size ${header.fileHeaderSize} is below ${FILE_HEADER_SIZE}`, source);
    if (header.chunkHeaderSize < CHUNK_HEADER_SIZE) throw sparseError(`chunk header size ${header.chunkHeaderSize} is below ${CHUNK_HEADER_SIZE}`, source);
    if (header.blockSize === 0 || header.blockSize % 4 !== 0) throw sparseError(`block size ${header.blockSize} is not a positive multiple of 4`, source);
    return header;
}

export function encodeChunkHeader(header: ChunkHeader): Uint8Array {
    const bytes = new Uint8Array(CHUNK_HEADER_SIZE);
    const view = new DataView(bytes.buffer);
    view.setUint16(0, header.type, true);
    view.setUint16(2, 0, true);
    view.setUint32(4, header.blocks, true);
    view.setUint32(8, header.totalBytes, true);
    return bytes;
}

const knownTypes = new Set<number>(Object.values(ChunkType));

export function decodeChunkHeader(bytes: Uint8Array, source?: string): ChunkHeader {
    if (bytes.length < CHUNK_HEADER_SIZE) throw sparseError('the image ends inside a chunk header', source);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const type = view.getUint16(0, true);
    if (!knownTypes.has(type)) throw sparseError(`unknown chunk type 0x${type.toString(16)}`, source);
    return { type: type as ChunkTypeCode, blocks: view.getUint32(4, true), totalBytes: view.getUint32(8, true) };
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
