/**
 * A 1 GiB download from a publisher on 127.0.0.1, as a person runs it: the whole `revive fetch`
 * process (start, recipe, the download job: resumable, size and SHA-256 checked while it arrives,
 * cached) against the whole `curl -o` process writing the same file, alternating, in the same run.
 * The server is a separate Node process streaming the file from disk, so neither client pays for
 * it; the recipe is a shop recipe in REVIVE_HOME naming the file's size and SHA-256, and
 * REVIVE_DOWNLOAD_BASE points its source at the server. Peak RSS and CPU seconds are each process's
 * own (GNU time). `npx tsx bench/download.bench.ts` runs it alone.
 *
 * The machine is shared: a first round of both is not timed, then ROUNDS alternating rounds give
 * the medians. The untimed round takes one-off costs of a first run: the first `revive` in a fresh
 * REVIVE_HOME compiles its code into Node's compile cache, which every later run (and a person's
 * every run) finds there, and the first client runs just after the publisher wrote and synced its
 * 1 GiB. Each process's CPU seconds are reported too: they depend less on what else runs than
 * wall time does.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MANIFEST_DIR } from '../native/manifests/load.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;
const ROUNDS = 5;
const REVIVE = fileURLToPath(new URL('../bin/revive.js', import.meta.url));
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

/** A whole process under GNU time: wall seconds, CPU seconds (user + system) and peak RSS in MB. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; cpuSeconds: number; rssMB: number; stdout: string }> {
    const started = performance.now();
    const { stdout, stderr } = await exec('/usr/bin/time', ['-f', 'REVIVE_BENCH %M %U %S', command, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    const seconds = (performance.now() - started) / 1000;
    const [, kb, user, system] = /REVIVE_BENCH (\d+) ([\d.]+) ([\d.]+)/.exec(stderr) ?? [];
    return { seconds, cpuSeconds: Number(user) + Number(system), rssMB: Number(kb) / 1024, stdout };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

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
        const home = join(dir, 'home');
        // The shipped recipe with this file as its published GApps: a shop recipe replaces it by id.
        const recipe = JSON.parse(await readFile(join(MANIFEST_DIR, 'ks01ltexx.json'), 'utf8')) as Record<string, unknown>;
        const download = { role: 'gapps', name: 'open_gapps-arm-8.1-nano-20990101.zip', manualPage: 'https://opengapps.org/', availability: 'published', sources: [{ url: ADDRESS, sha256, sizeBytes: GiB }] };
        await mkdir(join(home, 'recipes'), { recursive: true });
        await writeFile(join(home, 'recipes', 'ks01ltexx.json'), JSON.stringify({ ...recipe, downloads: [download] }));
        const env = { ...process.env, REVIVE_HOME: home, REVIVE_DOWNLOAD_BASE: base };
        await exec('sync');

        const curlOnce = async (): Promise<{ seconds: number; cpuSeconds: number }> => {
            const got = await timed('curl', ['-sS', '-f', '-o', join(dir, 'curl.zip'), url], env);
            await rm(join(dir, 'curl.zip'));
            return got;
        };
        const oursOnce = async (): Promise<{ seconds: number; cpuSeconds: number; rssMB: number }> => {
            const got = await timed(process.execPath, [REVIVE, 'fetch', 'ks01ltexx', '--role', 'gapps', '--json'], env);
            const { fetched } = JSON.parse(got.stdout) as { fetched: Array<{ sha256: string; fromCache: boolean }> };
            if (fetched[0]?.sha256 !== sha256 || fetched[0].fromCache) throw new Error('the download was not made and verified');
            await rm(join(home, 'downloads'), { recursive: true });
            return got;
        };
        const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
        await curlOnce();
        const rss: number[] = [(await oursOnce()).rssMB];
        const curl: Array<{ seconds: number; cpuSeconds: number }> = [];
        const ours: Array<{ seconds: number; cpuSeconds: number }> = [];
        for (let round = 0; round < ROUNDS; round++) {
            curl.push(await curlOnce());
            const got = await oursOnce();
            ours.push(got);
            rss.push(got.rssMB);
        }
        const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
        const seconds = (runs: ReadonlyArray<{ seconds: number }>): string => runs.map((r) => r.seconds.toFixed(2)).join('/');
        const cpu = (runs: ReadonlyArray<{ cpuSeconds: number }>): string => median(runs.map((r) => r.cpuSeconds)).toFixed(2);
        return [
            {
                name: 'download 1 GiB from a loopback publisher: revive fetch (size + SHA-256 checked), whole process',
                ours: { seconds: median(ours.map((r) => r.seconds)), peakRssMB: Math.max(...rss) },
                reference: { tool: 'curl -o, whole process', seconds: median(curl.map((r) => r.seconds)) },
                notes: `median of ${ROUNDS} alternating rounds after an untimed one (ours ${seconds(ours)} s, curl ${seconds(curl)} s); CPU (user + system, median): ours ${cpu(ours)} s, curl ${cpu(curl)} s; load average ${loadBefore} before, ${load} after; peak RSS of the revive process; goal: ours <= 1.1x curl (ratio >= 0.91), peak RSS <= 150 MB`,
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
