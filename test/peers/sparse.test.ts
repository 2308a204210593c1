/** Our sparse writer and reader against Debian's simg2img / img2simg (android-sdk-libsparse-utils). */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layoutFromRawFile, layoutFromSparseFile, resparse, sparseImage, writeByteSource } from '../../native/sparse/index.js';
import { expandWithOurReader, makeRawImage, tempDir } from '../native/sparse/images.js';

const run = promisify(execFile);

async function requireTool(name: string): Promise<void> {
    try {
        await run('sh', ['-c', `command -v ${name}`]);
    } catch {
        throw new Error(`${name} is not installed: install Debian's android-sdk-libsparse-utils (apt-get install android-sdk-libsparse-utils).`);
    }
}

let work: Awaited<ReturnType<typeof tempDir>>;
let raw: string;

beforeAll(async () => {
    await requireTool('simg2img');
    await requireTool('img2simg');
    work = await tempDir('peer-sparse');
    raw = join(work.dir, 'raw.img');
    await makeRawImage(raw, 1200);
});
afterAll(() => work?.cleanup());

describe('sparse images against libsparse tools', () => {
    it('simg2img turns our unsplit image (with CRC32) back into the raw bytes', async () => {
        const ours = join(work.dir, 'ours.simg');
        await writeByteSource(sparseImage(await layoutFromRawFile(raw), { crc: true }), ours);
        const back = join(work.dir, 'back.img');
        await run('simg2img', [ours, back]);
        expect((await readFile(back)).equals(await readFile(raw))).toBe(true);
    });

    it('simg2img turns our split pieces back into the raw bytes', async () => {
        const pieces = resparse(await layoutFromRawFile(raw), 256 * 1024);
        expect(pieces.length).toBeGreaterThan(3);
        const paths: string[] = [];
        for (const [i, piece] of pieces.entries()) {
            const path = join(work.dir, `piece${i}.simg`);
            await writeByteSource(sparseImage(piece), path);
            paths.push(path);
        }
        const back = join(work.dir, 'back-split.img');
        // simg2img takes several inputs and writes the pieces over one another, as a device does.
        await run('simg2img', [...paths, back]);
        expect((await readFile(back)).equals(await readFile(raw))).toBe(true);
    });

    it('reads what img2simg writes, whole and re-split', async () => {
        const theirs = join(work.dir, 'theirs.simg');
        await run('img2simg', [raw, theirs]);
        expect((await expandWithOurReader([theirs])).equals(await readFile(raw))).toBe(true);
        const pieces = resparse(await layoutFromSparseFile(theirs), 300_000);
        const paths: string[] = [];
        for (const [i, piece] of pieces.entries()) {
            const path = join(work.dir, `theirs${i}.simg`);
            await writeByteSource(sparseImage(piece), path);
            paths.push(path);
        }
        const back = join(work.dir, 'theirs-back.img');
        await run('simg2img', [...paths, back]);
        expect((await readFile(back)).equals(await readFile(raw))).toBe(true);
    });
});
