/**
 * A person at home driving the wizard: screenshots of every state (each scanned by axe-core for
 * serious or critical findings), questions answered one by one, buttons held for the virtual
 * phone, and "The phone now" compared with the virtual phone's own state.json.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { E2e } from './harness.js';
import { screenshotDir } from './harness.js';
import { seriousAxeFindings } from './axe.js';
import { activate, lockBackup, translations, typeInto, type Input } from './wizard.js';

export interface AxeFinding {
    readonly screen: string;
    readonly id: string;
    readonly impact: string | null;
}

/**
 * What breaks a layout at this size: the page scrolling sideways, a file card sticking out of the
 * drop zone (a long checksum), the instruction squeezed to a few words a line (800×600).
 */
export async function layoutProblems(page: Page): Promise<string[]> {
    return page.evaluate(() => {
        const problems: string[] = [];
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth > width + 1) problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${width} px window`);
        for (const zone of document.querySelectorAll('.drop-zone')) {
            const outer = zone.getBoundingClientRect();
            for (const card of zone.querySelectorAll('.file-row')) {
                const inner = card.getBoundingClientRect();
                if (inner.right > outer.right + 1) problems.push(`a file card ends ${Math.round(inner.right - outer.right)} px outside the drop zone`);
            }
        }
        const instruction = document.querySelector('#instruction-text');
        // About 35 characters a line at the instruction's size.
        if (instruction && instruction.getBoundingClientRect().width < 300) problems.push(`the instruction is only ${Math.round(instruction.getBoundingClientRect().width)} px wide`);
        return problems;
    });
}

export class Person {
    readonly t: (key: string) => string;
    readonly findings: AxeFinding[] = [];
    readonly shots: string[] = [];
    readonly #dir: string;
    #n = 0;

    constructor(
        readonly e2e: E2e,
        readonly language: 'en' | 'de',
        readonly input: Input,
        folder: string,
    ) {
        this.t = translations(language);
        this.#dir = join(screenshotDir(language), folder);
        mkdirSync(this.#dir, { recursive: true });
        for (const old of readdirSync(this.#dir)) if (old.endsWith('.png')) rmSync(join(this.#dir, old));
    }

    get page(): Page {
        return this.e2e.page;
    }

    /** A screenshot of the page as it is, and an axe-core scan of it. */
    async shot(name: string, page: Page = this.page): Promise<void> {
        const file = `${String(++this.#n).padStart(2, '0')}-${name}.png`;
        await page.screenshot({ path: join(this.#dir, file), fullPage: true });
        this.shots.push(file);
        for (const v of await seriousAxeFindings(page)) this.findings.push({ screen: file, id: v.id, impact: v.impact });
        expect(await layoutProblems(page), file).toEqual([]);
    }

    /** The same state at 800×600 too (the instruction must keep whole lines there), then back to the size it had. */
    async shotAt800x600(name: string, page: Page = this.page): Promise<void> {
        const size = page.viewportSize();
        if (!size || (size.width === 800 && size.height === 600)) return;
        await page.setViewportSize({ width: 800, height: 600 });
        await this.shot(`${name}-800x600`, page);
        await page.setViewportSize(size);
    }

    async press(target: Locator): Promise<void> {
        await activate(this.page, target, this.input);
    }

    /** Type into a field: fill it by mouse, or Tab to it and type by keyboard. */
    async typeInto(field: Locator, text: string): Promise<void> {
        await typeInto(this.page, field, text, this.input);
    }

    /** Continue an upgrade that stopped before its backup: the passphrase typed twice again, then Continue. */
    async continueUpgrade(): Promise<void> {
        await lockBackup(this.page, this.t, this.input, 'jobs.passphrase');
        await this.shot('continue-passphrase');
        await this.press(this.button('jobs.continue'));
    }

    /** Start the upgrade from the review page: its backup's passphrase typed twice, then Start. */
    async startUpgrade(): Promise<void> {
        await lockBackup(this.page, this.t, this.input);
        await this.press(this.button('review.start'));
    }

    button(key: string, page: Page = this.page): Locator {
        return page.getByRole('button', { name: this.t(key), exact: true });
    }

    /** Open the app in this person's language, start the offered virtual phone if it is not on yet, and go to its Files step. */
    async openFilesStep(): Promise<void> {
        const { page } = this;
        await page.goto(this.e2e.url(this.language));
        const start = this.button('devices.virtualOffer.start');
        const upgrade = this.button('devices.upgrade');
        await start.or(upgrade).first().waitFor();
        if (await start.isVisible()) await this.press(start);
        await this.press(upgrade);
        await this.press(this.button('wizard.next'));
        await page.getByRole('heading', { name: this.t('files.title') }).waitFor();
    }

    /**
     * Go on through the run: hold buttons when asked, answer each question with `answer` (true: its
     * confirm button), until `until` holds. Screenshots each new question and instruction.
     */
    async drive(until: () => Promise<boolean>, answer: (question: string) => boolean | 'stop-driving', page: Page = this.page, timeoutMs = 90_000): Promise<void> {
        const holding = page.getByRole('button', { name: this.t('run.holdingButtons') });
        const dialog = page.getByRole('alertdialog');
        const deadline = Date.now() + timeoutMs;
        let seen = 0;
        while (!(await until())) {
            if (Date.now() > deadline) throw new Error(`Stuck. The page says:\n${await page.locator('main').innerText()}`);
            if (await dialog.isVisible().catch(() => false)) {
                const question = (await dialog.getByRole('heading').textContent()) ?? '';
                // A new question takes the keyboard focus.
                await this.focusOn('#confirm-heading', page);
                await this.shot(`question-${++seen}`, page);
                const yes = answer(question);
                if (yes === 'stop-driving') return;
                const buttons = dialog.getByRole('button');
                await activate(page, yes ? buttons.last() : buttons.first(), this.input);
                await dialog.waitFor({ state: 'hidden' }).catch(() => undefined);
                await this.focusKept(page);
                continue;
            }
            if ((await holding.isVisible().catch(() => false)) && (await holding.isEnabled().catch(() => false))) {
                // So does a new instruction.
                await this.focusOn('#instruction-heading', page);
                await this.shot(`keys-${++seen}`, page);
                await this.shotAt800x600(`keys-${seen}`, page);
                await activate(page, holding, this.input);
                await this.focusKept(page);
                continue;
            }
            await page.waitForTimeout(50);
        }
    }

    /** What has the keyboard focus: an element's id, its tag, or `body`. */
    async focused(page: Page = this.page): Promise<string> {
        return page.evaluate(() => {
            const active = document.activeElement;
            if (!active || active === document.body) return 'body';
            return active.id ? `#${active.id}` : `${active.tagName.toLowerCase()}${active.className ? `.${String(active.className).split(' ').join('.')}` : ''}`;
        });
    }

    /** The keyboard focus moves to `selector` (a new question, instruction or outcome heading). */
    async focusOn(selector: string, page: Page = this.page): Promise<void> {
        await expect.poll(() => page.evaluate((s) => document.activeElement === document.querySelector(s), selector), { timeout: 15_000, message: `focus on ${selector}` }).toBe(true);
    }

    /** After the focused control went away, the focus is still somewhere on the page, never on its body. */
    async focusKept(page: Page = this.page): Promise<void> {
        // Sample a few renders: the page updates as the job's events come in.
        for (let i = 0; i < 5; i++) {
            expect(await this.focused(page)).not.toBe('body');
            await page.waitForTimeout(40);
        }
    }

    /** "The phone now" on the page says nothing the virtual phone's state.json contradicts. */
    async phoneNowAgrees(stateDir: string, page: Page = this.page): Promise<string> {
        const text = await page.getByTestId('phone-now').innerText();
        const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { mode: string; bootloaderLocked: boolean; installed: Array<{ fileName: string }> };
        const phone = this.e2e.backend.virtualPhone;
        const t = this.t;
        if (phone?.isUnplugged) expect(text).toContain(t('run.phoneNow.notConnected'));
        else expect(text).toContain(t('run.phoneNow.mode').replace('{{mode}}', t(`modes.${state.mode}`)));
        if (state.installed.length === 0) expect(text).not.toContain(t('run.phoneNow.installed').split('{{')[0] ?? '');
        if (state.bootloaderLocked) expect(text).not.toContain(t('run.phoneNow.unlockedWiped'));
        const untouched = text.includes(t('run.phoneNow.nothing'));
        if (untouched) expect(state.installed).toEqual([]);
        return text;
    }
}
