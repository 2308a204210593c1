/**
 * Backups in Chromium on the virtual Galaxy S4: the "Before you travel" flow walked in English
 * with the mouse and in German with the keyboard alone, from the phone running Android (back up →
 * encrypt → verify, the job restarting it into TWRP → travel-clean → back home: restore), checked against the virtual phone's own files; and the backups list
 * (verify shows the new last-verified time, delete removes the file); and what goes wrong, in German
 * by keyboard: the cable pulled mid-backup, a Stop, a wrong passphrase on verify and restore, an archive
 * moved away — each worded for a person at home, with the focus on it. Every state photographed and
 * scanned by axe.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualFs } from '../../native/virtual/adbd-fs.js';
import type { BackupView } from '../../electron/api/contract.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

const PASSPHRASE = 'harbour violet seventeen lanterns';

/** Buttons whose words do not fit inside them (long German words at 800×600). */
async function buttonsCutOff(page: Page): Promise<string[]> {
    return page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.button')]
            .filter((b) => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
            .map((b) => `${b.innerText.trim()}: ${b.scrollWidth} px of words in ${b.clientWidth} px`),
    );
}

describe('backups in Chromium', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    const phoneFile = (path: string): string => {
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        return new VirtualFs(phone.stateDir).hostPath(path);
    };

    /** The app open in this language with the virtual phone plugged in and offering a backup. */
    async function phoneListed(person: Person): Promise<void> {
        const { page } = person;
        await page.goto(e2e.url(person.language));
        const start = person.button('devices.virtualOffer.start');
        await start.or(person.button('devices.upgrade')).first().waitFor();
        if (await start.isVisible()) await person.press(start);
        await person.button('devices.travel').waitFor({ timeout: 30_000 });
    }

    /** The whole pre-travel flow, from the phone in TWRP to the restore after the trip. */
    async function travel(person: Person): Promise<void> {
        const { page, t } = person;
        await phoneListed(person);
        // Running Android: the backup job restarts it into TWRP itself.
        expect(e2e.backend.virtualPhone?.mode).toBe('android');
        const photo = randomBytes(96 * 1024);
        mkdirSync(phoneFile('/data/media/0/DCIM/Camera'), { recursive: true });
        writeFileSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`), photo);
        // A film, so the copy lasts long enough for its bar to be seen.
        mkdirSync(phoneFile('/data/media/0/Movies'), { recursive: true });
        const film = randomBytes(24 * 1024 * 1024);
        writeFileSync(phoneFile(`/data/media/0/Movies/${person.language}.mp4`), film);
        // The system and boot partitions as backed up: after the trip they must be byte for byte these.
        const phoneNow = e2e.backend.virtualPhone;
        if (!phoneNow) throw new Error('no virtual phone');
        await phoneNow.partitions.write('SYSTEM', 0, randomBytes(256 * 1024));
        const partitionBytes = async (name: string): Promise<Buffer> => Buffer.from(await phoneNow.partitions.read(name, 0, await phoneNow.partitions.storedLength(name)));
        const before = { system: await partitionBytes('SYSTEM'), boot: await partitionBytes('BOOT'), fingerprint: phoneNow.state.buildFingerprint };
        await person.shot('home-phone');

        await person.press(person.button('devices.travel'));
        await page.getByRole('heading', { level: 1, name: t('backups.flow.titleTravel').replace('{{name}}', 'Samsung Galaxy S4 LTE-A') }).waitFor();
        // A weak passphrase: the strength rating says so and the backup cannot start.
        const passphrase = page.getByLabel(t('backups.flow.passphrase.label'), { exact: true });
        const repeat = page.getByLabel(t('backups.flow.passphrase.repeat'), { exact: true });
        await person.typeInto(passphrase, 'password1');
        await expect.poll(() => page.locator('.strength strong').innerText()).toBe(t('keys.strength.levels.very-weak'));
        expect(await person.button('backups.flow.start').isDisabled()).toBe(true);
        await person.shot('passphrase-weak');
        await passphrase.fill('');
        await person.typeInto(passphrase, PASSPHRASE);
        await person.typeInto(repeat, PASSPHRASE);
        await expect.poll(() => page.locator('.strength strong').innerText()).toBe(t('keys.strength.levels.very-strong'));
        await person.shot('passphrase');

        await person.press(person.button('backups.flow.start'));
        // The form with its button is gone: the keyboard focus went with the task, not to the page's body.
        await person.focusKept();
        const made = page.getByRole('heading', { name: t('backups.flow.done.title') });
        // The bar counts the whole backup, with the part being copied named beneath it.
        const wholeBar = page.getByRole('progressbar', { name: t('backups.progress.whole'), exact: true });
        let sawWhole = false;
        const deadline = Date.now() + 120_000;
        while (!(await made.isVisible())) {
            if (Date.now() > deadline) throw new Error(`The backup did not finish:\n${await page.locator('main').innerText()}`);
            if (await page.locator('.error-box').isVisible()) throw new Error(`The backup failed:\n${await page.locator('main').innerText()}`);
            if (!sawWhole && (await wholeBar.isVisible().catch(() => false))) {
                sawWhole = true;
                await person.shot('backup-progress');
            }
            await page.waitForTimeout(50);
        }
        await person.shot('backup-verified');
        await person.shotAt800x600('backup-verified');
        // Before a trip the phone stays in TWRP, where travel-clean formats /data; the page says so and how to leave it.
        expect(e2e.backend.virtualPhone?.mode).toBe('recovery');
        expect(await page.locator('main').innerText()).toContain(t('backups.flow.clean.waiting'));
        // "Back home" no longer sends anyone to start TWRP by hand: the restore does it.
        expect(await page.locator('main').innerText()).toContain(t('backups.flow.home.text'));
        const listed = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { backups: BackupView[] } };
        const backup = listed.value.backups[0];
        expect(backup?.lastVerifiedAt).not.toBeNull();
        expect(await page.locator('main').innerText()).toContain(backup?.backupId ?? '?');

        // Travel-clean: asked first, then /data is formatted and the photo is gone from the phone.
        await person.press(person.button('backups.flow.clean.ask'));
        const dialog = page.getByRole('alertdialog');
        await dialog.waitFor();
        await person.focusOn('#backup-confirm-heading');
        await person.shot('travel-clean-question');
        await person.press(dialog.getByRole('button', { name: t('backups.flow.clean.confirm') }));
        await page.getByText(t('backups.flow.clean.done_other').replace('{{count}}', '0')).waitFor({ timeout: 60_000 });
        expect(existsSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`))).toBe(false);
        expect(existsSync(phoneFile(`/data/media/0/Movies/${person.language}.mp4`))).toBe(false);
        // What to do with the phone now: restart it for the trip.
        expect(await page.locator('main').innerText()).toContain(t('backups.flow.clean.after'));
        await person.shot('travel-clean');

        // The phone lost its IMEI on the trip: its EFS is changed, and comes back only when asked for explicitly.
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const efsLength = await phone.partitions.storedLength('EFS');
        const efsBackedUp = Buffer.from(await phone.partitions.read('EFS', 0, efsLength));
        await phone.partitions.write('EFS', 0, randomBytes(efsLength));
        // And its system changed too (an update on the trip): the restore must bring back the backed-up one.
        await phone.partitions.write('SYSTEM', 0, randomBytes(256 * 1024));
        expect((await partitionBytes('SYSTEM')).equals(before.system)).toBe(false);

        // Back home: restore it, asked first; the photo, the system and (typed for) EFS come back.
        await person.press(person.button('backups.flow.home.restore'));
        await page.getByRole('heading', { level: 1, name: t('backups.restore.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A') }).waitFor();
        const efs = page.getByRole('checkbox', { name: t('backups.restore.raw.offer').replace('{{partitions}}', 'EFS') });
        // Off by default.
        expect(await efs.isChecked()).toBe(false);
        await person.press(efs);
        const warning = page.getByTestId('restore-raw-warning');
        await warning.waitFor();
        expect(await warning.innerText()).toContain(t('backups.restore.raw.what'));
        expect(await warning.innerText()).toContain(t('backups.restore.raw.sameSerial').replace('{{serial}}', backup?.serial ?? '?'));
        await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), PASSPHRASE);
        // Until the codename is typed back, the restore cannot start.
        expect(await person.button('backups.restore.start').isDisabled()).toBe(true);
        await person.typeInto(page.getByLabel(t('backups.restore.raw.typed').replace('{{partitions}}', 'EFS').replace('{{codename}}', 'ks01ltexx'), { exact: true }), 'ks01ltexx');
        expect(await person.button('backups.restore.start').isDisabled()).toBe(false);
        await person.shot('restore-choose-efs');
        await person.shotAt800x600('restore-choose-efs');
        await person.press(person.button('backups.restore.start'));
        await dialog.waitFor();
        await person.focusOn('#backup-confirm-heading');
        expect(await dialog.innerText()).toContain(t('backups.restore.detailRaw').replace('{{partitions}}', 'EFS'));
        await person.shot('restore-question');
        await person.press(dialog.getByRole('button', { name: t('backups.restore.confirm') }));
        const restoring = page.getByRole('progressbar', { name: t('backups.progress.toPhone'), exact: true });
        const restoredHeading = page.getByRole('heading', { name: t('backups.restore.done.title') });
        let sawRestoring = false;
        const restoreDeadline = Date.now() + 180_000;
        while (!(await restoredHeading.isVisible())) {
            if (Date.now() > restoreDeadline) throw new Error(`The restore did not finish:\n${await page.locator('main').innerText()}`);
            if (!sawRestoring && (await restoring.isVisible().catch(() => false))) {
                sawRestoring = true;
                await person.shot('restore-progress');
            }
            await page.waitForTimeout(50);
        }
        // The phone as it was before the trip, from its own state: photo, film, system, boot, EFS and the reported build.
        expect(readFileSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`)).equals(photo)).toBe(true);
        expect(readFileSync(phoneFile(`/data/media/0/Movies/${person.language}.mp4`)).equals(film)).toBe(true);
        expect((await partitionBytes('SYSTEM')).equals(before.system)).toBe(true);
        expect((await partitionBytes('BOOT')).equals(before.boot)).toBe(true);
        expect(phone.state.buildFingerprint).toBe(before.fingerprint);
        expect(await page.locator('main').innerText()).toContain(e2e.backend.virtualPhone?.state.buildFingerprint ?? '?');
        expect(await page.locator('main').innerText()).toContain(t('backups.restore.done.raw').replace('{{partitions}}', 'EFS'));
        expect(Buffer.from(await phone.partitions.read('EFS', 0, efsLength)).equals(efsBackedUp)).toBe(true);
        await person.shot('restored');
        // Both copies were long enough (24 MiB of film) for their whole-job bars to be photographed.
        expect([sawWhole, sawRestoring]).toEqual([true, true]);
        expect(person.findings).toEqual([]);
    }

    it('walks "Before you travel" in English with the mouse', async () => {
        await travel(new Person(e2e, 'en', 'mouse', 'backups-travel'));
    }, 400_000);

    it('walks "Vor der Reise" in German with the keyboard alone', async () => {
        await travel(new Person(e2e, 'de', 'keyboard', 'backups-travel'));
        expect(await e2e.page.locator('html').getAttribute('lang')).toBe('de');
    }, 400_000);

    it('the list: verify shows the new last-verified time, delete removes the file', async () => {
        const person = new Person(e2e, 'en', 'mouse', 'backups-list');
        const { page, t } = person;
        let listed = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { folder: string; backups: BackupView[] } };
        if (listed.value.backups.length === 0) {
            // Run alone: make the backup to list through the backend.
            await phoneListed(person);
            const made = await e2e.backend.call('backUpPhone', { jobId: 'list-backup', deviceId: 'virtual:ks01ltexx', passphrase: PASSPHRASE });
            expect(made.ok).toBe(true);
            listed = (await e2e.backend.call('listBackups', {})) as typeof listed;
        }
        const original = listed.value.backups[0];
        if (!original) throw new Error('no backup to copy');
        // A copy never verified: the list says "Never" until it is.
        const copyName = 'ks01ltexx-copy-2026-01-02T03-04-05.tar.age';
        const copy = join(listed.value.folder, copyName);
        copyFileSync(original.path, copy);
        await page.goto(e2e.url('en'));
        await person.press(person.button('backups.home.open'));
        await page.getByRole('heading', { level: 1, name: t('backups.list.title') }).waitFor();
        const row = page.getByRole('listitem').filter({ hasText: copyName });
        await expect.poll(() => row.getByTestId('last-verified').innerText()).toBe(t('backups.list.never'));
        await person.shot('list');

        await person.press(row.getByRole('button', { name: new RegExp(`^${t('backups.list.verifyLabel').split('{{')[0]}`) }));
        await page.getByLabel(t('backups.unlock.passphrase')).fill(PASSPHRASE);
        await person.shot('verify-passphrase');
        await person.press(person.button('backups.list.verifyNow'));
        await page.getByText(t('backups.list.verifiedNow')).waitFor({ timeout: 60_000 });
        const after = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { backups: BackupView[] } };
        const verifiedAt = after.value.backups.find((b) => b.backupId === copyName)?.lastVerifiedAt;
        expect(verifiedAt).toBeTruthy();
        const shown = await row.getByTestId('last-verified').innerText();
        expect(shown).not.toContain(t('backups.list.never'));
        expect(shown).toContain(new Date(verifiedAt ?? '').toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' }));
        await person.shot('verified');

        await person.press(row.getByRole('button', { name: new RegExp(`^${t('backups.list.deleteLabel').split('{{')[0]}`) }));
        const dialog = page.getByRole('alertdialog');
        await dialog.waitFor();
        await person.shot('delete-question');
        await person.press(dialog.getByRole('button', { name: t('backups.list.deleteConfirm') }));
        await expect.poll(() => row.count()).toBe(0);
        expect(existsSync(copy)).toBe(false);
        expect(existsSync(original.path)).toBe(true);
        await person.shot('deleted');
        await person.shotAt800x600('deleted');
        expect(person.findings).toEqual([]);
    }, 200_000);

    it('goes wrong plainly in German by keyboard: cable pulled, Stop, wrong passphrase, archive moved', async () => {
        const person = new Person(e2e, 'de', 'keyboard', 'backups-trouble');
        const { page, t } = person;
        await page.setViewportSize({ width: 800, height: 600 });
        await phoneListed(person);
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        mkdirSync(phoneFile('/data/media/0/Movies'), { recursive: true });
        writeFileSync(phoneFile('/data/media/0/Movies/lang.mp4'), randomBytes(48 * 1024 * 1024));
        const folder = join(e2e.home, 'backups');
        const archives = (): string[] => (existsSync(folder) ? readdirSync(folder) : []).filter((n) => n.endsWith('.tar.age') || n.endsWith('.partial'));
        const before = archives();
        const main = page.locator('main');
        const heading = t('backups.flow.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A');
        const errorHeading = page.locator('.error-box h2');
        const lock = async (): Promise<void> => {
            await person.typeInto(page.getByLabel(t('backups.flow.passphrase.label'), { exact: true }), PASSPHRASE);
            await person.typeInto(page.getByLabel(t('backups.flow.passphrase.repeat'), { exact: true }), PASSPHRASE);
        };

        // 1. The cable pulled mid-copy: the page keeps the phone's name, says to reconnect, in German; no half file stays.
        await person.press(person.button('devices.backUp'));
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await lock();
        phone.faults.unplugAfterDeviceBytes = 8 * 1024 * 1024;
        await person.press(person.button('backups.flow.start'));
        await errorHeading.waitFor({ timeout: 180_000 });
        expect(await errorHeading.innerText()).toBe(t('errors.adb-disconnected.title'));
        expect(await main.innerText()).toContain(t('errors.adb-disconnected.nextStep'));
        expect(await main.innerText()).not.toContain(' bei dem ');
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        await person.focusOn('.error-box h2');
        expect(archives()).toEqual(before);
        await person.shot('unplugged');
        phone.replug();

        // 2. Stopped mid-copy: the next step is this page's, never a command line.
        const listed = async (): Promise<boolean> => {
            const devices = (await e2e.backend.call('listDevices', {})) as { ok: true; value: { devices: Array<{ id: string; state: string }> } };
            return devices.value.devices.some((d) => d.id === 'virtual:ks01ltexx' && d.state === 'ready');
        };
        await expect.poll(listed, { timeout: 60_000 }).toBe(true);
        await lock();
        await person.press(person.button('backups.flow.start'));
        const stop = person.button('backups.task.stop');
        await page.getByRole('progressbar', { name: t('backups.progress.whole'), exact: true }).or(page.getByRole('progressbar', { name: t('backups.progress.reading'), exact: true })).first().waitFor({ timeout: 180_000 });
        await person.press(stop);
        await errorHeading.waitFor({ timeout: 120_000 });
        expect(await errorHeading.innerText()).toBe(t('errors.cancelled.title'));
        const stopped = await main.innerText();
        expect([t('backups.task.stoppedNext.backup'), t('backups.task.stoppedNext.backup-kept')].some((words) => stopped.includes(words)), stopped).toBe(true);
        expect(stopped).not.toContain('revive ');
        expect(stopped).not.toContain('--resume');
        await person.focusOn('.error-box h2');
        await person.shot('stopped');

        // A backup to go wrong with (made through the backend: this test may run alone).
        const made = await e2e.backend.call('backUpPhone', { jobId: 'trouble-backup', deviceId: 'virtual:ks01ltexx', passphrase: PASSPHRASE });
        expect(made.ok).toBe(true);
        const backup = (made as { ok: true; value: BackupView }).value;

        // 3. A wrong passphrase on verify, in the list.
        await person.press(person.button('backups.showAll'));
        await page.getByRole('heading', { level: 1, name: t('backups.list.title') }).waitFor();
        const row = page.getByRole('listitem').filter({ hasText: backup.backupId });
        await person.press(row.getByRole('button').filter({ hasText: t('backups.list.verify') }));
        await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), 'falsche Pferde Batterie Klammer');
        await person.press(person.button('backups.list.verifyNow'));
        await errorHeading.waitFor({ timeout: 120_000 });
        expect(await errorHeading.innerText()).toBe(t('errors.age-wrong-passphrase.title'));
        await person.focusOn('.error-box h2');
        expect(await main.innerText()).toContain(t('backups.list.restoreHint'));
        // "Wiederherstellen" fits its button at 800×600.
        expect(await buttonsCutOff(page)).toEqual([]);
        await person.shot('verify-wrong-passphrase');

        // 4. A wrong passphrase on restore: refused before anything is written to the phone.
        await phone.saveState();
        const writes = (): unknown => (JSON.parse(readFileSync(join(phone.stateDir, 'state.json'), 'utf8')) as { writeCounts: unknown }).writeCounts;
        const writesBefore = writes();
        await person.press(row.getByRole('button').filter({ hasText: t('backups.list.restore') }));
        await page.getByRole('heading', { level: 1, name: t('backups.restore.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A') }).waitFor();
        await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), 'falsche Pferde Batterie Klammer');
        await person.press(person.button('backups.restore.start'));
        const dialog = page.getByRole('alertdialog');
        await dialog.waitFor();
        await person.press(dialog.getByRole('button', { name: t('backups.restore.confirm') }));
        await errorHeading.waitFor({ timeout: 120_000 });
        expect(await errorHeading.innerText()).toBe(t('errors.age-wrong-passphrase.title'));
        await person.focusOn('.error-box h2');
        await phone.saveState();
        expect(writes()).toEqual(writesBefore);
        await person.shot('restore-wrong-passphrase');

        // 5. The archive moved away after the list was shown: the list says where it looked and what to do.
        await person.press(person.button('backups.showAll'));
        await row.waitFor();
        renameSync(backup.path, `${backup.path}.moved`);
        try {
            await person.press(row.getByRole('button').filter({ hasText: t('backups.list.verify') }));
            await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), PASSPHRASE);
            await person.press(person.button('backups.list.verifyNow'));
            await errorHeading.waitFor({ timeout: 60_000 });
            expect(await errorHeading.innerText()).toBe(t('errors.backup-not-found.title'));
            expect(await main.innerText()).toContain(t('errors.backup-not-found.nextStep'));
            await person.focusOn('.error-box h2');
            await person.shot('archive-moved');
        } finally {
            renameSync(`${backup.path}.moved`, backup.path);
        }
        expect(person.findings).toEqual([]);
    }, 600_000);
});
