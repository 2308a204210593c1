/** Writing a layout out as sparse image bytes, streamed in fixed-size pieces. */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from './crc32.js';
import { CHUNK_HEADER_SIZE, ChunkType, encodeChunkHeader, encodedChunkSize, encodeSparseHeader, FILE_HEADER_SIZE, sparseError } from './format.js';
import type { ChunkPlan, SparseLayout } from './layout.js';

/** Bytes with a length known up front, so they can be announced (`download:%08x`) before they are produced. */
export interface ByteSource {
    readonly length: number;
    bytes(signal?: AbortSignal): AsyncIterable<Uint8Array>;
}

export interface WriteSparseOptions {
    /** Append a CRC32 chunk (img2simg does not; fastboot pieces never carry one). */
    readonly crc?: boolean;
    /** Size of the pieces `bytes()` yields. */
    readonly bufferBytes?: number;
}

const DEFAULT_BUFFER_BYTES = 1024 * 1024;

export function sparseImageLength(layout: SparseLayout, options: WriteSparseOptions = {}): number {
    let length = FILE_HEADER_SIZE;
    for (const chunk of layout.chunks) length += encodedChunkSize(chunk.kind, chunk.blocks, layout.blockSize);
    if (options.crc) length += encodedChunkSize('crc', 0, layout.blockSize);
    return length;
}

function checkLayout(layout: SparseLayout): void {
    const covered = layout.chunks.reduce((sum, chunk) => sum + chunk.blocks, 0);
    if (covered !== layout.totalBlocks) throw sparseError('blocks-covered', undefined, { found: covered, expected: layout.totalBlocks });
}

/** Collects output into fixed buffers; RAW data is read straight into them. */
class Output {
    #buffer: Buffer;
    #used = 0;
    readonly #size: number;

    constructor(size: number) {
        this.#size = size;
        this.#buffer = Buffer.allocUnsafe(size);
    }

    get room(): number {
        return this.#size - this.#used;
    }

    /** Copy bytes in; returns full buffers to hand out. */
    put(bytes: Uint8Array): Buffer[] {
        const full: Buffer[] = [];
        let at = 0;
        while (at < bytes.length) {
            const n = Math.min(this.room, bytes.length - at);
            this.#buffer.set(bytes.subarray(at, at + n), this.#used);
            this.#used += n;
            at += n;
            if (this.room === 0) full.push(this.take());
        }
        return full;
    }

    /** Space to read into directly, then `advance(n)`. */
    window(max: number): Buffer {
        return this.#buffer.subarray(this.#used, this.#used + Math.min(max, this.room));
    }

    advance(n: number): Buffer | undefined {
        this.#used += n;
        return this.room === 0 ? this.take() : undefined;
    }

    take(): Buffer {
        const out = this.#buffer.subarray(0, this.#used);
        this.#buffer = Buffer.allocUnsafe(this.#size);
        this.#used = 0;
        return out;
    }

    get pending(): number {
        return this.#used;
    }
}

function fillPattern(pattern: number): Uint8Array {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, pattern >>> 0, true);
    return bytes;
}

