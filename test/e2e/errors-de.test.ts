/**
 * Errors in German (Chromium, mouse): a damaged download, a Samsung that is another model, a cable
 * pulled mid-flash, files gone before a resume and a bootloader that refuses because it is locked.
 * Each refusal is worded on the page from the German locale; no English sentence appears — checked
 * against every English text in the locale file and a list of common English words.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_IDS } from '../../electron/jobs/upgrade/ids.js';
import { generateDemoPackages } from '../../native/integrity/demo-packages.js';
import { Journal } from '../../native/jobs/journal.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { resourcePath } from '../../native/resources.js';
import { ROOT, startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

type Json = { [key: string]: string | Json };
const locale = (language: 'en' | 'de'): Json => JSON.parse(readFileSync(join(ROOT, 'renderer', 'locales', language, 'translation.json'), 'utf8')) as Json;

/** Every English sentence piece of three words or more that German words differently. */
function englishPieces(): string[] {
    const pieces = new Set<string>();
    const walk = (en: Json, de: Json | undefined): void => {
        for (const [key, value] of Object.entries(en)) {
            const other = de?.[key];
            if (typeof value === 'object') walk(value, typeof other === 'object' ? other : undefined);
            else if (value !== other) {
                for (const piece of value.split(/\{\{[^}]*\}\}|\$t\([^)]*\)|[„“"'()]/)) {
                    const words = piece.trim().match(/[A-Za-z]{2,}/g) ?? [];
                    if (words.length >= 3) pieces.add(piece.trim());
                }
            }
        }
    };
    walk(locale('en'), locale('de'));
    return [...pieces];
}

// Lower-case English words that are not German words too (so not "was", "die", "an", "in").
const ENGLISH_WORDS = /\b(the|and|is|are|were|not|your|you|with|this|that|could|failed|please|again|cannot|does|did|has|have|been|which|when|phone|into|from|for|of|to)\b/g;

/** The visible text of the page has no English sentence: none of the locale's, and no common English words. */
async function noEnglish(page: Page, where: string): Promise<string> {
    const text = await page.locator('body').innerText();
    for (const piece of englishPieces()) expect(text, `${where}: English "${piece}" on the page`).not.toContain(piece);
    const words = [...text.matchAll(ENGLISH_WORDS)].map((m) => `${m[0]} in "…${text.slice(Math.max(0, (m.index ?? 0) - 40), (m.index ?? 0) + 40)}…"`);
    expect(words, `${where}: English words on the page`).toEqual([]);
    return text;
}

