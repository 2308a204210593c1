/** A person's whole upgrade of a virtual Galaxy S4 in Chromium, asserted from the phone's own state. */
import { readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { verifyArchive } from '../../native/backup/verify.js';
import { UPGRADE_PASSPHRASE, upgradeVirtualS4 } from './wizard.js';

describe('upgrade wizard in Chromium (English, mouse)', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e();
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('upgrades the virtual Galaxy S4 from plugging in to done', async () => {
        const shots = await upgradeVirtualS4(e2e, 'en', 'mouse');
        const phone = e2e.backend.virtualPhone;
        expect(phone).toBeDefined();
        if (!phone) return;
        // The phone's own record: recovery installed ROM, Gapps and su, in the recipe's order.
        const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
        expect(phone.state.installed.map((p) => p.sha256)).toEqual([sha(e2e.demo.rom), sha(e2e.demo.gapps), sha(e2e.demo.su)]);
        expect(phone.state.androidVersion).toMatch(/^8\.1/);
        // The recovery partition holds exactly the TWRP image we picked.
        const twrp = readFileSync(e2e.demo.recovery);
        const written = await phone.partitions.read('RECOVERY', 0, twrp.length);
        expect(Buffer.from(written).equals(twrp)).toBe(true);
        // Before the wipe, internal storage (from Android) and TWRP's backup went into encrypted archives on the computer.
        const [job] = readdirSync(join(e2e.home, 'backups'));
        const inFolder = readdirSync(join(e2e.home, 'backups', job ?? ''));
        const archives = inFolder.filter((name) => name.endsWith('.tar.age') && !name.endsWith('-storage.tar.age'));
        expect(archives).toHaveLength(1);
        expect(inFolder.filter((name) => name.endsWith('-storage.tar.age'))).toHaveLength(1);
        // Locked with the passphrase typed on the review page, and nothing beside it that would open it.
        expect(inFolder.filter((name) => name.endsWith('.key'))).toEqual([]);
        const checked = await verifyArchive(join(e2e.home, 'backups', job ?? '', archives[0] ?? ''), [{ kind: 'scrypt', passphrase: UPGRADE_PASSPHRASE }]);
        expect(checked.parts.length).toBeGreaterThan(0);
        expect(shots.taken.length).toBeGreaterThanOrEqual(8);
        expect(await e2e.page.locator('main').innerText()).toContain('Android 8.1');
    });
});
