/**
 * raw → sparse of a 1 GiB image with holes (a quarter random data, an eighth filled, the rest holes):
 * our streaming converter against img2simg, same run. `npx tsx bench/sparse.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { layoutFromRawFile, sparseImage, writeByteSource } from '../native/sparse/index.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;
const REGION = 8 * 1024 * 1024;

async function makeImageWithHoles(path: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
        await handle.truncate(GiB);
        const fill = Buffer.alloc(REGION, 0x5a);
        for (let offset = 0, i = 0; offset < GiB; offset += REGION, i++) {
            // Every 8 regions: 2 random, 1 filled, 5 holes (never written: sparse on disk too).
            if (i % 8 < 2) await handle.write(randomBytes(REGION), 0, REGION, offset);
            else if (i % 8 === 2) await handle.write(fill, 0, REGION, offset);
        }
    } finally {
        await handle.close();
    }
}

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-sparse-'));
    try {
        const raw = join(dir, 'raw.img');
        await makeImageWithHoles(raw);
        // Flush the freshly written image first, so neither side pays for the other's writeback.
        await exec('sync');
        const ours = join(dir, 'ours.simg');
        const started = performance.now();
        await writeByteSource(sparseImage(await layoutFromRawFile(raw)), ours);
        const oursSeconds = (performance.now() - started) / 1000;
        const peakRssMB = process.resourceUsage().maxRSS / 1024;

        const theirs = join(dir, 'theirs.simg');
        const refStarted = performance.now();
        await exec('img2simg', [raw, theirs]);
        const refSeconds = (performance.now() - refStarted) / 1000;
        const [oursSize, theirsSize] = await Promise.all([stat(ours), stat(theirs)]);
        return [
            {
                name: 'raw → sparse, 1 GiB with holes',
                ours: { seconds: oursSeconds, peakRssMB },
                reference: { tool: 'img2simg', seconds: refSeconds },
                notes: `ours ${(oursSize.size / 1048576).toFixed(0)} MiB, img2simg ${(theirsSize.size / 1048576).toFixed(0)} MiB; peak RSS is the whole bench process`,
            },
        ];
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
