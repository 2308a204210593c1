import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import {
    ChunkType,
    encodeChunkHeader,
    encodeSparseHeader,
    isSparseFile,
    layoutFromRawFile,
    layoutFromSparseFile,
    readSparse,
    resparse,
    RESPARSE_OVERHEAD,
    sparseImage,
    writeByteSource,
} from '../../../native/sparse/index.js';
import { expandWithOurReader, makeRawImage, tempDir } from './images.js';

let work: Awaited<ReturnType<typeof tempDir>>;
let raw: string;

beforeAll(async () => {
    work = await tempDir('sparse');
    raw = join(work.dir, 'raw.img');
    await makeRawImage(raw, 300);
});
afterAll(() => work.cleanup());

describe('raw → sparse', () => {
    it('classifies zero blocks as DONT_CARE, repeated words as FILL and the rest as RAW', async () => {
        const layout = await layoutFromRawFile(raw);
        expect(layout.totalBlocks).toBe(300);
        const kinds = new Set(layout.chunks.map((c) => c.kind));
        expect(kinds).toEqual(new Set(['raw', 'skip', 'fill']));
        const fills = layout.chunks.filter((c) => c.kind === 'fill').map((c) => c.pattern);
        expect(fills).toContain(0xffffffff);
        expect(fills).toContain(0xdeadbeef);
        // The "almost fill" block must stay RAW: no fill with 0x01020304.
        expect(fills).not.toContain(0x01020304);
    });

    it('writes a sparse image that expands back to the raw bytes, with a valid CRC32 chunk', async () => {
        const out = join(work.dir, 'whole.simg');
        const image = sparseImage(await layoutFromRawFile(raw), { crc: true, bufferBytes: 5000 });
        await writeByteSource(image, out);
        expect((await stat(out)).size).toBe(image.length);
        expect(isSparseFile(out)).toBe(true);
        expect((await expandWithOurReader([out])).equals(await readFile(raw))).toBe(true);
    });

    it('pads a partial last block with zeros', async () => {
        const odd = join(work.dir, 'odd.img');
        await makeRawImage(odd, 5, 4096, 100);
        const layout = await layoutFromRawFile(odd);
        expect(layout.totalBlocks).toBe(6);
        const out = join(work.dir, 'odd.simg');
        await writeByteSource(sparseImage(layout), out);
        const expanded = await expandWithOurReader([out]);
        const original = await readFile(odd);
        expect(expanded.length).toBe(6 * 4096);
        expect(expanded.subarray(0, original.length).equals(original)).toBe(true);
        expect(expanded.subarray(original.length).every((b) => b === 0)).toBe(true);
    });
});

describe('resparse', () => {
    it('splits into complete pieces no larger than the limit, which together rebuild the image', async () => {
        const layout = await layoutFromRawFile(raw);
        const limit = 5 * 4096 + RESPARSE_OVERHEAD;
        const pieces = resparse(layout, limit);
        expect(pieces.length).toBeGreaterThan(10);
        const paths: string[] = [];
        for (const [i, piece] of pieces.entries()) {
            expect(piece.totalBlocks).toBe(layout.totalBlocks);
            expect(piece.blockSize).toBe(layout.blockSize);
            const image = sparseImage(piece);
            expect(image.length).toBeLessThanOrEqual(limit);
            const path = join(work.dir, `piece${i}.simg`);
            await writeByteSource(image, path);
            paths.push(path);
        }
        expect((await expandWithOurReader(paths)).equals(await readFile(raw))).toBe(true);
        // The pieces fill their budget: all but the last carry close to the limit.
        const first = sparseImage(pieces[0]!).length;
        expect(first).toBeGreaterThan(limit - 4096 - RESPARSE_OVERHEAD);
    });

    it('re-splits an existing sparse file without reading its data into memory', async () => {
        const whole = join(work.dir, 'whole2.simg');
        await writeByteSource(sparseImage(await layoutFromRawFile(raw)), whole);
        const layout = await layoutFromSparseFile(whole);
        const pieces = resparse(layout, 200_000);
        const paths = await Promise.all(
            pieces.map(async (piece, i) => {
                const path = join(work.dir, `re${i}.simg`);
                await writeByteSource(sparseImage(piece), path);
                return path;
            }),
        );
        expect((await expandWithOurReader(paths)).equals(await readFile(raw))).toBe(true);
    });

    it('refuses a limit that cannot hold one block', async () => {
        expect(() => resparse(layoutFromRawFileSync(), 4096)).toThrow(ReviveError);
    });
});

function layoutFromRawFileSync() {
    return { blockSize: 4096, totalBlocks: 2, chunks: [{ kind: 'raw' as const, blocks: 2, source: { path: raw, offset: 0, length: 8192 } }] };
}

describe('reader', () => {
    it('tolerates larger file and chunk headers (Samsung style)', async () => {
        const header = Buffer.from(encodeSparseHeader({ blockSize: 4096, totalBlocks: 3, totalChunks: 2, imageChecksum: 0 }));
        header.writeUInt16LE(32, 8);
        header.writeUInt16LE(16, 10);
        const fill = Buffer.concat([Buffer.from(encodeChunkHeader({ type: ChunkType.fill, blocks: 1, totalBytes: 20 })), Buffer.alloc(4), Buffer.from([1, 2, 3, 4])]);
        const data = Buffer.alloc(8192, 7);
        const rawChunk = Buffer.concat([Buffer.from(encodeChunkHeader({ type: ChunkType.raw, blocks: 2, totalBytes: 16 + 8192 })), Buffer.alloc(4), data]);
        const file = Buffer.concat([header, Buffer.alloc(4), fill, rawChunk]);
        const path = join(work.dir, 'samsung.simg');
        await writeFile(path, file);
        const expanded = await expandWithOurReader([path]);
        expect(expanded.subarray(0, 4)).toEqual(Buffer.from([1, 2, 3, 4]));
        expect(expanded.subarray(4096).equals(data)).toBe(true);
        const layout = await layoutFromSparseFile(path);
        expect(layout.chunks.map((c) => c.kind)).toEqual(['fill', 'raw']);
    });

    it('reports a truncated image and a bad CRC clearly', async () => {
        const whole = join(work.dir, 'crc.simg');
        await writeByteSource(sparseImage(await layoutFromRawFile(raw), { crc: true }), whole);
        const bytes = await readFile(whole);
        const drain = async (data: Buffer): Promise<void> => {
            for await (const _ of readSparse([data], { verifyCrc: true, source: 'x.img' })) void _;
        };
        await expect(drain(bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/x\.img: the image ends/);
        const bad = Buffer.from(bytes);
        bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
        await expect(drain(bad)).rejects.toThrow(/CRC32 mismatch/);
        await expect(drain(Buffer.alloc(64))).rejects.toThrow(/not a sparse image/);
    });
});
