import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoPackages } from '../../../native/integrity/demo-packages.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { resourcePath } from '../../../native/resources.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');

const bench = upgradeBench(recipe, { prefix: 'revive-wrong-phone-', romBytes: 128 * 1024 });

describe('Odin refuses a Samsung that is not the chosen model', () => {
    it('stops before writing when the phone in download mode shows another partition table', async () => {
        // Samsungs share 04e8:685d in download mode; this one carries an S4 mini's partition table.
        const stateDir = join(bench.dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        await copyFile(resourcePath('pit', 'serranoveltexx.pit'), join(stateDir, 'download.pit'));
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, { home: bench.home });
            expect(result.report).toBeUndefined();
            expect(result.error).toBeInstanceOf(ReviveError);
            const error = result.error as ReviveError;
            expect(error.code).toBe('odin-wrong-phone');
            expect(error.message).toMatch(/not a Samsung Galaxy S4 LTE-A: its chip is MSM8916, not MSM8974/);
            expect(Object.values(phoneState(stateDir).writeCounts).reduce((a, b) => a + b, 0)).toBe(0);
        } finally {
            await phone.close();
        }
    });

    it('fastboot: a phone whose bootloader names another product is refused before unlocking', async () => {
        const sargo = requireRecipe('sargo');
        const packages = await generateDemoPackages(join(bench.dir, 'sargo-packages'), sargo, { romBytes: 128 * 1024 });
        const stateDir = join(bench.dir, 'nexus');
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            const result = await upgradeVirtual(phone, sargo, { recovery: packages.recovery, rom: packages.rom, gapps: packages.gapps, su: packages.su }, { home: bench.home });
            const error = result.error as ReviveError;
            expect(error.code).toBe('phone-mismatch');
            expect(error.message).toContain(`says it is "shamu"`);
            expect(phone.state.bootloaderLocked).toBe(true);
            expect(Object.values(phoneState(stateDir).writeCounts).reduce((a, b) => a + b, 0)).toBe(0);
        } finally {
            await phone.close();
        }
    });
});
