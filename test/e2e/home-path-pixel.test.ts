/**
 * The home path on a virtual Pixel 3a, whose unlock erases it (English and German): the photos are on
 * the computer, checked, before the unlock question appears; a deliberate Stop at the erase
 * question is a stop, not a failure; the upgrade continues in the app; a page opened during the
 * job shows the job as it is and finishes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { ageOnTerminal } from '../support/age-terminal.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';
import { UPGRADE_PASSPHRASE } from './wizard.js';

const PHOTOS: Record<string, string> = { 'DCIM/Camera/IMG_0001.jpg': 'the cat on the sofa', 'Download/boarding-pass.pdf': 'seat 12A' };

describe.each(['en', 'de'] as const)('home path: Pixel 3a in Chromium (%s, mouse)', (language) => {
    let e2e: E2e;
    let demo: DemoPackages;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
        demo = await generateDemoPackages(join(e2e.home, 'downloads-sargo'), requireRecipe('sargo'), { romBytes: 512 * 1024 });
        for (const [path, text] of Object.entries(PHOTOS)) {
            const file = join(e2e.home, 'virtual', 'sargo', 'fs', 'data', 'media', '0', ...path.split('/'));
            mkdirSync(join(file, '..'), { recursive: true });
            writeFileSync(file, text);
        }
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('copies the photos before the unlock, stops on request, continues in the app and in a reopened page', async () => {
        const person = new Person(e2e, language, 'mouse', 'home-path-pixel');
        const { page } = e2e;
        const t = person.t;
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(e2e.url(language));
        await page.getByRole('combobox', { name: t('devices.virtualOffer.model') }).selectOption('sargo');
        await person.press(person.button('devices.virtualOffer.start'));
        await person.button('devices.upgrade').waitFor();
        await person.shot('phone-list');
        await person.press(person.button('devices.upgrade'));
        await person.press(person.button('wizard.next'));
        await page.locator('input[type=file][data-role=recovery]').setInputFiles([demo.recovery, `${demo.recovery}.sha256`]);
        await page.locator('input[type=file][data-role=rom]').setInputFiles([demo.rom, `${demo.rom}.sha256`]);
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
        await person.shot('files');
        await person.press(person.button('wizard.next'));
        await page.setViewportSize({ width: 800, height: 600 });
        await person.shot('review-800x600');
        const review = await page.locator('main').innerText();
        // The review lists the copy before the unlock, and the box promises only what will happen.
        expect(review.indexOf(t('review.steps.save-storage'))).toBeLessThan(review.indexOf(t('review.steps.unlock')));
        expect(review).toContain(t('review.backupOnWipes'));
        // Notes meant for developers stay in the recipe.
        for (const developerWords of ['recoveryPartition', 'set_active', 'fastboot flash', '`']) expect(review).not.toContain(developerWords);
        await page.setViewportSize({ width: 1280, height: 800 });
        await person.startUpgrade();

        // Until the unlock question: then every photo must already be on the computer, checked.
        const stateDir = join(e2e.home, 'virtual', 'sargo');
        const backups = join(e2e.home, 'backups');
        const copiesAtUnlock: Record<string, string | null> = {};
        const unlockQuestion = t('job.confirms.unlock.questionWipes');
        const eraseQuestion = t('job.confirms.erase.question');
        const stopped = page.getByRole('heading', { name: t('run.cancelled.title') });
        await person.drive(
            () => stopped.isVisible(),
            (question) => {
                if (question === unlockQuestion) {
                    // The photos are in one encrypted archive, opened without Revive: age -d with the passphrase typed on the review page, then tar x.
                    const [folder] = existsSync(backups) ? readdirSync(backups) : [];
                    const [archive] = folder ? readdirSync(join(backups, folder)).filter((name) => name.endsWith('-storage.tar.age')) : [];
                    const out = join(e2e.home, `opened-${language}`);
                    if (folder && archive) {
                        mkdirSync(out, { recursive: true });
                        ageOnTerminal(['-d', '-o', join(out, 'storage.tar'), join(backups, folder, archive)], [UPGRADE_PASSPHRASE]);
                        execFileSync('tar', ['-xf', join(out, 'storage.tar'), '-C', out]);
                    }
                    for (const path of Object.keys(PHOTOS)) {
                        const copy = join(out, 'storage', ...path.split('/'));
                        copiesAtUnlock[path] = existsSync(copy) ? readFileSync(copy, 'utf8') : null;
                    }
                    return true;
                }
                // Stop on purpose at the erase question.
                return question !== eraseQuestion;
            },
        );
        expect(copiesAtUnlock).toEqual(PHOTOS);
        // The backup folder says when and which phone: date, model, serial.
        expect(readdirSync(backups).join(',')).toMatch(/^\d{8}-\d{4}-G020A-/);
        // A stop, not a failure: no red box, and "the phone now" matches the phone.
        expect(await page.getByRole('heading', { name: t('run.failed.title') }).count()).toBe(0);
        await person.focusOn('#stopped-heading');
        await person.shot('stopped');
        const now = await person.phoneNowAgrees(stateDir);
        expect(now).toContain(t('run.phoneNow.unlockedWiped'));
        expect(now).not.toContain(t('run.phoneNow.erased'));
        expect(await page.locator('.job-steps li.stopped').count()).toBe(1);

        // Continue in the app; while it waits at the erase question, open the page again.
        await person.press(person.button('jobs.continue'));
        await person.drive(() => page.getByRole('alertdialog').isVisible(), () => 'stop-driving');
        await expect.poll(() => page.getByRole('alertdialog').getByRole('heading').textContent()).toBe(eraseQuestion);
        const second = await e2e.context.newPage();
        await second.setViewportSize({ width: 800, height: 600 });
        await second.goto(e2e.url(language));
        await second.getByRole('alertdialog').getByRole('heading', { name: eraseQuestion }).waitFor({ timeout: 15_000 });
        // The reopened page is back in the job: the phone is not "busy with another program" (Revive itself).
        expect(await second.locator('main').innerText()).not.toContain(t('states.busy'));
        await person.shot('reopened-800x600', second);
        await page.close();
        const done = second.getByRole('heading', { name: t('run.done.title') });
        await person.drive(() => done.isVisible(), () => true, second);
        await person.focusOn('#done-heading', second);
        await person.shot('done', second);
        const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { installed: unknown[]; bootloaderLocked: boolean };
        expect(state.installed).toHaveLength(1);
        expect(state.bootloaderLocked).toBe(false);
        expect(person.findings).toEqual([]);
    });
});