async function* encode(layout: SparseLayout, options: WriteSparseOptions, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const out = new Output(options.bufferBytes ?? DEFAULT_BUFFER_BYTES);
    const handles = new Map<string, FileHandle>();
    const zeroBlock = new Uint8Array(layout.blockSize);
    let crc = 0;
    const chunkCount = layout.chunks.length + (options.crc ? 1 : 0);
    try {
        yield* out.put(encodeSparseHeader({ blockSize: layout.blockSize, totalBlocks: layout.totalBlocks, totalChunks: chunkCount, imageChecksum: 0 }));
        for (const chunk of layout.chunks) {
            signal?.throwIfAborted();
            yield* out.put(chunkHeaderFor(chunk, layout.blockSize));
            if (chunk.kind === 'fill') {
                const pattern = fillPattern(chunk.pattern);
                yield* out.put(pattern);
                if (options.crc) {
                    const block = new Uint8Array(layout.blockSize);
                    for (let i = 0; i < block.length; i += 4) block.set(pattern, i);
                    for (let i = 0; i < chunk.blocks; i++) crc = crc32(block, crc);
                }
            } else if (chunk.kind === 'skip') {
                if (options.crc) for (let i = 0; i < chunk.blocks; i++) crc = crc32(zeroBlock, crc);
            } else {
                let handle = handles.get(chunk.source.path);
                if (!handle) {
                    handle = await open(chunk.source.path, 'r');
                    handles.set(chunk.source.path, handle);
                }
                const total = chunk.blocks * layout.blockSize;
                let done = 0;
                while (done < total) {
                    const window = out.window(total - done);
                    const fromFile = Math.max(0, Math.min(window.length, chunk.source.length - done));
                    let got = 0;
                    while (got < fromFile) {
                        const { bytesRead } = await handle.read(window, got, fromFile - got, chunk.source.offset + done + got);
                        if (bytesRead === 0) throw sparseError('file-ended-before', chunk.source.path, { found: chunk.source.offset + done + got });
                        got += bytesRead;
                    }
                    // Past the source's end (a partial last block) the image is zero padded.
                    window.fill(0, fromFile);
                    if (options.crc) crc = crc32(window, crc);
                    done += window.length;
                    const full = out.advance(window.length);
                    if (full) yield full;
                }
            }
        }
        if (options.crc) {
            yield* out.put(encodeChunkHeader({ type: ChunkType.crc32, blocks: 0, totalBytes: CHUNK_HEADER_SIZE + 4 }));
            yield* out.put(fillPattern(crc));
        }
        if (out.pending > 0) yield out.take();
    } finally {
        for (const handle of handles.values()) await handle.close();
    }
}

function chunkHeaderFor(chunk: ChunkPlan, blockSize: number): Uint8Array {
    switch (chunk.kind) {
        case 'raw':
            return encodeChunkHeader({ type: ChunkType.raw, blocks: chunk.blocks, totalBytes: encodedChunkSize('raw', chunk.blocks, blockSize) });
        case 'fill':
            return encodeChunkHeader({ type: ChunkType.fill, blocks: chunk.blocks, totalBytes: encodedChunkSize('fill', chunk.blocks, blockSize) });
        case 'skip':
            return encodeChunkHeader({ type: ChunkType.dontCare, blocks: chunk.blocks, totalBytes: encodedChunkSize('skip', chunk.blocks, blockSize) });
    }
}

/** The sparse image of a layout as a stream with its exact length known up front. */
export function sparseImage(layout: SparseLayout, options: WriteSparseOptions = {}): ByteSource {
    checkLayout(layout);
    return { length: sparseImageLength(layout, options), bytes: (signal) => encode(layout, options, signal) };
}

/** Stream any byte source into a file. */
export async function writeByteSource(source: ByteSource, path: string, signal?: AbortSignal): Promise<void> {
    const handle = await open(path, 'w');
    try {
        let written = 0;
        for await (const bytes of source.bytes(signal)) {
            await handle.write(bytes);
            written += bytes.length;
        }
        if (written !== source.length) throw sparseError('wrote-other', path, { found: written, expected: source.length });
    } finally {
        await handle.close();
    }
}

/** A file's bytes as a ByteSource (a raw image or an already-sparse one sent unchanged). */
export function fileSource(path: string, length: number, bufferBytes = DEFAULT_BUFFER_BYTES): ByteSource {
    return {
        length,
        async *bytes(signal) {
            const handle = await open(path, 'r');
            try {
                let position = 0;
                while (position < length) {
                    signal?.throwIfAborted();
                    const buffer = Buffer.allocUnsafe(Math.min(bufferBytes, length - position));
                    let got = 0;
                    while (got < buffer.length) {
                        const { bytesRead } = await handle.read(buffer, got, buffer.length - got, position + got);
                        if (bytesRead === 0) throw sparseError('file-ended', path, { found: position + got, expected: length });
                        got += bytesRead;
                    }
                    position += got;
                    yield buffer;
                }
            } finally {
                await handle.close();
            }
        },
    };
}
