/** The same whole upgrade in German, with the keyboard alone (Tab, Enter, Space). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2e, type E2e } from './harness.js';
import { upgradeVirtualS4 } from './wizard.js';

describe('upgrade wizard in Chromium (German, keyboard only)', () => {
    let e2e: E2e;
    beforeAll(async () => {
        e2e = await startE2e();
    });
    afterAll(async () => {
        await e2e?.close();
    });

    it('reaches "Fertig" without a mouse and the phone runs the new system', async () => {
        const shots = await upgradeVirtualS4(e2e, 'de', 'keyboard');
        expect(shots.taken.length).toBeGreaterThanOrEqual(8);
        expect(e2e.backend.virtualPhone?.state.installed).toHaveLength(3);
        expect(await e2e.page.locator('html').getAttribute('lang')).toBe('de');
    });
});
