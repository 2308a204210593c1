/**
 * A TWRP built for another phone is refused on the Files step, from the image's own ramdisk
 * properties (its checksum is fine): the Nexus 6's TWRP offered to a Galaxy S4, in English with the
 * mouse and in German with the keyboard; then the right TWRP opens the way.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';
import { activate } from './wizard.js';

describe('a TWRP for another phone, refused on the Files step', () => {
    let e2e: E2e;
    let nexus: DemoPackages;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
        nexus = await generateDemoPackages(join(e2e.home, 'downloads-shamu'), requireRecipe('shamu'), { romBytes: 128 * 1024 });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    async function pick(person: Person, page: Page, files: string[], label: string): Promise<void> {
        const row = page.locator('li.file-row').filter({ has: page.locator('input[data-role=recovery]') });
        const chooser = page.waitForEvent('filechooser');
        await activate(page, row.getByRole('button', { name: label, exact: true }).or(row.getByRole('button', { name: person.t('download.haveIt'), exact: true })), person.input);
        await (await chooser).setFiles(files);
    }

    for (const [language, input] of [['en', 'mouse'], ['de', 'keyboard']] as const) {
        it(`says which phone the TWRP is for and keeps "Next" closed (${language}, ${input})`, async () => {
            const person = new Person(e2e, language, input, 'recovery-for-another-phone');
            const { page, demo } = e2e;
            const t = person.t;
            await page.setViewportSize({ width: 1280, height: 800 });
            await person.openFilesStep();

            await pick(person, page, [nexus.recovery, `${nexus.recovery}.sha256`], t('files.choose'));
            const row = page.locator('li.file-row').filter({ has: page.locator('input[data-role=recovery]') });
            await expect.poll(() => row.getAttribute('class'), { timeout: 30_000 }).toContain('refused');
            const said = await row.innerText();
            const expected = t('errors.recovery-wrong-device.message')
                .replace('{{fileName}}', 'twrp-REVIVE-DEMO-shamu.img')
                .replace('{{found}}', 'Google Nexus 6 (shamu)')
                .replace('{{phone}}', 'Samsung Galaxy S4 LTE-A (ks01ltexx)');
            expect(said).toContain(expected);
            expect(said).toContain(t('files.status.misfit'));
            expect(await person.button('wizard.next').isDisabled()).toBe(true);
            await person.shot(`${language}-twrp-for-nexus-6`);

            await pick(person, page, [demo.recovery, `${demo.recovery}.sha256`], t('files.chooseOther'));
            await expect.poll(() => row.getAttribute('class'), { timeout: 30_000 }).toContain('verified');
            expect(await row.innerText()).not.toContain('shamu');
            await person.shot(`${language}-twrp-for-this-phone`);
            expect(person.findings).toEqual([]);
        });
    }
});
