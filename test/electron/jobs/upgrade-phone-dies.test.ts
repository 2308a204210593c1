/**
 * A phone that dies in TWRP while the upgrade waits for it to change mode (issue 13): the upgrade
 * says what it waits for, and ends with a message naming that mode instead of waiting in silence.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-dies-', romBytes: 64 * 1024 });

describe('a phone that dies in TWRP', () => {
    it('the wait for sideload says what it waits for and ends with a message naming the mode', async () => {
        const phone = await bench.phone('phone');
        try {
            let died = false;
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom }, {
                home: join(bench.dir, 'home'),
                noBackup: true,
                onEvent: (event) => {
                    if (!died && event.type === 'log' && /start ADB sideload/.test(event.line)) {
                        died = true;
                        phone.unplug();
                    }
                },
            });
            expect(died).toBe(true);
            expect(result.error).toBeInstanceOf(ReviveError);
            expect(result.error).toMatchObject({ code: 'phone-not-found' });
            expect((result.error as ReviveError).message).toContain('TWRP sideload');
            const logs = result.events.flatMap((e) => (e.type === 'log' ? [e.line] : []));
            expect(logs.some((line) => /Waiting up to 10 s for the phone in TWRP sideload/.test(line)), logs.join('\n')).toBe(true);
            const failed = result.events.find((e) => e.type === 'failed');
            expect(failed?.type === 'failed' && failed.error.message).toContain('TWRP sideload');
        } finally {
            await phone.close();
        }
    }, 40_000);
});
