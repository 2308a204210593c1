/**
 * "What do these words mean?" on the Files, Check and run screens of a virtual Galaxy S4: opened with
 * the mouse in English and with the keyboard in German, each word explained in one sentence, the
 * codename next to the phone's name; axe finds nothing serious.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

describe('the glossary', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    for (const [language, input] of [['en', 'mouse'], ['de', 'keyboard']] as const) {
        it(`explains the words of the Odin path (${language}, ${input})`, async () => {
            const person = new Person(e2e, language, input, 'glossary');
            const { page, demo } = e2e;
            const t = person.t;
            await page.setViewportSize({ width: 1280, height: 800 });
            await person.openFilesStep();

            const glossary = page.locator('details.glossary');
            const summary = glossary.locator('summary');
            expect(await summary.innerText()).toBe(t('glossary.title'));
            expect(await glossary.getAttribute('open')).toBeNull();
            if (input === 'keyboard') {
                await summary.focus();
                await page.keyboard.press('Enter');
            } else {
                await summary.click();
            }
            await expect.poll(() => glossary.getAttribute('open')).not.toBeNull();
            const said = await glossary.innerText();
            for (const term of ['downloadMode', 'odin', 'twrp', 'sideload', 'knox', 'usbDebugging']) {
                expect(said).toContain(t(`glossary.terms.${term}.word`));
                expect(said).toContain(t(`glossary.terms.${term}.meaning`));
            }
            expect(said).toContain(t('glossary.terms.codename.meaning').replace('{{codename}}', 'ks01ltexx').replace('{{name}}', 'Samsung Galaxy S4 LTE-A'));
            expect(said).not.toContain('fastboot');
            await person.shot(`${language}-files-glossary`);

            for (const role of ['recovery', 'rom'] as const) await page.locator(`input[type=file][data-role=${role}]`).setInputFiles([demo[role], `${demo[role]}.sha256`]);
            await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
            await person.press(person.button('wizard.next'));
            await page.getByRole('heading', { name: t('review.title') }).waitFor();
            expect(await page.locator('details.glossary summary').innerText()).toBe(t('glossary.title'));
            await person.shot(`${language}-review`);
            expect(person.findings).toEqual([]);
            await person.press(person.button('wizard.back'));
            await person.press(person.button('wizard.back'));
        });
    }
});
