/**
 * A backup of another model, offered for restore in German: a Galaxy S4's archive under a name that
 * says nothing (so the list cannot tell its phone) restored onto a Pixel 3a on a USB/IP server. The
 * restore opens it, finds the S4 in its manifest and refuses in words, naming both phones as people
 * know them (not by model numbers), with nothing written to the Pixel (its write counters) and the
 * focus on the refusal; axe clean.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupView } from '../../electron/api/contract.js';
import { UsbIpServer } from '../../native/usbip/server.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

const PASSPHRASE = 'harbour violet seventeen lanterns';

let dir: string;
let server: UsbIpServer;
let pixel: VirtualPhone;
let e2e: E2e;

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-e2e-other-model-'));
    // The app's adb key (the phones' "Allow") lives here, never in the real ~/.config/revive.
    process.env['REVIVE_HOME'] = join(dir, 'home');
    server = await UsbIpServer.start({ port: 0 });
    pixel = await VirtualPhone.create({ codename: 'sargo', mode: 'android', stateDir: join(dir, 'pixel'), owner: 'accept', enumerationDelayMs: 30 });
    server.export(pixel, '1-1');
    e2e = await startE2e({ bypassCsp: true, backend: { usbipSources: [`127.0.0.1:${server.port}`], usbipPollMs: 100, onNotice: () => undefined } });
});

afterAll(async () => {
    await e2e?.close();
    await server?.close();
    await pixel?.close();
    rmSync(dir, { recursive: true, force: true });
});

describe('a backup of another model (German, keyboard)', () => {
    it('is refused before anything is written, naming both phones', async () => {
        const person = new Person(e2e, 'de', 'keyboard', 'backups-other-model');
        const { page, t } = person;
        // The S4 is the app's own virtual phone (a Pixel on the bus hides the offer, so it is started directly).
        expect((await e2e.backend.call('startVirtualPhone', { codename: 'ks01ltexx' })).ok).toBe(true);
        await page.goto(e2e.url('de'));
        const s4Card = page.getByRole('listitem').filter({ hasText: 'Samsung Galaxy S4 LTE-A' });
        const pixelCard = page.getByRole('listitem').filter({ hasText: 'Pixel 3a' });
        await s4Card.getByRole('button', { name: t('devices.backUp'), exact: true }).waitFor({ timeout: 60_000 });
        await pixelCard.getByRole('button', { name: t('devices.restore'), exact: true }).waitFor({ timeout: 60_000 });

        // The S4's backup, copied under a name that does not say which phone made it.
        const made = await e2e.backend.call('backUpPhone', { jobId: 'other-model-backup', deviceId: 'virtual:ks01ltexx', passphrase: PASSPHRASE });
        expect(made.ok).toBe(true);
        const listed = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { folder: string; backups: BackupView[] } };
        copyFileSync((made as { ok: true; value: BackupView }).value.path, join(listed.value.folder, 'alte-sicherung.tar.age'));

        await pixel.saveState();
        const writes = (): unknown => (JSON.parse(readFileSync(join(pixel.stateDir, 'state.json'), 'utf8')) as { writeCounts: unknown }).writeCounts;
        const writesBefore = writes();
        await page.goto(e2e.url('de'));
        const pixelName = (await pixelCard.getByRole('heading').innerText()).replace(t('devices.virtualTag'), '').trim();
        await person.press(pixelCard.getByRole('button', { name: t('devices.restore'), exact: true }));
        await page.getByRole('heading', { level: 1, name: t('backups.restore.title').replace('{{name}}', pixelName) }).waitFor();
        // Only the backup whose phone the list cannot tell is offered for the Pixel, as an unknown phone.
        const choices = page.getByRole('radio');
        await expect.poll(() => choices.count()).toBe(1);
        await person.press(choices.first());
        await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), PASSPHRASE);
        await person.shot('chosen');
        await person.press(person.button('backups.restore.start'));
        const dialog = page.getByRole('alertdialog');
        await dialog.waitFor();
        await person.press(dialog.getByRole('button', { name: t('backups.restore.confirm') }));
        const refusal = page.locator('.error-box h2');
        await refusal.waitFor({ timeout: 180_000 });
        expect(await refusal.innerText()).toBe(t('errors.restore-other-model.title'));
        const words = await page.locator('.error-box').innerText();
        // Both phones by the names people know them by, with their codenames; not by model numbers (GT-I9506, G020A).
        expect(words).toContain('Samsung Galaxy S4 LTE-A (ks01ltexx)');
        expect(words).toContain(`${pixelName} (sargo)`);
        expect(words).not.toContain('GT-I9506');
        expect(words).toContain(t('errors.restore-other-model.nextStep'));
        await person.focusOn('.error-box h2');
        await person.shot('refused');
        await pixel.saveState();
        expect(writes()).toEqual(writesBefore);
        expect(pixel.mode).toBe('android');
        expect(person.findings).toEqual([]);
    }, 400_000);
});
