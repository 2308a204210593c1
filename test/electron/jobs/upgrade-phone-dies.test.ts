/**
 * A phone that dies in TWRP while the upgrade waits for it to change mode (issue 13): the upgrade
 * says what it waits for, and ends with a message naming that mode instead of waiting in silence.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
let dir: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-dies-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 64 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('a phone that dies in TWRP', () => {
    it('the wait for sideload says what it waits for and ends with a message naming the mode', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'phone'), owner: 'accept', enumerationDelayMs: 20 });
        try {
            let died = false;
            const result = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom }, {
                home: join(dir, 'home'),
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
