/**
 * `revive fastboot flash` refuses a malformed sparse image, or a slot the phone does not have, before
 * the first byte is sent: the partition of the virtual phone is never written.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkType, encodeChunkHeader, encodeSparseHeader } from '../../../native/sparse/format.js';
import { tempDir } from '../sparse/images.js';
import { revive } from '../../support/run-cli.js';

let work: Awaited<ReturnType<typeof tempDir>>;
let state: string;
let virtual: string[];

async function bootWrites(): Promise<number> {
    return (JSON.parse(await readFile(join(state, 'state.json'), 'utf8')) as { writeCounts?: Record<string, number> }).writeCounts?.['boot'] ?? 0;
}

const BLOCK = 4096;
const block = (byte: number): Uint8Array => new Uint8Array(BLOCK).fill(byte);

type Chunk = { type: number; blocks: number; payload: Uint8Array; totalBytes?: number };

function sparse(chunks: readonly Chunk[], header: { totalBlocks?: number; totalChunks?: number } = {}): Buffer {
    const totalBlocks = header.totalBlocks ?? chunks.reduce((sum, c) => sum + (c.type === ChunkType.crc32 ? 0 : c.blocks), 0);
    const parts: Uint8Array[] = [encodeSparseHeader({ blockSize: BLOCK, totalBlocks, totalChunks: header.totalChunks ?? chunks.length, imageChecksum: 0 })];
    for (const chunk of chunks) {
        parts.push(encodeChunkHeader({ type: chunk.type as never, blocks: chunk.blocks, totalBytes: chunk.totalBytes ?? 12 + chunk.payload.length }), chunk.payload);
    }
    return Buffer.concat(parts);
}

const raw = (blocks: number, byte = 0x5a): Chunk => ({ type: ChunkType.raw, blocks, payload: Buffer.concat(Array.from({ length: blocks }, () => block(byte))) });
const u32 = (value: number): Uint8Array => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    return bytes;
};

beforeAll(async () => {
    work = await tempDir('fastboot-refusals');
    state = join(work.dir, 'shamu');
    virtual = ['--virtual', 'shamu', '--virtual-state', state, '--owner', 'accept'];
    expect((await revive('fastboot', 'unlock', ...virtual)).code).toBe(0);
});
afterAll(() => work.cleanup());

describe('revive fastboot flash refuses bad input before sending', () => {
    const good = raw(2);
    const rightCrc = crc32(good.payload) >>> 0;
    const cases: Array<[string, Buffer, RegExp]> = [
        ['unknown chunk type after a good RAW chunk', sparse([good, { type: 0xcac9, blocks: 1, payload: new Uint8Array(0) }]), /unknown chunk type 0xcac9/],
        ['RAW chunk size disagreeing with its blocks', sparse([good, { ...raw(1), totalBytes: 12 + 2 * BLOCK }]), /RAW payload/],
        ['RAW chunk whose block count wraps 32 bits', sparse([good, { ...raw(1), blocks: 2 ** 20 + 1, totalBytes: 12 + BLOCK }], { totalBlocks: 3 }), /runs past|RAW payload/],
        ['total_blks larger than the chunks', sparse([good, raw(1)], { totalBlocks: 5 }), /cover 3 blocks but the header says 5/],
        ['total_blks smaller than the chunks', sparse([good, raw(1)], { totalBlocks: 2 }), /runs past the image's 2 blocks/],
        ['more chunks announced than the file holds', sparse([good, raw(1)], { totalChunks: 3 }), /ends before chunk 3 of 3/],
        ['fewer chunks announced than the file holds', sparse([good, raw(1)], { totalChunks: 1, totalBlocks: 2 }), /goes on after the last of its 1 chunks/],
        ['truncation inside a RAW chunk', sparse([good, raw(2)]).subarray(0, 28 + 12 + 2 * BLOCK + 12 + BLOCK + 100), /ends inside chunk 2/],
        ['header only', sparse([good]).subarray(0, 28), /ends before chunk 1/],
        ['a wrong CRC32 chunk', sparse([good, { type: ChunkType.crc32, blocks: 0, payload: u32(rightCrc ^ 1) }]), /CRC32 mismatch/],
    ];

    for (const [label, bytes, reason] of cases) {
        it(`refuses ${label}, writing nothing`, async () => {
            const path = join(work.dir, `${label.replace(/\W+/g, '-')}.simg`);
            await writeFile(path, bytes);
            const before = await bootWrites();
            const result = await revive('fastboot', 'flash', 'boot', path, ...virtual);
            expect(result.code).toBe(1);
            expect(result.err).toMatch(reason);
            expect(result.err).toContain(path);
            expect(result.err).toContain('Nothing was sent to the phone.');
            expect(await bootWrites()).toBe(before);
        });
    }

    it('flashes a sparse image whose CRC32 chunk is right', async () => {
        const path = join(work.dir, 'crc-ok.simg');
        await writeFile(path, sparse([good, { type: ChunkType.crc32, blocks: 0, payload: u32(rightCrc) }]));
        const before = await bootWrites();
        const result = await revive('fastboot', 'flash', 'boot', path, ...virtual);
        expect(result.code, result.err).toBe(0);
        expect(await bootWrites()).toBe(before + 1);
    });

    it('refuses --slot b on a phone without A/B slots (it wrote boot and exited 0)', async () => {
        const path = join(work.dir, 'plain.img');
        await writeFile(path, block(1));
        const before = await bootWrites();
        const result = await revive('fastboot', 'flash', 'boot', path, '--slot', 'b', ...virtual);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(/no A\/B slots, so slot b does not exist\. Nothing was written/);
        expect(await bootWrites()).toBe(before);
    });
});
