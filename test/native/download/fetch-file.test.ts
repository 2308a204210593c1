import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchRecipeFile } from '../../../native/download/fetch-file.js';
import { loadSigners, type Signers } from '../../../native/download/signers.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { loadRecipes, parseRecipe } from '../../../native/manifests/load.js';
import type { FileDownload, Recipe } from '../../../native/manifests/schema.js';
import { DownloadServer } from '../../support/download-server.js';
import { freePort } from '../../support/free-port.js';
import { makeTestSigner, makeZip, signPackage } from '../../support/signed-package.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const base = loadRecipes().find((r) => r.id === 'ks01ltexx') as Recipe;
const recipeWith = (...downloads: object[]): Recipe => parseRecipe({ ...base, downloads }, 'test.json');

const GAPPS_URL = 'https://sourceforge.net/projects/opengapps/files/arm/20181013/open_gapps-arm-8.1-nano-20181013.zip/download';
const MIRROR_URL = 'https://mirror.example.org/opengapps/open_gapps-arm-8.1-nano-20181013.zip';
const gapps = (body: Buffer, urls = [GAPPS_URL]): object => ({
    role: 'gapps',
    name: 'open_gapps-arm-8.1-nano-20181013.zip',
    manualPage: 'https://opengapps.org/',
    availability: 'published',
    sources: urls.map((url) => ({ url, sha256: sha(body), sizeBytes: body.length })),
});

let server: DownloadServer;
let home: string;
beforeEach(async () => {
    server = new DownloadServer();
    await server.start();
    home = mkdtempSync(join(tmpdir(), 'revive-fetch-'));
});
afterEach(async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
});

