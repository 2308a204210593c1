import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedChecksum } from '../../../native/integrity/checksums.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { MANIFEST_DIR, requireRecipe } from '../../../native/manifests/load.js';
import { DownloadServer, demoAddress, publishDemoPackages } from '../../support/download-server.js';
import { runCli } from '../../support/run-cli.js';
import { phoneState } from '../jobs/helpers.js';

let dir: string;
let home: string;
let demo: DemoPackages;
const server = new DownloadServer();
const saved = { home: process.env['REVIVE_HOME'], base: process.env['REVIVE_DOWNLOAD_BASE'] };

const address = demoAddress;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cli-fetch-'));
    home = join(dir, 'home');
    process.env['REVIVE_HOME'] = home;
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 512 * 1024 });
    await server.start();
    process.env['REVIVE_DOWNLOAD_BASE'] = server.base;
    // A shop recipe replacing the shipped one: the same phone, with the demo packages published.
    const recipe = JSON.parse(await readFile(join(MANIFEST_DIR, 'ks01ltexx.json'), 'utf8')) as Record<string, unknown>;
    const downloads = publishDemoPackages(server, demo, { dropRomAt: 0.3 });
    await mkdir(join(home, 'recipes'), { recursive: true });
    await writeFile(join(home, 'recipes', 'ks01ltexx.json'), JSON.stringify({ ...recipe, downloads }));
});
afterAll(async () => {
    await server.stop();
    for (const [key, value] of [['REVIVE_HOME', saved.home], ['REVIVE_DOWNLOAD_BASE', saved.base]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
    }
    await rm(dir, { recursive: true, force: true });
});

const cli = runCli;

describe('revive upgrade --fetch and revive fetch', () => {
    it('upgrades a virtual phone with files it downloads (the ROM after a dropped connection), then a second phone from the cache', async () => {
        const first = await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', join(dir, 'phone1'), '--fetch', '--no-backup', '--yes', '--json']);
        expect(first.code, `${first.err}\n${first.out.slice(-1500)}`).toBe(0);
        const events = first.out.trim().split('\n').map((line) => JSON.parse(line) as JobEvent);
        const done = events.at(-1);
        expect(done?.type).toBe('done');
        if (done?.type !== 'done') return;
        expect(done.report.files.map((f) => [f.role, f.checksumSource, f.origin])).toEqual([
            ['recovery', 'download', address('recovery', basename(demo.recovery))],
            ['rom', 'download', address('rom', basename(demo.rom))],
            ['gapps', 'download', address('gapps', basename(demo.gapps))],
            ['su', 'download', address('su', basename(demo.su))],
        ]);
        expect(phoneState(join(dir, 'phone1')).installed).toHaveLength(3);
        const romRequests = server.requestsFor(address('rom', basename(demo.rom)));
        expect(romRequests.map((r) => r.range === undefined)).toEqual([true, false]);

        const before = server.log.length;
        const second = await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', join(dir, 'phone2'), '--fetch', '--no-backup', '--yes', '--json']);
        expect(second.code, second.out.slice(-1500)).toBe(0);
        expect(server.log.length).toBe(before);
        expect(phoneState(join(dir, 'phone2')).installed).toHaveLength(3);
    });

    it('revive fetch --role gapps --to DIR copies the verified file, which the gate then accepts as downloaded', async () => {
        const to = join(dir, 'fetched');
        const result = await cli(['fetch', 'ks01ltexx', '--role', 'gapps', '--to', to]);
        expect(result.code, result.err).toBe(0);
        expect(result.out).toMatch(/^gapps: open_gapps-arm-8\.1-nano-REVIVE-DEMO\.zip \(\d+ bytes, SHA-256 [0-9a-f]{64}\) from the cache; checked: sha256:recipe$/m);
        expect(existsSync(join(to, basename(demo.gapps)))).toBe(true);
        expect(expectedChecksum(requireRecipe('ks01ltexx'), 'gapps', join(to, basename(demo.gapps)))).toMatchObject({ source: 'download', from: address('gapps', basename(demo.gapps)) });
    });

    it('a file the recipe cannot fetch is refused with the page to get it by hand', async () => {
        // The shipped Nexus 6 recipe: LineageOS 15.1 builds are not pinned (picked by hand).
        const result = await cli(['fetch', 'shamu', '--role', 'rom']);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(/does not download the rom for the Google Nexus 6 itself/);
        expect(result.err).toMatch(/https:\/\/download\.lineageos\.org\/devices\/shamu\/builds/);
        expect((await cli(['fetch', 'ks01ltexx', '--role', 'firmware'])).code).toBe(2);
    });

    it('Ctrl-C while the proxy has not answered the CONNECT stops revive fetch at once, saying what to do', async () => {
        // A proxy that reads the CONNECT and never answers; the sources behind it are https, so they go through it.
        const heads: string[] = [];
        const clients: Socket[] = [];
        const proxy = createServer((client) => {
            clients.push(client);
            client.on('data', (data: Buffer) => heads.push(data.toString('latin1')));
        });
        await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
        const ownHome = join(dir, 'home-proxy');
        await mkdir(join(ownHome, 'recipes'), { recursive: true });
        await writeFile(join(ownHome, 'recipes', 'ks01ltexx.json'), await readFile(join(home, 'recipes', 'ks01ltexx.json')));
        const env = { ...process.env, REVIVE_HOME: ownHome, REVIVE_DOWNLOAD_BASE: 'https://downloads.test', HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as { port: number }).port}` };
        const child = spawn(process.execPath, ['bin/revive.js', 'fetch', 'ks01ltexx', '--role', 'gapps'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stderr.on('data', (data: Buffer) => (err += data.toString()));
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        try {
            await expect.poll(() => heads.join(''), { timeout: 60_000 }).toMatch(/^CONNECT downloads\.test:443 HTTP\/1\.1\r\n/);
            child.kill('SIGINT');
            expect(await exited).toBe(1);
            expect(err).toContain(`Downloading ${basename(demo.gapps)} was stopped`);
            expect(err).toContain('Run the same command again');
            expect(err).not.toMatch(/unexpected/i);
        } finally {
            child.kill('SIGKILL');
            for (const client of clients) client.destroy();
            await new Promise<void>((resolve) => proxy.close(() => resolve()));
        }
    });
});
