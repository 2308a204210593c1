/**
 * Two rows' files picked at the same moment (a person quick with two pickers, or two drops): each
 * file is checked against the checksum list picked with it. Each pick reads its list and then
 * starts its check; a list read while the other pick's list was still being read must not drop the
 * other one's digests, or that file is refused for want of a checksum.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { Person } from './person.js';

describe('files picked in two rows at once', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('checks each file against its own list', async () => {
        const person = new Person(e2e, 'en', 'mouse', 'files-at-once');
        const { page, demo } = e2e;
        await person.openFilesStep();
        const picks = (['recovery', 'rom'] as const).map((role) => ({
            role,
            files: [demo[role], `${demo[role]}.sha256`].map((path) => ({ name: basename(path), bytes: [...readFileSync(path)] })),
        }));
        // Both pickers report their files in the same task, as two quick picks can.
        await page.evaluate((all) => {
            for (const { role, files } of all) {
                const input = document.querySelector<HTMLInputElement>(`input[type=file][data-role=${role}]`);
                if (!input) throw new Error(`no picker for ${role}`);
                const transfer = new DataTransfer();
                for (const file of files) transfer.items.add(new File([new Uint8Array(file.bytes)], file.name));
                input.files = transfer.files;
            }
            for (const { role } of all) document.querySelector(`input[type=file][data-role=${role}]`)?.dispatchEvent(new Event('change', { bubbles: true }));
        }, picks);
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(2);
        expect(await page.locator('li.file-row.refused').count()).toBe(0);
        await person.shot('both-verified');
        expect(person.findings).toEqual([]);
    });
});
