/**
 * The virtual-phone box says what it writes and where: the app's real data folder (here the test's
 * REVIVE home), in English and German; then starting it writes there and nowhere else we can see.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

describe('the virtual-phone box', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    for (const language of ['en', 'de'] as const) {
        it(`names the data folder it writes into (${language})`, async () => {
            const person = new Person(e2e, language, 'mouse', 'virtual-offer');
            const { page } = e2e;
            await page.setViewportSize({ width: 1280, height: 800 });
            await page.goto(e2e.url(language));
            const offer = page.locator('section[aria-labelledby="virtual-offer-heading"]');
            await offer.waitFor();
            const said = await offer.innerText();
            expect(said).toContain(person.t('devices.virtualOffer.writes').replace('{{folder}}', e2e.home));
            await person.shot('virtual-offer');
            expect(person.findings).toEqual([]);
        });
    }

    it('writes the virtual phone where the box said', async () => {
        const person = new Person(e2e, 'en', 'mouse', 'virtual-offer-started');
        await e2e.page.goto(e2e.url('en'));
        await person.press(person.button('devices.virtualOffer.start'));
        await expect.poll(() => existsSync(join(e2e.home, 'virtual', 'ks01ltexx', 'state.json')), { timeout: 30_000 }).toBe(true);
    });
});