describe('errors in German (Chromium, mouse)', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('a damaged file, another Samsung, a pulled cable and files gone: all in German', async () => {
        const person = new Person(e2e, 'de', 'mouse', 'errors-s4');
        const { page, demo } = e2e;
        const t = person.t;
        await person.openFilesStep();

        // 1. Checksum mismatch: the ROM one byte off, with its real .sha256 beside it.
        const damaged = join(e2e.home, 'damaged');
        rmSync(damaged, { recursive: true, force: true });
        mkdirSync(damaged, { recursive: true });
        const romName = demo.rom.split('/').pop() ?? 'rom.zip';
        const bytes = readFileSync(demo.rom);
        bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
        writeFileSync(join(damaged, romName), bytes);
        copyFileSync(`${demo.rom}.sha256`, join(damaged, `${romName}.sha256`));
        await page.locator('input[type=file][data-role=rom]').setInputFiles([join(damaged, romName), join(damaged, `${romName}.sha256`)]);
        const refusal = page.getByRole('alert').filter({ hasText: t('errors.checksum-mismatch.nextStep') });
        await refusal.waitFor({ timeout: 30_000 });
        expect(await refusal.innerText()).toContain(romName);
        await person.shot('checksum-mismatch');
        await noEnglish(page, 'checksum mismatch');

        for (const role of ['recovery', 'rom', 'gapps', 'su'] as const) {
            await page.locator(`input[type=file][data-role=${role}]`).setInputFiles([demo[role], `${demo[role]}.sha256`]);
        }
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(4);
        await person.press(person.button('wizard.next'));

        // 2. Wrong device: the phone in download mode carries an S4 mini's partition table.
        const stateDir = join(e2e.home, 'virtual', 'ks01ltexx');
        copyFileSync(resourcePath('pit', 'serranoveltexx.pit'), join(stateDir, 'download.pit'));
        await person.startUpgrade();
        const failed = page.getByRole('heading', { name: t('run.failed.title') });
        await person.drive(() => failed.isVisible(), () => true);
        await page.getByText(t('errors.odin-wrong-phone.nextStep').replace('{{phone}}', 'Samsung Galaxy S4 LTE-A')).waitFor();
        await person.shot('wrong-device');
        await noEnglish(page, 'wrong device');

        // 3. Unplugged cable: the same job continues with the right phone; the cable goes mid-flash.
        rmSync(join(stateDir, 'download.pit'));
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const stop = e2e.backend.subscribe((event, payload) => {
            if (event !== 'jobStep') return;
            const step = payload as { step: string; status: string };
            if (step.step === STEP_IDS.flashRecovery && step.status === 'started') phone.faults.unplugAfterBytes = 70_000;
        });
        await person.continueUpgrade();
        await failed.waitFor({ state: 'hidden' });
        await person.drive(() => failed.isVisible(), () => true);
        stop();
        await person.shot('unplugged');
        const unplugged = await page.locator('main').innerText();
        expect(unplugged).toContain(t('errors.odin-disconnected.nextStep_flash').replaceAll('{{partition}}', 'RECOVERY'));
        await noEnglish(page, 'unplugged cable');

        // 4. Missing file: the job's own copies of its files are gone when it is continued.
        phone.faults.unplugAfterBytes = undefined;
        phone.replug();
        const jobId = (await e2e.backend.call('listJobs', {})) as { ok: true; value: { jobs: Array<{ jobId: string }> } };
        const [job] = jobId.value.jobs;
        if (!job) throw new Error('no unfinished job');
        const files = Journal.peek(job.jobId, e2e.home).params['files'] as Record<string, string>;
        for (const path of Object.values(files)) rmSync(path, { force: true });
        await person.continueUpgrade();
        await page.getByText(t('errors.resume-files-missing.nextStep')).waitFor();
        await person.shot('files-missing');
        await noEnglish(page, 'missing file');
        expect(person.findings).toEqual([]);
    });

});

describe('a locked bootloader in German (Chromium, mouse)', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('a bootloader that refuses because it is locked: in German', async () => {
        const person = new Person(e2e, 'de', 'mouse', 'errors-pixel');
        const { page } = e2e;
        const t = person.t;
        const sargo = await generateDemoPackages(join(e2e.home, 'downloads-sargo'), requireRecipe('sargo'), { romBytes: 256 * 1024 });
        await page.goto(e2e.url('de'));
        await page.getByRole('combobox', { name: t('devices.virtualOffer.model') }).selectOption('sargo');
        await person.press(person.button('devices.virtualOffer.start'));
        await person.button('devices.upgrade').waitFor();
        const phone = e2e.backend.virtualPhone;
        if (!phone || phone.recipe.id !== 'sargo') throw new Error('the virtual Pixel did not start');
        // Unlocked when the job looks, locked again when it writes TWRP: the bootloader refuses.
        phone.state.bootloaderLocked = false;
        const stop = e2e.backend.subscribe((event, payload) => {
            const step = payload as { step: string; status: string };
            if (event === 'jobStep' && step.step === STEP_IDS.flashRecovery && step.status === 'started') phone.state.bootloaderLocked = true;
        });
        await person.press(person.button('devices.upgrade'));
        await person.press(person.button('wizard.next'));
        await page.locator('input[type=file][data-role=recovery]').setInputFiles([sargo.recovery, `${sargo.recovery}.sha256`]);
        await page.locator('input[type=file][data-role=rom]').setInputFiles([sargo.rom, `${sargo.rom}.sha256`]);
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
        await person.press(person.button('wizard.next'));
        await person.startUpgrade();
        const failed = page.getByRole('heading', { name: t('run.failed.title') });
        await person.drive(() => failed.isVisible(), () => true);
        stop();
        await person.shot('bootloader-locked');
        expect(await page.locator('main').innerText()).toContain(t('errors.bootloader-locked.nextStep'));
        await noEnglish(page, 'locked bootloader');
        expect(person.findings).toEqual([]);
    });
});
