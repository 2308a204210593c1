/**
 * A person going through the wizard in the browser, by mouse or by keyboard alone, with a
 * screenshot of every wizard step. Labels come from the translation files, so the same walk
 * works in English and German.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { E2e } from './harness.js';
import { ROOT, screenshotDir } from './harness.js';
import { seriousAxeFindings } from './axe.js';

type Json = { [key: string]: string | Json };
export function translations(language: 'en' | 'de'): (key: string) => string {
    const own = JSON.parse(readFileSync(join(ROOT, 'renderer', 'locales', language, 'translation.json'), 'utf8')) as Json;
    return (key) => {
        let node: string | Json | undefined = own;
        for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
        if (typeof node !== 'string') throw new Error(`No ${language} text for ${key}`);
        return node;
    };
}

export type Input = 'mouse' | 'keyboard';

/** Activate a control: click it, or Tab until it has focus and press Enter (Space for checkboxes and radios). */
export async function activate(page: Page, target: Locator, input: Input): Promise<void> {
    await target.waitFor({ state: 'visible' });
    if (input === 'mouse') return target.click();
    for (let i = 0; i < 80; i++) {
        if (await target.evaluate((el) => el === document.activeElement)) {
            const type = await target.evaluate((el) => (el as HTMLInputElement).type);
            await page.keyboard.press(type === 'checkbox' || type === 'radio' ? 'Space' : 'Enter');
            return;
        }
        await page.keyboard.press('Tab');
    }
    throw new Error(`Could not reach ${String(target)} with the Tab key`);
}

