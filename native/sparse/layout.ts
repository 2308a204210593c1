/**
 * A sparse image as a plan of chunks whose RAW data still lives in a file (like libsparse's
 * backed blocks): building, splitting and writing it never holds an image in memory.
 */
import { open, stat } from 'node:fs/promises';
import { readHead } from '../files/read-head.js';
import { CHUNK_HEADER_SIZE, ChunkType, decodeChunkHeader, decodeSparseHeader, FILE_HEADER_SIZE, isSparseMagic, sparseError, type SparseHeader } from './format.js';

/** Where a RAW chunk's bytes are: `length` may be short of blocks × blockSize at a file's end (zero padded). */
export interface RawSource {
    readonly path: string;
    readonly offset: number;
    readonly length: number;
}

export type ChunkPlan =
    | { readonly kind: 'raw'; readonly blocks: number; readonly source: RawSource }
    | { readonly kind: 'fill'; readonly blocks: number; /** The 4 pattern bytes as a little-endian u32. */ readonly pattern: number }
    | { readonly kind: 'skip'; readonly blocks: number };

export interface SparseLayout {
    readonly blockSize: number;
    readonly totalBlocks: number;
    readonly chunks: readonly ChunkPlan[];
}

export const DEFAULT_BLOCK_SIZE = 4096;
/** Keep each RAW chunk well inside total_sz's 32 bits. */
const MAX_RAW_CHUNK_BYTES = 64 * 1024 * 1024;
const READ_BUFFER_BYTES = 4 * 1024 * 1024;

export interface ScanOptions {
    readonly blockSize?: number;
    readonly signal?: AbortSignal | undefined;
    /** Bytes of the input scanned so far. */
    readonly onScanned?: ((bytes: number, total: number) => void) | undefined;
}

/** True when the file starts with the sparse magic. */
export function isSparseFile(path: string): boolean {
    const { head } = readHead(path, 4, 'image');
    return head.length === 4 && isSparseMagic(head);
}

class LayoutBuilder {
    readonly chunks: ChunkPlan[] = [];
    constructor(readonly blockSize: number) {}

    add(chunk: ChunkPlan): void {
        const last = this.chunks[this.chunks.length - 1];
        if (last && last.kind === chunk.kind) {
            if (last.kind === 'skip') {
                this.chunks[this.chunks.length - 1] = { kind: 'skip', blocks: last.blocks + chunk.blocks };
                return;
            }
            if (last.kind === 'fill' && chunk.kind === 'fill' && last.pattern === chunk.pattern) {
                this.chunks[this.chunks.length - 1] = { kind: 'fill', blocks: last.blocks + chunk.blocks, pattern: last.pattern };
                return;
            }
            if (
                last.kind === 'raw' &&
                chunk.kind === 'raw' &&
                last.source.path === chunk.source.path &&
                last.source.length === last.blocks * this.blockSize &&
                last.source.offset + last.source.length === chunk.source.offset &&
                (last.blocks + chunk.blocks) * this.blockSize <= MAX_RAW_CHUNK_BYTES
            ) {
                this.chunks[this.chunks.length - 1] = {
                    kind: 'raw',
                    blocks: last.blocks + chunk.blocks,
                    source: { path: last.source.path, offset: last.source.offset, length: last.source.length + chunk.source.length },
                };
                return;
            }
        }
        this.chunks.push(chunk);
    }
}

/**
 * Scan a raw image block by block, as img2simg does: all-zero blocks become DONT_CARE, blocks made
 * of one repeated 4-byte word become FILL, everything else RAW (pointing back into the file).
 */
export async function layoutFromRawFile(path: string, options: ScanOptions = {}): Promise<SparseLayout> {
    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (blockSize <= 0 || blockSize % 4 !== 0) throw sparseError('block-size', path, { found: blockSize });
    const size = (await stat(path)).size;
    const builder = new LayoutBuilder(blockSize);
    const bufferBytes = Math.max(blockSize, Math.floor(READ_BUFFER_BYTES / blockSize) * blockSize);
    const buffer = Buffer.alloc(bufferBytes);
    const zeros = Buffer.alloc(blockSize);
    const handle = await open(path, 'r');
    try {
        let position = 0;
        while (position < size) {
            options.signal?.throwIfAborted();
            const want = Math.min(bufferBytes, size - position);
            let got = 0;
            while (got < want) {
                const { bytesRead } = await handle.read(buffer, got, want - got, position + got);
                if (bytesRead === 0) throw sparseError('file-ended', path, { found: position + got, expected: size });
                got += bytesRead;
            }
            for (let at = 0; at < got; at += blockSize) {
                const length = Math.min(blockSize, got - at);
                const offset = position + at;
                if (length < blockSize) {
                    // A partial last block: zero padded on output, so only "all zero" can be skipped.
                    const isZero = buffer.compare(zeros, 0, length, at, at + length) === 0;
                    builder.add(isZero ? { kind: 'skip', blocks: 1 } : { kind: 'raw', blocks: 1, source: { path, offset, length } });
                } else if (buffer.compare(buffer, at + 4, at + blockSize, at, at + blockSize - 4) === 0) {
                    // Every word equals the one before it: a single repeated 4-byte pattern.
                    const pattern = buffer.readUInt32LE(at);
                    builder.add(pattern === 0 ? { kind: 'skip', blocks: 1 } : { kind: 'fill', blocks: 1, pattern });
                } else {
                    builder.add({ kind: 'raw', blocks: 1, source: { path, offset, length: blockSize } });
                }
            }
            position += got;
            options.onScanned?.(position, size);
        }
    } finally {
        await handle.close();
    }
    return { blockSize, totalBlocks: Math.ceil(size / blockSize), chunks: builder.chunks };
}

