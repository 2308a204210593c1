/** The EFS partition (the IMEI) is copied raw; a copy that does not match the phone stops the job before the wipe. */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { corruptingAdbd } from '../../native/adb/corrupting-adbd.js';
import { phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-efs-', romBytes: 128 * 1024 });

describe('the raw EFS backup', () => {
    it('stops the job before the wipe when the computer\'s copy differs from the phone\'s partition', async () => {
        const marker = 'REVIVE-EFS-MARKER';
        // Damage the EFS bytes on their way to the computer (a bad cable only an end-to-end digest notices).
        const cable = corruptingAdbd(marker, 'to-computer');
        const stateDir = join(bench.dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20, protocols: { recovery: cable.protocol } });
        try {
            await phone.partitions.write('EFS', 0, Buffer.concat([Buffer.from(marker), randomBytes(4096)]));
            const before = phoneState(stateDir);
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, { home: join(bench.dir, 'home'), backupTo: join(bench.dir, 'backup') });
            expect(result.report).toBeUndefined();
            expect(cable.hits).toBeGreaterThan(0);
            const error = result.error as ReviveError;
            expect(error).toBeInstanceOf(ReviveError);
            expect(error.code).toBe('backup-mismatch');
            expect(error.message).toMatch(/copy of EFS .* does not match the phone's \/dev\/block\/bootdevice\/by-name\/efs/);
            const failed = result.events.find((e) => e.type === 'failed');
            expect(failed?.type === 'failed' && failed.step).toBe('backup');
            // Nothing was erased: the old system is still there and no wipe was asked for.
            expect(result.events.some((e) => e.type === 'confirm' && e.id === 'erase')).toBe(false);
            const after = phoneState(stateDir);
            expect(after.writeCounts['SYSTEM'] ?? 0).toBe(before.writeCounts['SYSTEM'] ?? 0);
            expect(after.writeCounts['USERDATA'] ?? 0).toBe(before.writeCounts['USERDATA'] ?? 0);
            expect(after.buildFingerprint).toBe(before.buildFingerprint);
            expect(after.installed).toEqual([]);
            // The unfinished archive was removed; only the finished one of internal storage (copied from Android first) is there.
            expect(existsSync(join(bench.dir, 'backup')) ? readdirSync(join(bench.dir, 'backup')).filter((n) => n.includes('.tar.age') && !n.endsWith('-storage.tar.age')) : []).toEqual([]);
            expect(readdirSync(join(bench.dir, 'backup')).filter((n) => n.includes('.partial'))).toEqual([]);
        } finally {
            await phone.close();
        }
    });
});
