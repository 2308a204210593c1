/**
 * "Open the folder" on the done screen. A browser has no desktop shell, so over the bridge the page
 * offers only "Copy the path"; in the Electron window the preload adds `openBackupFolder`. Here the
 * page's API object gets that one function before it is frozen, as the preload's has it (recording
 * the job id it is called with, where Electron main would open the folder); the button must appear
 * and name the finished job.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

describe('where the backup is, on the done screen', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('offers "Open the folder" where the host can open folders, and "Copy the path" always (German, keyboard)', async () => {
        const person = new Person(e2e, 'de', 'keyboard', 'open-folder');
        const { page, demo } = e2e;
        const t = person.t;
        // The preload's openBackupFolder, on the API object the page defines as window.revive.
        await page.addInitScript(() => {
            const freeze = Object.freeze;
            const opened: string[] = [];
            (window as unknown as { openedFolders: string[] }).openedFolders = opened;
            // The bridge client freezes its API object once it is complete: add the preload's function first.
            Object.freeze = <T>(value: T): Readonly<T> => {
                const api = value as { host?: unknown; openBackupFolder?: unknown } | null;
                if (api && typeof api === 'object' && api.host === 'browser' && !('openBackupFolder' in api)) {
                    api.openBackupFolder = async (jobId: string): Promise<unknown> => {
                        opened.push(jobId);
                        return { ok: true, value: { path: 'opened' } };
                    };
                }
                return freeze(value);
            };
        });
        await page.setViewportSize({ width: 1280, height: 800 });
        await person.openFilesStep();
        for (const role of ['recovery', 'rom'] as const) await page.locator(`input[type=file][data-role=${role}]`).setInputFiles([demo[role], `${demo[role]}.sha256`]);
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
        await person.press(person.button('wizard.next'));
        await person.startUpgrade();
        const done = page.getByRole('heading', { name: t('run.done.title') });
        await person.drive(() => done.isVisible(), () => true);

        const open = person.button('run.done.openFolder');
        expect(await open.isVisible()).toBe(true);
        expect(await person.button('run.done.copyPath').isVisible()).toBe(true);
        await person.shot('done-open-folder');
        await person.press(open);
        await expect.poll(() => page.evaluate(() => (window as unknown as { openedFolders: string[] }).openedFolders)).toHaveLength(1);
        const [jobId] = await page.evaluate(() => (window as unknown as { openedFolders: string[] }).openedFolders);
        expect(e2e.backend.backupFolderOf(jobId ?? '')).toMatch(/backups\/\d{8}-\d{4}-GT-I9506-/);
        expect(person.findings).toEqual([]);
    });
});
