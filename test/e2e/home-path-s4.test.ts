/**
 * The home path on a virtual Galaxy S4, in German with the keyboard alone and in English with the
 * mouse: a ROM for another phone
 * is refused on the Files step (its checksum is fine, it just does not fit), a refused optional
 * file is removed, the cable is pulled during the install, and the upgrade continues in the app.
 */
import { appendFileSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';
import { activate } from './wizard.js';

describe.each([
    ['de', 'keyboard'],
    ['en', 'mouse'],
] as const)('home path: Galaxy S4 in Chromium (%s, %s)', (language, input) => {
    let e2e: E2e;
    let nexus: DemoPackages;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
        nexus = await generateDemoPackages(join(e2e.home, 'downloads-shamu'), requireRecipe('shamu'), { romBytes: 256 * 1024 });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    async function pick(person: Person, page: Page, role: string, files: string[], label: string): Promise<void> {
        const row = page.locator('li.file-row').filter({ has: page.locator(`input[data-role=${role}]`) });
        const chooser = page.waitForEvent('filechooser');
        // Where Revive could download the file, the picker says "I have it already".
        const button = row.getByRole('button', { name: label, exact: true }).or(row.getByRole('button', { name: person.t('download.haveIt'), exact: true }));
        await activate(page, button, 'keyboard');
        await (await chooser).setFiles(files);
    }

    it('refuses a misfit file at once, lets a refused file go, and continues after a pulled cable', async () => {
        const person = new Person(e2e, language, input, `home-path-s4-${input}`);
        const { page, demo } = e2e;
        const t = person.t;
        await page.setViewportSize({ width: 1280, height: 800 });
        await person.openFilesStep();

        // The Nexus 6 ROM: its checksum matches its .sha256, but it is for another phone.
        await pick(person, page, 'recovery', [demo.recovery, `${demo.recovery}.sha256`], t('files.choose'));
        await pick(person, page, 'rom', [nexus.rom, `${nexus.rom}.sha256`], t('files.choose'));
        const romRow = page.locator('li.file-row').filter({ has: page.locator('input[data-role=rom]') });
        await expect.poll(() => romRow.getAttribute('class'), { timeout: 30_000 }).toContain('refused');
        expect(await romRow.innerText()).toContain(t('files.status.misfit'));
        expect(await romRow.innerText()).toContain('shamu');
        expect(await person.button('wizard.next').isDisabled()).toBe(true);
        await person.shot('rom-for-another-phone');
        await pick(person, page, 'rom', [demo.rom, `${demo.rom}.sha256`], t('files.chooseOther'));
        await expect.poll(() => romRow.getAttribute('class'), { timeout: 30_000 }).toContain('verified');

        // A damaged optional file is refused; removing it opens the way.
        const damaged = join(e2e.home, 'downloads', 'damaged-gapps.zip');
        copyFileSync(demo.gapps, damaged);
        appendFileSync(damaged, 'x');
        const sums = readFileSync(`${demo.gapps}.sha256`, 'utf8').replace(/\S+$/m, 'damaged-gapps.zip');
        const sidecar = `${damaged}.sha256`;
        appendFileSync(sidecar, sums);
        await pick(person, page, 'gapps', [damaged, sidecar], t('files.choose'));
        const gappsRow = page.locator('li.file-row').filter({ has: page.locator('input[data-role=gapps]') });
        await expect.poll(() => gappsRow.getAttribute('class'), { timeout: 30_000 }).toContain('refused');
        expect(await person.button('wizard.next').isDisabled()).toBe(true);
        await person.shot('optional-refused');
        await person.press(gappsRow.getByRole('button', { name: t('files.remove') }));
        await expect.poll(() => person.button('wizard.next').isEnabled()).toBe(true);
        await pick(person, page, 'su', [demo.su, `${demo.su}.sha256`], t('files.choose'));
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(3);
        await person.shot('files-fit');
        await person.press(person.button('wizard.next'));
        await page.getByRole('heading', { name: t('review.title') }).waitFor();
        await page.setViewportSize({ width: 800, height: 600 });
        await person.shot('review-800x600');
        await page.setViewportSize({ width: 1280, height: 800 });
        await person.startUpgrade();

        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        // At the erase question (the job waits there), the whole upgrade's progress: steps done of
        // all, as the step list shows them, and the files' bytes on the phone (TWRP by now).
        const eraseQuestion = page.getByRole('alertdialog').getByRole('heading', { name: t('job.confirms.erase.question') });
        await person.drive(() => eraseQuestion.isVisible(), (question) => (question === t('job.confirms.erase.question') ? 'stop-driving' : true));
        const overall = page.getByTestId('overall-progress');
        const stepsSaid = async (): Promise<boolean> => {
            const total = await page.locator('.job-steps li').count();
            const finished = await page.locator('.job-steps li.done, .job-steps li.skipped').count();
            const said = t('run.overall.steps').replace('{{done}}', String(finished)).replace('{{total}}', String(total));
            return (await overall.innerText()).includes(said);
        };
        await expect.poll(stepsSaid, { timeout: 15_000 }).toBe(true);
        expect(await overall.innerText()).toContain(t('run.overall.bytes').split('{{')[0]);
        await person.shot('overall-progress');
        // Pull the cable 64 KB into the ROM: armed by the phone itself as it enters sideload, so a busy machine cannot miss the moment.
        let pulled = false;
        const arm = (mode: string): void => {
            if (mode !== 'sideload' || pulled) return;
            pulled = true;
            phone.faults.unplugAfterBytes = 64 * 1024;
        };
        phone.on('mode', arm);
        await person.drive(async () => phone.isUnplugged, () => true);
        phone.off('mode', arm);
        const failed = page.getByRole('heading', { name: t('run.failed.title') });
        await failed.waitFor({ timeout: 60_000 });
        await person.focusOn('#failed-heading');
        await person.shot('cable-pulled');
        const stateDir = join(e2e.home, 'virtual', 'ks01ltexx');
        const now = await person.phoneNowAgrees(stateDir);
        expect(now).toContain(t('run.phoneNow.erasedNoSystem'));
        expect(await page.locator('.job-steps li.failed').count()).toBe(1);

        // Continue in the app; plugging the cable back in is what the person does when asked.
        await person.press(person.button('jobs.continue'));
        await page
            .getByText(t('job.instructions.connect').replace('{{name}}', 'Samsung Galaxy S4 LTE-A'))
            .waitFor({ timeout: 30_000 })
            .catch(async (error: unknown) => {
                throw new Error(`${String(error)}\nThe page says:\n${await page.locator('main').innerText()}`);
            });
        await person.shot('connect-again');
        phone.replug();
        const done = page.getByRole('heading', { name: t('run.done.title') });
        await person.drive(() => done.isVisible(), () => true);
        await person.focusOn('#done-heading');
        await person.shot('done');
        // The backup is named by date, model and serial, and its path can be copied.
        expect(await page.locator('main').innerText()).toMatch(/backups\/\d{8}-\d{4}-GT-I9506-/);
        expect(await person.button('run.done.copyPath').isVisible()).toBe(true);
        // A browser has no desktop shell: "Open the folder" is offered only in the Electron window.
        expect(await person.button('run.done.openFolder').count()).toBe(0);
        const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { installed: unknown[] };
        expect(state.installed).toHaveLength(2);
        expect(person.findings).toEqual([]);
    });
});