/** Read a sparse image's chunk headers (not its data) into a layout whose RAW chunks point into the file. */
export async function layoutFromSparseFile(path: string, options: { signal?: AbortSignal | undefined } = {}): Promise<SparseLayout> {
    const size = (await stat(path)).size;
    const handle = await open(path, 'r');
    try {
        const readAt = async (position: number, length: number): Promise<Uint8Array> => {
            const bytes = new Uint8Array(length);
            const { bytesRead } = await handle.read(bytes, 0, length, position);
            if (bytesRead < length) throw sparseError('ends-in-header-at', path, { found: position + bytesRead });
            return bytes;
        };
        const header = decodeSparseHeader(await readAt(0, FILE_HEADER_SIZE), path);
        const chunks: ChunkPlan[] = [];
        let position = header.fileHeaderSize;
        let blocks = 0;
        for (let index = 0; index < header.totalChunks; index++) {
            if (index % 4096 === 0) options.signal?.throwIfAborted();
            const chunk = decodeChunkHeader(await readAt(position, CHUNK_HEADER_SIZE), path);
            const dataAt = position + header.chunkHeaderSize;
            const where = { chunk: index + 1, chunks: header.totalChunks };
            switch (chunk.type) {
                case ChunkType.raw: {
                    const length = chunk.blocks * header.blockSize;
                    if (chunk.totalBytes !== header.chunkHeaderSize + length) throw sparseError('raw-size', path, { ...where, found: chunk.totalBytes, expected: chunk.blocks });
                    if (dataAt + length > size) throw sparseError('raw-past-end', path, where);
                    chunks.push({ kind: 'raw', blocks: chunk.blocks, source: { path, offset: dataAt, length } });
                    break;
                }
                case ChunkType.fill: {
                    if (chunk.totalBytes !== header.chunkHeaderSize + 4) throw sparseError('fill-size', path, { ...where, found: chunk.totalBytes, expected: header.chunkHeaderSize + 4 });
                    const pattern = await readAt(dataAt, 4);
                    chunks.push({ kind: 'fill', blocks: chunk.blocks, pattern: new DataView(pattern.buffer).getUint32(0, true) });
                    break;
                }
                case ChunkType.dontCare:
                    if (chunk.totalBytes !== header.chunkHeaderSize) throw sparseError('dont-care-size', path, { ...where, found: chunk.totalBytes, expected: header.chunkHeaderSize });
                    chunks.push({ kind: 'skip', blocks: chunk.blocks });
                    break;
                case ChunkType.crc32:
                    // The checksum covers the whole image; a split or re-written image gets its own.
                    break;
            }
            blocks += chunk.blocks;
            position += chunk.totalBytes;
        }
        if (blocks !== header.totalBlocks) throw sparseError('blocks-covered', path, { found: blocks, expected: header.totalBlocks });
        return { blockSize: header.blockSize, totalBlocks: header.totalBlocks, chunks };
    } finally {
        await handle.close();
    }
}

/** Either kind of image file as a layout: sparse images are read as they are, raw ones scanned. */
export async function layoutFromFile(path: string, options: ScanOptions = {}): Promise<SparseLayout> {
    return isSparseFile(path) ? layoutFromSparseFile(path, options) : layoutFromRawFile(path, options);
}

export function expandedLength(layout: SparseLayout): number {
    return layout.totalBlocks * layout.blockSize;
}

/** Just the header of a sparse image file (block size, total blocks, chunk count). */
export async function readSparseFileHeader(path: string): Promise<SparseHeader> {
    const handle = await open(path, 'r');
    try {
        const bytes = new Uint8Array(FILE_HEADER_SIZE);
        const { bytesRead } = await handle.read(bytes, 0, FILE_HEADER_SIZE, 0);
        return decodeSparseHeader(bytes.subarray(0, bytesRead), path);
    } finally {
        await handle.close();
    }
}
