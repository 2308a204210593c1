import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../../../native/backup/verify.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { BACKUP_OPENER, phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('shamu');
const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-shamu-', romBytes: 1024 * 1024 });

describe('the upgrade on a virtual Nexus 6 (fastboot path, with unlock)', () => {
    it('unlocks, flashes TWRP over fastboot, backs up, installs ROM → Gapps → su and starts the new system', async () => {
        const stateDir = join(bench.dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            expect(phoneState(stateDir).bootloaderLocked).toBe(true);
            const questions: string[] = [];
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, {
                home: join(bench.dir, 'home'),
                backupTo: join(bench.dir, 'backup'),
                answer: (request) => {
                    questions.push(request.id);
                    return true;
                },
            });
            expect(result.error).toBeUndefined();
            expect(questions).toEqual(['unlock', 'erase']);
            const state = phoneState(stateDir);
            expect(state.bootloaderLocked).toBe(false);
            expect(state.mode).toBe('android');
            expect(state.androidVersion).toBe('8.1.0');
            const digests = await Promise.all([bench.demo.rom, bench.demo.gapps, bench.demo.su].map(async (p) => (await hashFile(p)).sha256));
            expect(state.installed.map((p) => p.sha256)).toEqual(digests);
            const twrp = readFileSync(bench.demo.recovery);
            expect(readFileSync(phone.partitions.path('recovery')).subarray(0, twrp.length).equals(twrp)).toBe(true);
            // boot, system, data through TWRP; persist (no TWRP letter) copied raw from its block device.
            // One archive, opened with the key the test locked it for; no key beside it.
            const names = await readdir(join(bench.dir, 'backup'));
            expect(names.filter((f) => f.endsWith('.key'))).toEqual([]);
            const checked = await verifyArchive(join(bench.dir, 'backup', names.find((f) => f.endsWith('.tar.age') && !f.endsWith('-storage.tar.age')) ?? ''), BACKUP_OPENER);
            expect(checked.parts.map((p) => p.path).filter((p) => p.endsWith('.win')).sort()).toEqual(['raw/persist.emmc.win', 'twrp/boot.emmc.win', 'twrp/data.f2fs.win', 'twrp/system.ext4.win']);
        } finally {
            await phone.close();
        }
    });
});
