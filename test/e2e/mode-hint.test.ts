/**
 * "Not in download mode yet?": the virtual Galaxy S4 is asked into download mode and its owner does
 * not hold the buttons. After the wait (the page's clock is moved on, not slept through) the page
 * lists the common reasons, in English and German; once the buttons are held, the hint goes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MODE_HINT_AFTER_MS } from '../../renderer/src/components/ModeHint.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';
import { activate } from './wizard.js';

describe('a hint when the phone does not appear in the mode asked for', () => {
    let e2e: E2e;
    // A fresh backend and virtual phone for each language: the first run leaves its phone in download mode.
    beforeEach(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterEach(async () => {
        await e2e?.close();
    });

    for (const [language, input] of [['en', 'mouse'], ['de', 'keyboard']] as const) {
        it(`lists the common reasons after ${MODE_HINT_AFTER_MS / 1000} s without download mode (${language}, ${input})`, async () => {
            const person = new Person(e2e, language, input, 'mode-hint');
            const { page, demo } = e2e;
            const t = person.t;
            await page.clock.install();
            await page.setViewportSize({ width: 1280, height: 800 });
            await person.openFilesStep();
            for (const role of ['recovery', 'rom'] as const) await page.locator(`input[type=file][data-role=${role}]`).setInputFiles([demo[role], `${demo[role]}.sha256`]);
            await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
            await person.press(person.button('wizard.next'));
            await person.startUpgrade();

            // Answer the questions, but do not hold the buttons: the phone stays in Android.
            const holding = page.getByRole('button', { name: t('run.holdingButtons') });
            const dialog = page.getByRole('alertdialog');
            for (const deadline = Date.now() + 90_000; !(await holding.isVisible()); ) {
                if (Date.now() > deadline) throw new Error(`No instruction came. The page says:\n${await page.locator('main').innerText()}`);
                if (await dialog.isVisible().catch(() => false)) {
                    await activate(page, dialog.getByRole('button').last(), input);
                    await dialog.waitFor({ state: 'hidden' }).catch(() => undefined);
                }
                await page.waitForTimeout(50);
            }
            const hint = page.locator('section.mode-hint');
            expect(await hint.count()).toBe(0);
            await page.clock.fastForward(MODE_HINT_AFTER_MS - 5000);
            expect(await hint.count()).toBe(0);
            await page.clock.fastForward(10_000);
            await hint.waitFor();
            const said = await hint.innerText();
            expect(said).toContain(t('run.modeHint.title.download'));
            for (const reason of ['cable', 'offFirst', 'downloadKeys', 'driverSamsung', 'battery']) expect(said).toContain(t(`run.modeHint.reasons.${reason}`));
            expect(e2e.backend.virtualPhone?.mode).toBe('android');
            await person.shot(`${language}-not-in-download-mode`);
            await page.setViewportSize({ width: 800, height: 600 });
            await person.shot(`${language}-not-in-download-mode-800x600`);
            await page.setViewportSize({ width: 1280, height: 800 });

            // Holding the buttons now: the phone arrives, the instruction and its hint go.
            await activate(page, holding, input);
            await expect.poll(() => e2e.backend.virtualPhone?.mode, { timeout: 30_000 }).toBe('download');
            await expect.poll(() => hint.count(), { timeout: 30_000 }).toBe(0);
            expect(person.findings).toEqual([]);
        });
    }
});
