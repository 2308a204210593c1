/** The wizard's "Download for me" through the backend: progress, origin, cache, and the recipe view. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { RecipeView, VerifiedFile } from '../../../electron/api/contract.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { loadRecipes, parseRecipe, requireRecipe } from '../../../native/manifests/load.js';
import { DownloadServer, demoAddress, publishDemoPackages } from '../../support/download-server.js';

let dir: string;
let backend: Backend;
let demo: DemoPackages;
const server = new DownloadServer();
const progress: number[] = [];

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-download-file-'));
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 2 * 1024 * 1024 });
    await server.start();
    const recipes = loadRecipes().map((r) => (r.id === 'ks01ltexx' ? parseRecipe({ ...r, downloads: publishDemoPackages(server, demo) }, 'test.json') : r));
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, recipes });
    backend.subscribe((event, payload) => {
        if (event === 'verifyProgress') progress.push((payload as { bytesDone: number }).bytesDone);
    });
    process.env['REVIVE_DOWNLOAD_BASE'] = server.base;
});
afterAll(async () => {
    delete process.env['REVIVE_DOWNLOAD_BASE'];
    await backend?.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
});

async function recipeView(id: string): Promise<RecipeView> {
    const listed = await backend.call('listRecipes', {});
    if (!listed.ok) throw new Error(`${listed.error.code}: ${JSON.stringify(listed.error.facts)}`);
    return (listed.value as RecipeView[]).find((r) => r.id === id) as RecipeView;
}

describe('downloadFile', () => {
    it('downloads the ROM with progress, names its origin, and the recipe view then offers the cached copy', async () => {
        expect((await recipeView('ks01ltexx')).files.find((f) => f.role === 'rom')?.download).toMatchObject({ availability: 'published', cached: false });
        const result = await backend.call('downloadFile', { role: 'rom', recipeId: 'ks01ltexx', verificationId: 'd-rom' });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const verified = result.value as VerifiedFile;
        expect(verified).toMatchObject({ ok: true, fileName: basename(demo.rom), origin: demoAddress('rom', basename(demo.rom)) });
        expect(progress.length).toBeGreaterThan(0);
        expect((await recipeView('ks01ltexx')).files.find((f) => f.role === 'rom')?.download?.cached).toBe(true);
    });

    it('the shipped recipes show what is withdrawn or picked by hand', async () => {
        const s4 = await recipeView('serranoveltexx');
        expect(s4.files.find((f) => f.role === 'su')?.download).toMatchObject({ availability: 'withdrawn', manualPage: 'https://wiki.lineageos.org/' });
        expect(s4.files.find((f) => f.role === 'gapps')?.download).toMatchObject({ availability: 'published' });
    });
});
