/**
 * A phone pulled out while a panel works with it (issue #16: Firewall → "Read the apps" → unplug
 * ended the backend and the page offered the phone for 30 s more): the backend lives, and the page
 * shows the truth within a second — in the panel and in the phone list. The second is measured on
 * the page itself (a MutationObserver notes when the words change), so it is the backend's push
 * that is timed, not a poll of this test. English and German, screenshots and axe at every state.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

const S4 = 'Samsung Galaxy S4 LTE-A';

/** On the page: note the wall-clock time at which `probe` first holds. */
async function watchFor(page: Page, probe: string, arg: string): Promise<void> {
    await page.evaluate(
        ([source, value]) => {
            const holds = new Function('value', `return (${source})(value);`) as (value: string) => boolean;
            const w = window as unknown as { seenAt?: number };
            delete w.seenAt;
            const observer = new MutationObserver(() => {
                if (holds(value)) {
                    w.seenAt = Date.now();
                    observer.disconnect();
                }
            });
            observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        },
        [probe, arg] as const,
    );
}

/** When the watched change happened on the page (waits generously: the bound only keeps the test from hanging). */
async function seenAt(page: Page): Promise<number> {
    const handle = await page.waitForFunction(() => (window as unknown as { seenAt?: number }).seenAt, null, { timeout: 30_000, polling: 50 });
    return (await handle.jsonValue()) as number;
}

/** The panel says there is no phone to read from. */
const NO_PHONE = ((text: string) => [...document.querySelectorAll('.no-phone')].some((e) => e.textContent === text)).toString();
/** The phone list no longer offers the upgrade. */
const NO_UPGRADE = ((label: string) => ![...document.querySelectorAll('button')].some((b) => b.textContent === label)).toString();

describe.each(['en', 'de'] as const)('a phone pulled out during a panel, in Chromium (%s)', (language) => {
    let e2e: E2e;
    const crashes: unknown[] = [];
    const onCrash = (reason: unknown): void => {
        crashes.push(reason);
        process.stderr.write(`the backend would have crashed: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
    };
    beforeAll(async () => {
        process.on('uncaughtException', onCrash);
        process.on('unhandledRejection', onCrash);
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
        process.off('uncaughtException', onCrash);
        process.off('unhandledRejection', onCrash);
    });

    it('keeps the backend alive and shows the truth within a second, in the panel and in the list', async () => {
        const person = new Person(e2e, language, 'mouse', 'phone-vanishes');
        const { page } = e2e;
        const t = person.t;
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(e2e.url(language));
        await person.press(person.button('devices.virtualOffer.start'));
        await person.button('devices.upgrade').waitFor();
        await person.shot('phone-list');

        // In the firewall panel, reading the apps: the cable comes out while the panel works.
        const openFirewall = page.getByRole('button', { name: t('panels.openLabel').replace('{{panel}}', t('panels.firewall.title')) });
        await person.press(openFirewall);
        await page.getByRole('heading', { level: 1, name: t('panels.firewall.title') }).waitFor();
        const apps = page.locator('section[aria-labelledby=fw-apps-heading]');
        const read = apps.locator('.row button[type=button]').first();
        expect(await read.innerText()).toBe(t('firewall.apps.read').replace('{{name}}', S4));
        await read.waitFor();
        await person.shot('firewall');
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        await watchFor(page, NO_PHONE, t('firewall.apps.noPhone'));
        await read.click();
        const pulledAt = Date.now();
        phone.unplug();
        const panelSaw = (await seenAt(page)) - pulledAt;
        await person.shot('pulled-in-panel');
        process.stdout.write(`${language}: the panel showed the unplug after ${panelSaw} ms\n`);
        expect(panelSaw).toBeLessThan(1000);
        // Whatever the reading ended in, it ends: no task is left running.
        await expect.poll(() => page.locator('.task .current-step').count(), { timeout: 30_000 }).toBe(0);
        await person.shot('panel-after');

        // The list says so too, and offers to plug it back in.
        await person.press(person.button('panels.backHome'));
        await person.button('devices.virtualUnplugged.replug').waitFor();
        expect(await person.button('devices.upgrade').count()).toBe(0);
        await person.shot('list-unplugged');

        // The backend lives: the phone comes back, and a cable pulled at the list shows within a second.
        await person.press(person.button('devices.virtualUnplugged.replug'));
        await person.button('devices.upgrade').waitFor({ timeout: 30_000 });
        await person.shot('list-replugged');
        await watchFor(page, NO_UPGRADE, t('devices.upgrade'));
        const listPulledAt = Date.now();
        phone.unplug();
        const listSaw = (await seenAt(page)) - listPulledAt;
        await person.shot('list-pulled');
        process.stdout.write(`${language}: the list showed the unplug after ${listSaw} ms\n`);
        expect(listSaw).toBeLessThan(1000);
        phone.replug();
        await person.button('devices.upgrade').waitFor({ timeout: 30_000 });

        // And the panel reads the apps of the phone that came back.
        await person.press(openFirewall);
        await person.press(read);
        const listed = t('firewall.apps.listed_other').split('{{')[0] ?? '';
        await expect.poll(() => apps.locator('p[role=status]').allInnerTexts(), { timeout: 30_000 }).toEqual([expect.stringContaining(listed)]);
        await person.shot('read-again');
        expect(crashes).toEqual([]);
        expect(person.findings).toEqual([]);
    });
});
