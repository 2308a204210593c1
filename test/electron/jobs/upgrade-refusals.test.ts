import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeDemoGapps, writeDemoRom } from '../../../native/integrity/demo-packages.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import type { UpgradeFiles } from '../../../electron/jobs/types.js';
import { phoneState, totalWrites, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');

async function sidecar(path: string): Promise<string> {
    const { sha256 } = await hashFile(path);
    await writeFile(`${path}.sha256`, `${sha256}  ${path.split('/').pop()}\n`);
    return path;
}

const bench = upgradeBench(recipe, { prefix: 'revive-refusals-', romBytes: 128 * 1024 });

async function refused(name: string, files: Partial<UpgradeFiles>, battery = 80): Promise<{ error: ReviveError; phone: VirtualPhone }> {
    const stateDir = join(bench.dir, `phone-${name}`);
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', batteryPercent: battery, enumerationDelayMs: 20 });
    try {
        const before = totalWrites(phone);
        const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su, ...files }, { home: bench.home, backupTo: join(bench.dir, `backup-${name}`) });
        expect(result.report).toBeUndefined();
        expect(result.error).toBeInstanceOf(ReviveError);
        // Nothing reached the phone: its write counters (from its own state file) did not move.
        expect(totalWrites(phone)).toBe(before);
        const state = phoneState(stateDir);
        expect(Object.values(state.writeCounts).reduce((a, b) => a + b, 0)).toBe(0);
        expect(state.mode).toBe('android');
        expect(state.installed).toEqual([]);
        const failed = result.events.find((e) => e.type === 'failed');
        expect(failed && failed.type === 'failed' ? failed.phoneState : '').toMatch(/Nothing on the phone was changed/);
        return { error: result.error as ReviveError, phone };
    } finally {
        await phone.close();
    }
}

describe('the upgrade refuses before touching the phone', () => {
    it('a ROM one byte off its recipe checksum', async () => {
        const rom = join(bench.dir, 'lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip');
        await copyFile(bench.demo.rom, rom);
        const { error } = await refused('checksum', { rom });
        expect(error.code).toBe('checksum-mismatch');
        expect(error.message).toContain('lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip');
    });

    it("another phone's ROM", async () => {
        const rom = join(bench.dir, 'lineage-15.1-demo-serranoveltexx.zip');
        await writeDemoRom(rom, { devices: ['serranoveltexx'], androidVersion: '8.1.0', payloadBytes: 1024 });
        const { error } = await refused('device', { rom: await sidecar(rom) });
        expect(error.code).toBe('rom-wrong-device');
        expect(error.message).toMatch(/another phone/);
    });

    it('arm64 Gapps for an arm ROM', async () => {
        const gapps = join(bench.dir, 'open_gapps-arm64-8.1-nano-demo.zip');
        await writeDemoGapps(gapps, { arch: 'arm64', platform: '8.1', sdk: 27 });
        expect((await refused('arch', { gapps: await sidecar(gapps) })).error.code).toBe('gapps-wrong-arch');
    });

    it('Gapps for another Android version', async () => {
        const gapps = join(bench.dir, 'open_gapps-arm-9-nano-demo.zip');
        await writeDemoGapps(gapps, { arch: 'arm', platform: '9', sdk: 28 });
        const { error } = await refused('android', { gapps: await sidecar(gapps) });
        expect(error.code).toBe('gapps-wrong-android');
        expect(error.details).toMatchObject({ expected: '8.1', expectedSdk: 27, found: '9', foundSdk: 28 });
    });

    it('a recovery file that is not an image', async () => {
        const recovery = join(bench.dir, 'twrp-not-an-image.img');
        await copyFile(bench.demo.su, recovery);
        expect((await refused('image', { recovery: await sidecar(recovery) })).error.code).toBe('recovery-not-image');
    });

    it('a battery at 10%', async () => {
        const { error } = await refused('battery', {}, 10);
        expect(error.code).toBe('battery-low');
        expect(error.message).toMatch(/at least 50%.*at 10%/);
    });
});
