/**
 * A 1 GiB download from a publisher on 127.0.0.1, our download job (resumable, SHA-256 checked
 * while it arrives, cached) against curl writing the same file, in the same run. The server is a
 * separate Node process streaming the file from disk, so neither client pays for it.
 * `npx tsx bench/download.bench.ts` runs it alone.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchRecipeFile } from '../native/download/fetch-file.js';
import { loadRecipes, parseRecipe } from '../native/manifests/load.js';
import type { FileDownload, Recipe } from '../native/manifests/schema.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;
const ADDRESS = 'https://sourceforge.net/projects/opengapps/files/arm/20990101/open_gapps-arm-8.1-nano-20990101.zip/download';

// The publisher, in its own process: writes SIZE random bytes to FILE, then serves them at every path
// and prints its port and the file's SHA-256.
const SERVER = `
const http = require('node:http'); const fs = require('node:fs'); const crypto = require('node:crypto');
const [file, size] = process.argv.slice(1);
const hash = crypto.createHash('sha256'); const fd = fs.openSync(file, 'w');
for (let done = 0; done < Number(size); done += 4 << 20) { const b = crypto.randomBytes(Math.min(4 << 20, Number(size) - done)); hash.update(b); fs.writeSync(fd, b); }
fs.closeSync(fd); const sha256 = hash.digest('hex');
const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port + ' ' + sha256));
`;

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-download-'));
    const source = join(dir, 'published.zip');
    const server = spawn(process.execPath, ['-e', SERVER, source, String(GiB)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
        const [port, sha256] = await new Promise<[number, string]>((resolve, reject) => {
            server.stdout.once('data', (data: Buffer) => {
                const [portText, digest] = data.toString().trim().split(' ');
                resolve([Number(portText), digest ?? '']);
            });
            server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
        });
        const base = `http://127.0.0.1:${port}`;
        const url = `${base}/${new URL(ADDRESS).host}${new URL(ADDRESS).pathname}`;
        await exec('sync');

        const shipped = loadRecipes().find((r) => r.id === 'ks01ltexx') as Recipe;
        const download = { role: 'gapps', name: 'open_gapps-arm-8.1-nano-20990101.zip', manualPage: 'https://opengapps.org/', availability: 'published', sources: [{ url: ADDRESS, sha256, sizeBytes: GiB }] };
        const recipe = parseRecipe({ ...shipped, downloads: [download] }, 'bench.json');
        // The machine is shared: alternate the two and keep each one's best of three rounds.
        let curlSeconds = Infinity;
        let oursSeconds = Infinity;
        let sumSeconds = Infinity;
        for (let round = 0; round < 3; round++) {
            // curl, writing the file (no checksum), then sha256sum for comparison.
            let started = performance.now();
            await exec('curl', ['-sS', '-f', '-o', join(dir, 'curl.zip'), url]);
            curlSeconds = Math.min(curlSeconds, (performance.now() - started) / 1000);
            started = performance.now();
            await exec('sha256sum', [join(dir, 'curl.zip')]);
            sumSeconds = Math.min(sumSeconds, (performance.now() - started) / 1000);
            await rm(join(dir, 'curl.zip'));
            // Ours: the download job, which also proves the size and SHA-256 before the file can be used.
            started = performance.now();
            const got = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home: join(dir, 'home'), baseUrl: base });
            oursSeconds = Math.min(oursSeconds, (performance.now() - started) / 1000);
            if (got.sha256 !== sha256 || got.fromCache) throw new Error('the download was not made and verified');
            await rm(join(dir, 'home'), { recursive: true });
        }
        const peakRssMB = process.resourceUsage().maxRSS / 1024;
        return [
            {
                name: 'download 1 GiB from a loopback publisher (size + SHA-256 checked)',
                ours: { seconds: oursSeconds, peakRssMB },
                reference: { tool: 'curl', seconds: curlSeconds },
                notes: `best of 3 alternating rounds; curl then sha256sum: ${(curlSeconds + sumSeconds).toFixed(2)} s; goal: ours <= 1.1x curl (ratio >= 0.91), peak RSS <= 150 MB`,
            },
        ];
    } finally {
        server.kill();
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