describe('download job', () => {
    it('a connection dropped at 30 % resumes with a Range request, not from the start', async () => {
        const body = randomBytes(3 * 1024 * 1024);
        server.serve(GAPPS_URL, { body, dropAfter: Math.floor(body.length * 0.3) });
        const recipe = recipeWith(gapps(body));
        const logs: string[] = [];
        const got = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base, onLog: (l) => logs.push(l) });
        const requests = server.requestsFor(GAPPS_URL);
        expect(requests).toHaveLength(2);
        expect(requests[0]?.range).toBeUndefined();
        const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]?.range ?? '')?.[1]);
        expect(resumedAt).toBeGreaterThan(0);
        expect(resumedAt).toBeLessThanOrEqual(Math.floor(body.length * 0.3));
        // The first part was not fetched again: what the server sent adds up to the file once.
        expect((requests[0]?.sent ?? 0) + (requests[1]?.sent ?? 0)).toBeLessThan(body.length + 256 * 1024);
        expect(got.sha256).toBe(sha(body));
        expect(readFileSync(got.path).equals(body)).toBe(true);
        expect(got.checks).toEqual(['sha256:recipe']);
        expect(logs.some((l) => /dropped after/.test(l))).toBe(true);
    });

    it('resumes after a restart: the part and its source are kept', async () => {
        const body = randomBytes(1024 * 1024);
        server.serve(GAPPS_URL, { body, dropAfter: 400 * 1024, dropTimes: 1 });
        const recipe = recipeWith(gapps(body));
        const download = recipe.downloads[0] as FileDownload;
        // First run gives up at the first drop, as a closed app would.
        await expect(fetchRecipeFile(recipe, download, { home, baseUrl: server.base, maxResumes: 0 })).rejects.toThrow(/connection kept dropping/);
        const got = await fetchRecipeFile(recipe, download, { home, baseUrl: server.base });
        expect(server.requestsFor(GAPPS_URL).at(-1)?.range).toMatch(/^bytes=\d+-$/);
        expect(got.sha256).toBe(sha(body));
    });

    it('a server that sends other bytes is refused, the file deleted, and the next source used', async () => {
        const body = randomBytes(200 * 1024);
        const other = randomBytes(body.length);
        server.serve(GAPPS_URL, other);
        server.serve(MIRROR_URL, body);
        const recipe = recipeWith(gapps(body, [GAPPS_URL, MIRROR_URL]));
        const got = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base });
        expect(got.source).toBe(MIRROR_URL);
        expect(got.refused).toEqual([expect.objectContaining({ url: GAPPS_URL, reason: 'mismatch', detail: expect.stringContaining(sha(other)) })]);
        const dir = join(home, 'downloads', 'ks01ltexx');
        expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
        const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8');
        expect(journal).toContain('"event":"refused:mismatch"');
        expect(journal).toContain(GAPPS_URL);
    });

    it('a 404 on every source says so and names the page to download it by hand', async () => {
        const body = randomBytes(1000);
        const recipe = recipeWith(gapps(body, [GAPPS_URL, MIRROR_URL]));
        const error = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).code).toBe('download-failed');
        expect((error as ReviveError).message).toContain(`${GAPPS_URL}: not there (404)`);
        expect((error as ReviveError).message).toContain(`${MIRROR_URL}: not there (404)`);
        expect((error as ReviveError).nextStep).toContain('https://opengapps.org/');
    });

    it('the cache serves the second phone without any request', async () => {
        const body = randomBytes(64 * 1024);
        server.serve(GAPPS_URL, body);
        const recipe = recipeWith(gapps(body));
        await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base });
        const before = server.log.length;
        const again = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base });
        expect(server.log.length).toBe(before);
        expect(again.fromCache).toBe(true);
        expect(again.sha256).toBe(sha(body));
    });

    it('never follows a redirect to plain http', async () => {
        const body = randomBytes(1000);
        server.serve(GAPPS_URL, { body, redirectTo: 'http://downloads.example.org/x.zip' });
        const recipe = recipeWith(gapps(body));
        await expect(fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base })).rejects.toThrow(/sent the download on to http:\/\/downloads\.example\.org/);
    });

    it('offline: one sentence, and the manual page', async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const recipe = recipeWith(gapps(randomBytes(10)));
        const error = (await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: closed }).catch((e: unknown) => e)) as ReviveError;
        expect(error.code).toBe('download-offline');
        expect(error.message).toBe('Revive cannot reach the internet, so it cannot download open_gapps-arm-8.1-nano-20181013.zip.');
        expect(error.nextStep).toContain('https://opengapps.org/');
    });

    it('a withdrawn file is not fetched: the recipe says so and names the manual page', async () => {
        const error = (await fetchRecipeFile(base, base.downloads.find((d) => d.role === 'su') as FileDownload, { home, baseUrl: server.base }).catch((e: unknown) => e)) as ReviveError;
        expect(error.code).toBe('download-withdrawn');
        expect(error.message).toMatch(/no longer published.*2023-02-24/);
        expect(server.log).toHaveLength(0);
    });
});

