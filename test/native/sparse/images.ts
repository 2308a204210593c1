/** Test images with every kind of block a sparse writer must handle: holes, fills and random data. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSparse } from '../../../native/sparse/reader.js';

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), `revive-${prefix}-`));
    return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Write a raw image of `blocks` 4 KiB blocks: a pattern of regions (random, zero hole, 4-byte fill,
 * 0xff fill, a block that is almost a fill) repeated, so every chunk kind and merge case appears.
 */
export async function makeRawImage(path: string, blocks: number, blockSize = 4096, extraBytes = 0): Promise<void> {
    const handle = await open(path, 'w');
    try {
        let block = 0;
        const region = (n: number, make: () => Uint8Array): Promise<void> => writeBlocks(n, make);
        const writeBlocks = async (n: number, make: () => Uint8Array): Promise<void> => {
            for (let i = 0; i < n && block < blocks; i++, block++) await handle.write(make());
        };
        const fill = (pattern: number): Uint8Array => {
            const bytes = Buffer.alloc(blockSize);
            for (let i = 0; i < blockSize; i += 4) bytes.writeUInt32LE(pattern >>> 0, i);
            return bytes;
        };
        let round = 0;
        while (block < blocks) {
            await region(3 + (round % 5), () => randomBytes(blockSize));
            await region(7, () => Buffer.alloc(blockSize));
            await region(2, () => fill(0xdeadbeef + round));
            await region(1, () => fill(0xffffffff));
            await region(1, () => {
                const almost = fill(0x01020304);
                almost[blockSize - 1] = 9;
                return almost;
            });
            await region(4 + (round % 3), () => Buffer.alloc(blockSize));
            round++;
        }
        if (extraBytes > 0) await handle.write(randomBytes(extraBytes));
    } finally {
        await handle.close();
    }
}

/** Expand sparse image files (pieces applied in order, like a device does) into one buffer: small test images only. */
export async function expandWithOurReader(paths: readonly string[]): Promise<Buffer> {
    let out = Buffer.alloc(0);
    for (const path of paths) {
        const bytes = await readFile(path);
        for await (const event of readSparse([bytes], { verifyCrc: true, source: path })) {
            if (event.kind === 'header') {
                const length = event.header.totalBlocks * event.header.blockSize;
                if (out.length < length) out = Buffer.concat([out, Buffer.alloc(length - out.length)]);
            } else if (event.kind === 'data') {
                out.set(event.bytes, event.offset);
            } else if (event.kind === 'fill') {
                for (let i = 0; i < event.length; i += 4) out.set(event.pattern, event.offset + i);
            }
        }
    }
    return out;
}