/** Type into a field: fill it by mouse, or Tab to it and type by keyboard. */
export async function typeInto(page: Page, field: Locator, text: string, input: Input): Promise<void> {
    if (input === 'mouse') return field.fill(text);
    await field.waitFor({ state: 'visible' });
    for (let i = 0; i < 80 && !(await field.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type(text);
}

/** The passphrase an e2e upgrade locks its backup with. */
export const UPGRADE_PASSPHRASE = 'juniper satchel eleven harbours';

/**
 * The backup's passphrase, typed twice: on the review page (the upgrade cannot start without it), or
 * (`jobs.passphrase`) to continue an upgrade that stopped before its backup was written.
 */
export async function lockBackup(page: Page, t: (key: string) => string, input: Input, words: 'review.passphrase' | 'jobs.passphrase' = 'review.passphrase', passphrase = UPGRADE_PASSPHRASE): Promise<void> {
    await typeInto(page, page.getByLabel(t(`${words}.label`), { exact: true }), passphrase, input);
    await typeInto(page, page.getByLabel(t(`${words}.repeat`), { exact: true }), passphrase, input);
}

export class Shots {
    #n = 0;
    readonly #dir: string;
    readonly taken: string[] = [];
    readonly #prefix: string;
    /** `prefix` keeps another walk's screenshots apart (`download-01-….png`). */
    constructor(readonly page: Page, language: 'en' | 'de', prefix = '') {
        this.#dir = screenshotDir(language);
        this.#prefix = prefix ? `${prefix}-` : '';
        const mine = new RegExp(`^${this.#prefix}\\d\\d-.*\\.png$`);
        for (const old of readdirSync(this.#dir)) if (mine.test(old)) rmSync(join(this.#dir, old));
    }
    async take(name: string): Promise<void> {
        const file = `${this.#prefix}${String(++this.#n).padStart(2, '0')}-${name}.png`;
        await this.page.screenshot({ path: join(this.#dir, file), fullPage: true });
        this.taken.push(file);
        // Every photographed state is also scanned: no serious or critical axe finding on any screen.
        expect(await seriousAxeFindings(this.page), file).toEqual([]);
    }
}

/** Pick a file (and its .sha256) for one role: setInputFiles by mouse, the file chooser by keyboard. */
async function addFiles(page: Page, role: string, files: string[], input: Input, chooseLabels: readonly string[]): Promise<void> {
    if (input === 'mouse') {
        await page.locator(`input[type=file][data-role=${role}]`).setInputFiles(files);
        return;
    }
    const row = page.locator('li.file-row').filter({ has: page.locator(`input[data-role=${role}]`) });
    const chooser = page.waitForEvent('filechooser');
    // "Choose file…", or "I have it already" where the recipe could also download the file.
    const name = new RegExp(`^(${chooseLabels.map((l) => l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
    await activate(page, row.getByRole('button', { name }), 'keyboard');
    await (await chooser).setFiles(files);
}

/** From the empty device list to "All done", answering yes to every question. */
export async function upgradeVirtualS4(e2e: E2e, language: 'en' | 'de', input: Input): Promise<Shots> {
    const t = translations(language);
    const { page, demo } = e2e;
    const shots = new Shots(page, language);
    await page.goto(e2e.url(language));
    await page.getByRole('heading', { name: t('devices.virtualOffer.title') }).waitFor();
    await shots.take('devices-empty');

    await activate(page, page.getByRole('button', { name: t('devices.virtualOffer.start') }), input);
    const card = page.getByRole('listitem').filter({ hasText: 'Samsung Galaxy S4 LTE-A' });
    await card.waitFor();
    await expect.poll(() => card.textContent()).toContain(t('modes.android'));
    await shots.take('devices-phone');

    await activate(page, page.getByRole('button', { name: t('devices.upgrade') }), input);
    await page.getByRole('heading', { name: t('recipe.title') }).waitFor();
    expect(await page.getByRole('radio', { name: /Samsung Galaxy S4 LTE-A/ }).isChecked()).toBe(true);
    await shots.take('recipe');
    await activate(page, page.getByRole('button', { name: t('wizard.next') }), input);

    await page.getByRole('heading', { name: t('files.title') }).waitFor();
    for (const role of ['recovery', 'rom', 'gapps', 'su'] as const) {
        await addFiles(page, role, [demo[role], `${demo[role]}.sha256`], input, [t('files.choose'), t('download.haveIt')]);
    }
    await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 20_000 }).toBe(4);
    await shots.take('files-verified');
    await activate(page, page.getByRole('button', { name: t('wizard.next') }), input);

    await page.getByRole('heading', { name: t('review.title') }).waitFor();
    // The upgrade cannot start before its backup has a passphrase, asked here and rated as it is typed.
    expect(await page.getByRole('button', { name: t('review.start') }).isDisabled()).toBe(true);
    await lockBackup(page, t, input);
    await expect.poll(() => page.locator('.strength strong').innerText()).toBe(t('keys.strength.levels.very-strong'));
    await shots.take('review');
    await activate(page, page.getByRole('button', { name: t('review.start') }), input);

    await page.getByRole('heading', { name: t('run.title') }).waitFor();
    const seen = new Set<string>();
    const holding = page.getByRole('button', { name: t('run.holdingButtons') });
    const dialog = page.getByRole('alertdialog');
    const done = page.getByRole('heading', { name: t('run.done.title') });
    const failed = page.getByRole('heading', { name: t('run.failed.title') });
    const deadline = Date.now() + 90_000;
    while (!(await done.isVisible())) {
        if (Date.now() > deadline) throw new Error(`The upgrade did not finish. Page says:\n${await page.locator('main').innerText()}`);
        if (await failed.isVisible()) throw new Error(`The upgrade failed:\n${await page.locator('main').innerText()}`);
        if (await dialog.isVisible()) {
            const question = (await dialog.getByRole('heading').textContent()) ?? 'question';
            await shots.take(`confirm-${seen.size}`);
            seen.add(question);
            await activate(page, dialog.getByRole('button').last(), input);
            continue;
        }
        if ((await holding.isVisible()) && (await holding.isEnabled())) {
            const picture = (await page.locator('img.combo-picture').getAttribute('src').catch(() => null)) ?? 'none';
            const name = /(samsung-[a-z]+)/.exec(picture)?.[1] ?? 'instruction';
            await shots.take(`keys-${name}`);
            await activate(page, holding, input);
            continue;
        }
        if (!seen.has('progress') && (await page.getByRole('progressbar').first().isVisible())) {
            seen.add('progress');
            await shots.take('progress');
        }
        await page.waitForTimeout(50);
    }
    await shots.take('done');
    return shots;
}
