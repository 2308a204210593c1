/**
 * Splitting an image into sparse pieces no larger than a device's max-download-size, following
 * libsparse's sparse_file_resparse: every piece is a complete sparse image with the same block size
 * and total_blks, regions it does not carry are DONT_CARE, and RAW chunks split on block boundaries.
 */
import { CHUNK_HEADER_SIZE, encodedChunkSize, FILE_HEADER_SIZE, sparseError } from './format.js';
import type { ChunkPlan, SparseLayout } from './layout.js';

/** Header + initial skip + split chunk + end skip + CRC chunk headers + 4 bytes, as AOSP reserves. */
export const RESPARSE_OVERHEAD = FILE_HEADER_SIZE + 4 * CHUNK_HEADER_SIZE + 4;

type Backed = { start: number; chunk: Exclude<ChunkPlan, { kind: 'skip' }> };

function backedChunks(layout: SparseLayout): Backed[] {
    const out: Backed[] = [];
    let block = 0;
    for (const chunk of layout.chunks) {
        if (chunk.kind !== 'skip') out.push({ start: block, chunk });
        block += chunk.blocks;
    }
    return out;
}

function splitRaw(item: Backed, blocks: number, blockSize: number): [Backed, Backed] {
    const chunk = item.chunk;
    if (chunk.kind !== 'raw') throw new Error('only RAW chunks split');
    const headBytes = blocks * blockSize;
    const head: Backed = {
        start: item.start,
        chunk: { kind: 'raw', blocks, source: { path: chunk.source.path, offset: chunk.source.offset, length: Math.min(headBytes, chunk.source.length) } },
    };
    const tail: Backed = {
        start: item.start + blocks,
        chunk: {
            kind: 'raw',
            blocks: chunk.blocks - blocks,
            source: { path: chunk.source.path, offset: chunk.source.offset + headBytes, length: Math.max(0, chunk.source.length - headBytes) },
        },
    };
    return [head, tail];
}

function pieceLayout(items: readonly Backed[], layout: SparseLayout): SparseLayout {
    const chunks: ChunkPlan[] = [];
    let block = 0;
    for (const item of items) {
        if (item.start > block) chunks.push({ kind: 'skip', blocks: item.start - block });
        chunks.push(item.chunk);
        block = item.start + item.chunk.blocks;
    }
    if (block < layout.totalBlocks) chunks.push({ kind: 'skip', blocks: layout.totalBlocks - block });
    return { blockSize: layout.blockSize, totalBlocks: layout.totalBlocks, chunks };
}

/** Split a layout into pieces whose sparse encoding (no CRC) is at most maxBytes each. */
export function resparse(layout: SparseLayout, maxBytes: number): SparseLayout[] {
    const budget = maxBytes - RESPARSE_OVERHEAD;
    if (budget < CHUNK_HEADER_SIZE + layout.blockSize) {
        throw sparseError('piece-too-small', undefined, { found: maxBytes, expected: layout.blockSize });
    }
    const pieces: SparseLayout[] = [];
    let current: Backed[] = [];
    let used = 0;
    let lastEnd = 0;
    const flush = (): void => {
        pieces.push(pieceLayout(current, layout));
        current = [];
        used = 0;
    };
    for (const original of backedChunks(layout)) {
        let item: Backed | undefined = original;
        while (item) {
            const gap = current.length > 0 && item.start > lastEnd ? CHUNK_HEADER_SIZE : 0;
            const size = encodedChunkSize(item.chunk.kind, item.chunk.blocks, layout.blockSize);
            if (used + gap + size <= budget) {
                current.push(item);
                used += gap + size;
                lastEnd = item.start + item.chunk.blocks;
                item = undefined;
                continue;
            }
            if (item.chunk.kind === 'raw') {
                const fit = Math.floor((budget - used - gap - CHUNK_HEADER_SIZE) / layout.blockSize);
                if (fit >= 1) {
                    const [head, tail] = splitRaw(item, fit, layout.blockSize);
                    current.push(head);
                    flush();
                    item = tail;
                    continue;
                }
            }
            if (current.length === 0) throw sparseError('chunk-too-big', undefined, { found: size, expected: maxBytes });
            flush();
        }
    }
    if (current.length > 0 || pieces.length === 0) flush();
    return pieces;
}
