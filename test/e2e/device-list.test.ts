/** Hotplug, a checksum refusal in words, an axe-core scan, and no Node in the page. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { seriousAxeFindings } from './axe.js';
import { translations } from './wizard.js';

describe('device list and files in Chromium', () => {
    let e2e: E2e;
    const t = translations('en');
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
        await e2e.page.goto(e2e.url('en'));
        await e2e.page.getByRole('button', { name: t('devices.virtualOffer.start') }).click();
        await e2e.page.getByRole('button', { name: t('devices.upgrade') }).waitFor();
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('follows the virtual phone being unplugged and plugged back in', async () => {
        const { page, backend } = e2e;
        expect((await backend.call('unplugVirtualPhone', {})).ok).toBe(true);
        await page.getByRole('button', { name: t('devices.virtualUnplugged.replug') }).waitFor();
        expect(await page.getByText(t('devices.none')).isVisible()).toBe(true);
        expect((await backend.call('replugVirtualPhone', {})).ok).toBe(true);
        await page.getByRole('button', { name: t('devices.upgrade') }).waitFor();
        expect(await page.getByRole('listitem').filter({ hasText: 'Samsung Galaxy S4 LTE-A' }).count()).toBe(1);
    });

    it('has no Node globals in the page: window.revive is the only way to the backend', async () => {
        const globals = await e2e.page.evaluate(() => ({
            process: typeof (globalThis as Record<string, unknown>)['process'],
            require: typeof (globalThis as Record<string, unknown>)['require'],
            revive: Object.keys(window.revive ?? {}).sort(),
            frozen: Object.isFrozen(window.revive),
        }));
        expect(globals.process).toBe('undefined');
        expect(globals.require).toBe('undefined');
        expect(globals.frozen).toBe(true);
        expect(globals.revive).toContain('startUpgrade');
    });

    it('refuses a file whose checksum does not match, in plain words', async () => {
        const { page, demo } = e2e;
        await page.getByRole('button', { name: t('devices.upgrade') }).click();
        await page.getByRole('button', { name: t('wizard.next') }).click();
        const wrong = join(e2e.home, 'wrong.sha256');
        writeFileSync(wrong, `${'0'.repeat(64)}  ${demo.rom.split('/').pop()}\n`);
        await page.locator('input[type=file][data-role=rom]').setInputFiles([demo.rom, wrong]);
        const refusal = page.getByRole('alert').filter({ hasText: 'is not the file it should be' });
        await refusal.waitFor();
        expect(await refusal.innerText()).toContain('Download the file again');
        expect(await page.getByRole('button', { name: t('wizard.next') }).isDisabled()).toBe(true);
    });

    it('passes an axe-core scan with no serious or critical violations', async () => {
        const { page } = e2e;
        expect(await seriousAxeFindings(page)).toEqual([]);
    });
});
