/**
 * "Download for me" in Chromium, English and German: the wizard fetches every file from a publisher
 * on 127.0.0.1 (the real publishers' URL layouts), shows size and progress, and the review says
 * where each file came from. A file whose every source is gone says so with the page to get it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRecipes, parseRecipe } from '../../native/manifests/load.js';
import type { Recipe } from '../../native/manifests/schema.js';
import { DownloadServer, demoAddress, publishDemoPackages } from '../support/download-server.js';
import { startE2e, type E2e } from './harness.js';
import { Shots, activate, translations } from './wizard.js';
import { basename } from 'node:path';

const server = new DownloadServer();
const savedBase = process.env['REVIVE_DOWNLOAD_BASE'];

beforeAll(async () => {
    process.env['REVIVE_DOWNLOAD_BASE'] = await server.start();
});
afterAll(async () => {
    await server.stop();
    if (savedBase === undefined) delete process.env['REVIVE_DOWNLOAD_BASE'];
    else process.env['REVIVE_DOWNLOAD_BASE'] = savedBase;
});

function withDownloads(demo: Record<'recovery' | 'rom' | 'gapps' | 'su', string>): Recipe[] {
    return loadRecipes().map((recipe) => (recipe.id === 'ks01ltexx' ? parseRecipe({ ...recipe, downloads: publishDemoPackages(server, demo, { dropRomAt: 0.3 }) }, 'e2e.json') : recipe));
}

for (const language of ['en', 'de'] as const) {
    describe(`download in the wizard (${language})`, () => {
        let e2e: E2e;
        beforeAll(async () => {
            e2e = await startE2e({ recipes: withDownloads });
        });
        afterAll(async () => {
            await e2e?.close();
        });

        it('downloads every file, then the review names where each came from', async () => {
            const t = translations(language);
            const { page, demo } = e2e;
            const shots = new Shots(page, language, 'download');
            server.log.length = 0;
            await page.goto(e2e.url(language));
            await activate(page, page.getByRole('button', { name: t('devices.virtualOffer.start') }), 'mouse');
            await activate(page, page.getByRole('button', { name: t('devices.upgrade') }), 'mouse');
            await activate(page, page.getByRole('button', { name: t('wizard.next') }), 'mouse');
            await page.getByRole('heading', { name: t('files.title') }).waitFor();
            await shots.take('files-offer');
            const rows = page.locator('li.file-row');
            for (let i = 0; i < 3; i++) {
                await activate(page, rows.nth(i).getByRole('button', { name: new RegExp(`^${t('download.start')}`) }), 'mouse');
            }
            await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(3);
            expect(await page.getByText(t('files.status.verified-download')).count()).toBe(3);
            await shots.take('files-downloaded');
            // The ROM arrived after a dropped connection: its second request asked for the rest.
            const rom = server.requestsFor(demoAddress('rom', basename(demo.rom)));
            expect(rom.map((r) => r.range === undefined)).toEqual([true, false]);

            // Without su (optional), on to the review: every file says where it came from.
            await activate(page, page.getByRole('button', { name: t('wizard.next') }), 'mouse');
            await page.getByRole('heading', { name: t('review.title') }).waitFor();
            const origins = page.locator('section').filter({ has: page.getByRole('heading', { name: t('download.originsTitle') }) });
            const text = await origins.innerText();
            for (const role of ['recovery', 'rom', 'gapps'] as const) expect(text).toContain(demoAddress(role, basename(demo[role])));
            await shots.take('review-origins');

            // Back on the files: the su add-on's only source has gone away. Refused, with the page to get it by hand.
            await activate(page, page.getByRole('button', { name: t('wizard.back') }), 'mouse');
            const su = new URL(demoAddress('su', basename(demo.su)));
            server.files.delete(`/${su.host}${su.pathname}`);
            await activate(page, page.locator('li.file-row').nth(3).getByRole('button', { name: new RegExp(`^${t('download.start')}`) }), 'mouse');
            await page.getByText(t('download.failed')).waitFor({ timeout: 30_000 });
            expect(await page.getByRole('link', { name: t('download.openPage').replace('{{page}}', 'example.org') }).count()).toBe(1);
            await shots.take('files-download-refused');
        });
    });
}
