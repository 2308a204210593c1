/** Builds Samsung-style firmware archives at test time (ustar via tar-stream, LZ4 frames via lz4js). */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { compress } from 'lz4js';
import tar from 'tar-stream';
import { xxh32 } from '../../../native/odin/xxh32.js';

export async function tarBytes(members: ReadonlyArray<{ name: string; data: Uint8Array; type?: 'file' | 'directory' }>): Promise<Buffer> {
    const pack = tar.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
    const done = new Promise<void>((resolve, reject) => {
        pack.on('end', resolve);
        pack.on('error', reject);
    });
    for (const member of members) {
        const header = { name: member.name, size: member.type === 'directory' ? 0 : member.data.length, type: member.type ?? 'file', mode: 0o644, mtime: new Date(0) } as const;
        const callback = (resolve: () => void, reject: (error: unknown) => void) => (error?: Error | null) => (error ? reject(error) : resolve());
        await new Promise<void>((resolve, reject) => {
            if (member.type === 'directory') pack.entry(header, callback(resolve, reject));
            else pack.entry(header, Buffer.from(member.data), callback(resolve, reject));
        });
    }
    pack.finalize();
    await done;
    return Buffer.concat(chunks);
}

/** `.tar.md5` as Samsung's build makes it: the tar, the build-information lines, then `md5  NAME.tar`. */
export function withMd5Trailer(tarData: Buffer, tarName: string): Buffer {
    const info = Buffer.from(`Show the build information\nRBS BUILD_ID:1\noriginal_tar_file_size:${tarData.length}\n`);
    const body = Buffer.concat([tarData, info]);
    const md5 = createHash('md5').update(body).digest('hex');
    return Buffer.concat([body, Buffer.from(`${md5}  ${tarName}\n`)]);
}

export function lz4Frame(data: Uint8Array): Uint8Array {
    return compress(data);
}

export function writeFile(path: string, data: Uint8Array): string {
    writeFileSync(path, data);
    return path;
}

/** Compressible but not trivial data (so LZ4 blocks reference earlier blocks). */
export function compressible(size: number, seed = 1): Uint8Array {
    const out = new Uint8Array(size);
    let state = seed;
    for (let i = 0; i < size; i++) {
        if (i % 4096 === 0) state = (state * 1103515245 + 12345) >>> 0;
        out[i] = (i % 251 === 0 ? state >>> 24 : (i * 7 + (state & 0xff)) & 0xff);
    }
    return out;
}

/** An LZ4 frame around hand-made compressed blocks: no content size, no checksums (as lz4js writes). */
export function lz4FrameOfBlocks(blocks: readonly Uint8Array[]): Uint8Array {
    const descriptor = new Uint8Array([0x60, 0x40]);
    const check = (xxh32(descriptor) >>> 8) & 0xff;
    const parts: Uint8Array[] = [new Uint8Array([0x04, 0x22, 0x4d, 0x18, ...descriptor, check])];
    for (const block of blocks) {
        const size = new Uint8Array(4);
        new DataView(size.buffer).setUint32(0, block.length, true);
        parts.push(size, block);
    }
    parts.push(new Uint8Array(4));
    return Buffer.concat(parts);
}
