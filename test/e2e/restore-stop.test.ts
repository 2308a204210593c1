/**
 * A restore stopped half-way, in the app on the virtual Galaxy S4, in English and in German: while
 * the parts are being sent the bar shows size, rate and time left; Stop then leaves a page that says
 * where the phone is and what to do next (no command lines), the phone neither restored nor
 * claiming to be (its own state: still in TWRP, its changed system and build kept), and starting
 * the restore again from the same page finishes with the phone equal to the backed-up state.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupView } from '../../electron/api/contract.js';
import { VirtualFs } from '../../native/virtual/adbd-fs.js';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

const PASSPHRASE = 'harbour violet seventeen lanterns';
// Stopped on a stalled phone, the job still tries to remove what it pushed, and the stalled phone
// leaves that command's OPEN unanswered until the bound (the real 30 s unless REVIVE_ADB_OPEN_MS
// sets it) ends the connection: the virtual phone answers an OPEN in milliseconds, 10 s keep the margin.
process.env['REVIVE_ADB_OPEN_MS'] = '10000';

describe('a restore stopped half-way', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    async function stopAndRestart(person: Person): Promise<void> {
        const { page, t } = person;
        expect((await e2e.backend.call('startVirtualPhone', { codename: 'ks01ltexx' })).ok).toBe(true);
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const phoneFile = (path: string): string => new VirtualFs(phone.stateDir).hostPath(path);
        // A system large enough (32 MiB) that its copy to the phone is seen moving, and a photo in internal storage.
        await phone.partitions.write('SYSTEM', 0, randomBytes(32 * 1024 * 1024));
        const photo = randomBytes(64 * 1024);
        mkdirSync(phoneFile('/data/media/0/DCIM/Camera'), { recursive: true });
        writeFileSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`), photo);
        const partitionBytes = async (name: string): Promise<Buffer> => Buffer.from(await phone.partitions.read(name, 0, await phone.partitions.storedLength(name)));
        const made = await e2e.backend.call('backUpPhone', { jobId: `stop-${person.language}`, deviceId: 'virtual:ks01ltexx', passphrase: PASSPHRASE });
        expect(made.ok).toBe(true);
        const backup = (made as { ok: true; value: BackupView }).value;
        const backedUp = { system: await partitionBytes('SYSTEM'), fingerprint: phone.state.buildFingerprint };
        // After the backup the phone changes: another system, another build, the photo gone.
        await phone.partitions.write('SYSTEM', 0, randomBytes(32 * 1024 * 1024));
        const changed = { system: await partitionBytes('SYSTEM'), fingerprint: `${backedUp.fingerprint}-changed` };
        phone.state.buildFingerprint = changed.fingerprint;
        writeFileSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`), Buffer.from('other'));

        await page.goto(e2e.url(person.language));
        await person.press(person.button('devices.restore'));
        const title = t('backups.restore.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A');
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        // The list offers the backups in the backend's order: this run's is chosen by its place there.
        const listed = (await e2e.backend.call('listBackups', {})) as { ok: true; value: { backups: BackupView[] } };
        const choice = page.getByRole('radio').nth(listed.value.backups.findIndex((b) => b.backupId === backup.backupId));
        await expect.poll(() => page.getByRole('radio').count()).toBe(listed.value.backups.length);
        if (!(await choice.isChecked())) await person.press(choice);
        const main = page.locator('main');
        const restoring = page.getByRole('progressbar', { name: t('backups.progress.toPhone'), exact: true });
        const rate = new RegExp(t('progress.rate').replace('{{rate}}', '.+'));
        const left = new RegExp([t('progress.etaMinutes'), t('progress.etaSeconds')].map((s) => s.replace(/\{\{\w+\}\}/g, '\\d+')).join('|'));
        const begin = async (): Promise<void> => {
            await person.typeInto(page.getByLabel(t('backups.unlock.passphrase'), { exact: true }), PASSPHRASE);
            await person.press(person.button('backups.restore.start'));
            const dialog = page.getByRole('alertdialog');
            await dialog.waitFor();
            await person.press(dialog.getByRole('button', { name: t('backups.restore.confirm') }));
        };

        // 1. Started, and stopped while the parts are being sent, once the bar shows size, rate and time left.
        await begin();
        const deadline = Date.now() + 180_000;
        let facts: string;
        for (;;) {
            if (Date.now() > deadline) throw new Error(`The bar never showed rate and time left:\n${await main.innerText()}`);
            if (await page.locator('.error-box').isVisible()) throw new Error(`The restore failed:\n${await main.innerText()}`);
            if (await restoring.isVisible().catch(() => false)) {
                facts = await page.locator('.progress-facts').first().innerText().catch(() => '');
                if (rate.test(facts) && left.test(facts)) break;
            }
            await page.waitForTimeout(25);
        }
        expect(facts).toMatch(new RegExp(t('progress.amount').replace(/\{\{\w+\}\}/g, '.+')));
        await person.shot('restore-rate-left');
        // The phone stops taking bytes (its cable still in), so the Stop lands while the parts are being sent however slow the keyboard is.
        phone.faults.stallAfterBytes = 0;
        await person.press(person.button('backups.task.stop'));
        const errorHeading = page.locator('.error-box h2');
        await errorHeading.waitFor({ timeout: 120_000 });
        // Stopped while sending: the step that puts the backup back is the one that failed, none after it ran.
        expect(await page.locator('.task-steps li.failed').innerText()).toContain(t('backups.steps.restore'));
        expect(await errorHeading.innerText()).toBe(t('errors.cancelled.title'));
        const stopped = await main.innerText();
        // Where the phone is and what to do, in words; no command line, no journal.
        expect(stopped).toContain(t('errors.cancelled.message_restore').replace('{{what}}', 'Samsung Galaxy S4 LTE-A'));
        expect(stopped).toContain(t('backups.task.stoppedNext.restore'));
        expect(stopped).not.toContain('revive ');
        expect(stopped).not.toContain('--');
        expect(stopped).not.toMatch(/journal|Protokoll/i);
        expect(await page.getByRole('heading', { name: t('backups.restore.done.title') }).count()).toBe(0);
        await person.focusOn('.error-box h2');
        await person.shot('restore-stopped');
        // The phone, from its own state: in TWRP, its changed system and build untouched, nothing claimed.
        expect(phone.mode).toBe('recovery');
        expect((await partitionBytes('SYSTEM')).equals(changed.system)).toBe(true);
        expect(phone.state.buildFingerprint).toBe(changed.fingerprint);

        phone.faults.stallAfterBytes = undefined;
        // 2. Started again from the same page: it finishes, and the phone is the backed-up one.
        await begin();
        const restoredHeading = page.getByRole('heading', { name: t('backups.restore.done.title') });
        const again = Date.now() + 240_000;
        while (!(await restoredHeading.isVisible())) {
            if (Date.now() > again) throw new Error(`The restore started again did not finish:\n${await main.innerText()}`);
            if (await page.locator('.error-box').isVisible()) throw new Error(`The restore started again failed:\n${await main.innerText()}`);
            await page.waitForTimeout(50);
        }
        expect((await partitionBytes('SYSTEM')).equals(backedUp.system)).toBe(true);
        expect(phone.state.buildFingerprint).toBe(backedUp.fingerprint);
        expect(readFileSync(phoneFile(`/data/media/0/DCIM/Camera/${person.language}.jpg`)).equals(photo)).toBe(true);
        await person.shot('restore-again-done');
        expect(person.findings).toEqual([]);
    }

    it('in English with the mouse', async () => {
        await stopAndRestart(new Person(e2e, 'en', 'mouse', 'restore-stop'));
    }, 600_000);

    it('in German with the keyboard', async () => {
        await stopAndRestart(new Person(e2e, 'de', 'keyboard', 'restore-stop'));
    }, 600_000);
});
