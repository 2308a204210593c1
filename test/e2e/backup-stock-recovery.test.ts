/**
 * "Back up this phone" in Chromium on a virtual Galaxy S4 whose recovery is still Samsung's own and
 * whose TWRP is not downloaded: the job asks before restarting anything (the KNOX fuse is intact),
 * and its question carries the Files step's row for the TWRP image. "Stop" writes nothing and leaves
 * the phone in Android; then the person's own copy (with its .sha256) passes its check, "Write TWRP"
 * becomes available, the keys are held as told, TWRP lands in RECOVERY and the backup is made.
 * Walked in English with the mouse and in German with the keyboard alone; every state photographed
 * and scanned by axe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupView } from '../../electron/api/contract.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

const PASSPHRASE = 'harbour violet seventeen lanterns';

describe('a Samsung with its stock recovery, backed up in Chromium', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    const phone = (): VirtualPhone => {
        const p = e2e.backend.virtualPhone;
        if (!p) throw new Error('no virtual phone');
        return p;
    };
    const writes = (): Record<string, number> => Object.fromEntries(phone().partitions.names().map((n) => [n, phone().partitions.writeCount(n)]));

    /** The whole walk for one person: the question with its file row, "Stop", then the own copy and "Write TWRP". */
    async function walk(person: Person): Promise<void> {
        const { page, t } = person;
        await page.goto(e2e.url(person.language));
        const start = person.button('devices.virtualOffer.start');
        await start.or(person.button('devices.backUp')).first().waitFor();
        if (await start.isVisible()) await person.press(start);
        await person.button('devices.backUp').waitFor({ timeout: 30_000 });
        // Samsung's firmware as it leaves the factory: its own recovery, the KNOX fuse intact.
        phone().state.extra['recovery'] = 'stock';
        delete phone().state.extra['knox'];
        await phone().saveState();
        const before = writes();

        await person.press(person.button('devices.backUp'));
        await page.getByRole('heading', { level: 1, name: t('backups.flow.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A') }).waitFor();
        const lockAndStart = async (): Promise<void> => {
            await person.typeInto(page.getByLabel(t('backups.flow.passphrase.label'), { exact: true }), PASSPHRASE);
            await person.typeInto(page.getByLabel(t('backups.flow.passphrase.repeat'), { exact: true }), PASSPHRASE);
            await person.press(person.button('backups.flow.start'));
        };
        await lockAndStart();

        const dialog = page.getByRole('alertdialog');
        const question = t('job.confirms.write-twrp.question').replace('{{partition}}', 'RECOVERY');
        const writeTwrp = dialog.getByRole('button', { name: t('job.confirms.write-twrp.confirm'), exact: true });
        await dialog.getByRole('heading', { name: question }).waitFor({ timeout: 60_000 });
        await person.focusOn('#task-question-heading');
        // Not cached: the question carries the Files step's row, and its yes waits for a checked file.
        expect(await dialog.innerText()).toContain(t('backups.twrpFile.lead').replace('{{name}}', 'Samsung Galaxy S4 LTE-A'));
        expect(await dialog.locator('li.file-row input[data-role=recovery]').count()).toBe(1);
        expect(await writeTwrp.getAttribute('aria-disabled')).toBe('true');
        expect(phone().mode).toBe('android');
        await person.shot('question-needs-file');

        await person.press(dialog.getByRole('button', { name: t('job.confirms.write-twrp.cancel'), exact: true }));
        await page.locator('.error-box').getByText(t('errors.twrp-write-declined.title')).waitFor({ timeout: 30_000 });
        expect(writes()).toEqual(before);
        expect(phone().mode).toBe('android');
        expect(phone().state.extra['recovery']).toBe('stock');
        await person.shot('declined');

        // Again (the passphrase is asked again: it is kept nowhere), now with the person's own copy of the image and its checksum list.
        await lockAndStart();
        await dialog.getByRole('heading', { name: question }).waitFor({ timeout: 60_000 });
        const files = [e2e.demo.recovery, `${e2e.demo.recovery}.sha256`];
        if (person.input === 'mouse') await dialog.locator('input[type=file][data-role=recovery]').setInputFiles(files);
        else {
            const chooser = page.waitForEvent('filechooser');
            await person.press(dialog.getByRole('button', { name: t('files.choose'), exact: true }));
            await (await chooser).setFiles(files);
        }
        await expect.poll(() => writeTwrp.getAttribute('aria-disabled'), { timeout: 30_000 }).toBe('false');
        expect(await dialog.innerText()).toContain(t('files.status.verified-typed'));
        await person.shot('question-file-checked');
        await person.press(writeTwrp);

        const made = page.getByRole('heading', { name: t('backups.flow.done.title') });
        const holding = page.getByRole('button', { name: t('run.holdingButtons'), exact: true });
        let held = 0;
        const deadline = Date.now() + 180_000;
        while (!(await made.isVisible())) {
            if (Date.now() > deadline) throw new Error(`The backup did not finish:\n${await page.locator('main').innerText()}`);
            if (await page.locator('.error-box').isVisible()) throw new Error(`The backup failed:\n${await page.locator('main').innerText()}`);
            if (await holding.isVisible().catch(() => false)) {
                await person.shot(`keys-${++held}`);
                await person.press(holding);
                continue;
            }
            await page.waitForTimeout(50);
        }
        await person.shot('backed-up');
        // Download mode for Odin, then straight into TWRP.
        expect(held).toBe(2);
        const after = writes();
        expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['RECOVERY']);
        expect(phone().state.extra['recovery']).toBe('twrp');
        const listed = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { backups: BackupView[] } };
        expect(listed.value.backups.every((b) => b.lastVerifiedAt !== null)).toBe(true);
        expect(person.findings).toEqual([]);
    }

    it('in English with the mouse: the question with the TWRP file row; "Stop" writes nothing; the own copy gets TWRP written and the backup made', async () => {
        await walk(new Person(e2e, 'en', 'mouse', 'backup-stock-recovery'));
    }, 400_000);

    it('in German with the keyboard alone, on another such phone', async () => {
        await walk(new Person(e2e, 'de', 'keyboard', 'backup-stock-recovery'));
        expect(await e2e.page.locator('html').getAttribute('lang')).toBe('de');
    }, 400_000);
});