describe('signatures of downloads', () => {
    let keys: { publicKey: string; privateKey: string; fingerprint: string };
    beforeAll(async () => {
        const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Test TeamWin', email: 'test@example.org' }], format: 'armored' });
        keys = { publicKey, privateKey, fingerprint: (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint() };
    });
    const signersFor = (fingerprint: string): Signers => ({ ...loadSigners(), twrp: { ...loadSigners().twrp, fingerprint } });
    const IMG = 'https://dl.twrp.me/shamu/twrp-3.3.1-0-shamu.img';

    async function serveTwrp(body: Buffer, signedBody: Buffer = body): Promise<void> {
        const message = await openpgp.createMessage({ binary: signedBody });
        const signature = await openpgp.sign({ message, signingKeys: await openpgp.readPrivateKey({ armoredKey: keys.privateKey }), detached: true });
        server.serve(IMG, body);
        server.serve(`${IMG}.sha256`, `${sha(body)}  twrp-3.3.1-0-shamu.img\n`);
        server.serve(`${IMG}.asc`, String(signature));
        server.serve('https://dl.twrp.me/public.asc', keys.publicKey);
    }

    it('checks the publisher checksum file and OpenPGP signature, sending the page as Referer (the real shamu recipe entry)', async () => {
        const body = randomBytes(300 * 1024);
        await serveTwrp(body);
        const recipe = loadRecipes().find((r) => r.id === 'shamu') as Recipe;
        const got = await fetchRecipeFile(recipe, recipe.downloads.find((d) => d.role === 'recovery') as FileDownload, { home, baseUrl: server.base, signers: signersFor(keys.fingerprint) });
        expect(got.checks).toEqual(['sha256:publisher', 'openpgp:twrp']);
        expect(server.requestsFor(IMG)[0]?.referer).toBe(`${IMG}.html`);
    });

    it('refuses a signature by a key other than the pinned one, and a bad signature', async () => {
        const body = randomBytes(100 * 1024);
        await serveTwrp(body);
        const recipe = loadRecipes().find((r) => r.id === 'shamu') as Recipe;
        const download = recipe.downloads.find((d) => d.role === 'recovery') as FileDownload;
        // The shipped pin (TeamWin's real fingerprint) does not accept the test key.
        await expect(fetchRecipeFile(recipe, download, { home, baseUrl: server.base })).rejects.toThrow(/not the pinned 95707d42307c9d41d09bf7091d8597d7891a43df/);
        await serveTwrp(body, randomBytes(body.length));
        await expect(fetchRecipeFile(recipe, download, { home, baseUrl: server.base, signers: signersFor(keys.fingerprint) })).rejects.toThrow(/the signature did not verify/);
        expect(existsSync(join(home, 'downloads', 'shamu', 'twrp-3.3.1-0-shamu.img'))).toBe(false);
    });

    it('checks an official package\'s whole-file signature against the pinned release key', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'revive-sig-'));
        try {
            const signer = makeTestSigner(dir);
            const zip = signPackage(await makeZip({ 'META-INF/com/google/android/update-binary': 'x' }), signer, dir);
            const ROM = 'https://mirrorbits.lineageos.org/full/shamu/20200101/lineage-15.1-20200101-nightly-shamu-signed.zip';
            server.serve(ROM, zip);
            const download = { role: 'rom', name: 'lineage-15.1-20200101-nightly-shamu-signed.zip', manualPage: 'https://download.lineageos.org/devices/shamu/builds', availability: 'published', packageSigner: 'lineageos', sources: [{ url: ROM, sha256: sha(zip) }] };
            const recipe = recipeWith(download);
            const test = { ...loadSigners(), lineageos: { ...loadSigners().lineageos, certificateSha256: signer.certificateSha256 } };
            const got = await fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base, signers: test });
            expect(got.checks).toEqual(['sha256:recipe', 'package:lineageos']);
            // With LineageOS' real key pinned, the same bytes are refused and deleted.
            rmSync(join(home, 'downloads'), { recursive: true });
            await expect(fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, baseUrl: server.base })).rejects.toThrow(/signature did not verify.*signed by another key/);
            expect(existsSync(join(home, 'downloads', 'ks01ltexx', download.name))).toBe(false);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe('proxy', () => {
    let proxy: Server;
    const seen: string[] = [];
    beforeAll(async () => {
        proxy = createServer((socket) => {
            socket.once('data', (data) => {
                seen.push(data.toString('latin1').split('\r\n')[0] ?? '');
                socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
            });
        });
        await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    it('HTTPS_PROXY is honoured: the download tunnels through it', async () => {
        const port = (proxy.address() as { port: number }).port;
        const recipe = recipeWith(gapps(randomBytes(10)));
        await expect(fetchRecipeFile(recipe, recipe.downloads[0] as FileDownload, { home, env: { HTTPS_PROXY: `http://127.0.0.1:${port}` } })).rejects.toThrow();
        expect(seen[0]).toBe('CONNECT sourceforge.net:443 HTTP/1.1');
    });
});
