import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentityFile } from '../../../native/backup/age/index.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('shamu');
let dir: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-upgrade-shamu-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 1024 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('the upgrade on a virtual Nexus 6 (fastboot path, with unlock)', () => {
    it('unlocks, flashes TWRP over fastboot, backs up, installs ROM → Gapps → su and starts the new system', async () => {
        const stateDir = join(dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            expect(phoneState(stateDir).bootloaderLocked).toBe(true);
            const questions: string[] = [];
            const result = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su }, {
                home: join(dir, 'home'),
                backupTo: join(dir, 'backup'),
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
            const digests = await Promise.all([demo.rom, demo.gapps, demo.su].map(async (p) => (await hashFile(p)).sha256));
            expect(state.installed.map((p) => p.sha256)).toEqual(digests);
            const twrp = readFileSync(demo.recovery);
            expect(readFileSync(phone.partitions.path('recovery')).subarray(0, twrp.length).equals(twrp)).toBe(true);
            // boot, system, data through TWRP; persist (no TWRP letter) copied raw from its block device.
            // One archive, opened with the key made for it beside it.
            const names = await readdir(join(dir, 'backup'));
            const key = parseIdentityFile(readFileSync(join(dir, 'backup', names.find((f) => f.endsWith('.key')) ?? ''), 'utf8')).map((i) => ({ kind: 'x25519' as const, secretKey: i.secretKey }));
            const checked = await verifyArchive(join(dir, 'backup', names.find((f) => f.endsWith('.tar.age')) ?? ''), key);
            expect(checked.parts.map((p) => p.path).filter((p) => p.endsWith('.win')).sort()).toEqual(['raw/persist.emmc.win', 'twrp/boot.emmc.win', 'twrp/data.f2fs.win', 'twrp/system.ext4.win']);
        } finally {
            await phone.close();
        }
    });
});
