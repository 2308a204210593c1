/**
 * The upgrade's backup copies only plain file names into the backup folder (issue 13, H2) and keeps
 * the copies private: files 0600, the folder 0700 even when it existed before (M2).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { renamingAdbd } from '../../native/adb/renaming-adbd.js';
import { phoneState, totalWrites, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-backup-', romBytes: 128 * 1024 });

const files = (): { recovery: string; rom: string; gapps: string; su: string } => ({ recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su });

describe('the upgrade\'s backup files', () => {
    it.each([['../boot.c.win', 'slash'], ['..\\boot.c.win', 'backslash']])('refuses the name %s from the phone before writing it and before the wipe', async (lie, label) => {
        const stateDir = join(bench.dir, `phone-${label}`);
        // TWRP's boot.emmc.win is listed to the computer under another name; the phone really holds
        // boot.c.win (and its digest) beside the backup folder, so an unchecked ../ copy succeeds.
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20, protocols: { recovery: renamingAdbd('boot.emmc.win', lie) } });
        try {
            const beside = join(stateDir, 'fs/data/media/TWRP/BACKUPS', phone.serial);
            await mkdir(beside, { recursive: true });
            const planted = Buffer.from('planted by the phone');
            await writeFile(join(beside, 'boot.c.win'), planted);
            await writeFile(join(beside, 'boot.c.win.sha2'), `${createHash('sha256').update(planted).digest('hex')}  boot.c.win\n`);
            const before = phoneState(stateDir);
            const backupTo = join(bench.dir, `escape-${label}`, 'backup');
            const result = await upgradeVirtual(phone, recipe, files(), { home: join(bench.dir, 'home'), backupTo });
            const written = async (folder: string): Promise<string[]> => (existsSync(folder) ? (await readdir(folder)).filter((name) => name.includes('boot.c')) : []);
            expect(await written(join(bench.dir, `escape-${label}`))).toEqual([]);
            expect(await written(backupTo)).toEqual([]);
            expect(result.report).toBeUndefined();
            expect(result.error).toBeInstanceOf(ReviveError);
            expect((result.error as ReviveError).code).toBe('backup-bad-entry-name');
            expect(result.events.some((e) => e.type === 'confirm' && e.id === 'erase')).toBe(false);
            expect(phoneState(stateDir).writeCounts['USERDATA'] ?? 0).toBe(before.writeCounts['USERDATA'] ?? 0);
        } finally {
            await phone.close();
        }
    });

    it('refuses to start a backup with nothing to lock it: no event, no journal, nothing written to the phone', async () => {
        const phone = await bench.phone('phone-no-lock');
        try {
            const writes = totalWrites(phone);
            const home = join(bench.dir, 'home-no-lock');
            const backupTo = join(bench.dir, 'no-lock', 'backup');
            const result = await upgradeVirtual(phone, recipe, files(), { home, backupTo, backupKeys: null });
            expect(result.error).toBeInstanceOf(ReviveError);
            expect((result.error as ReviveError).code).toBe('backup-lock-needed');
            expect((result.error as ReviveError).facts).toMatchObject({ variant: 'job' });
            expect(result.events).toEqual([]);
            expect(totalWrites(phone)).toBe(writes);
            expect(existsSync(backupTo)).toBe(false);
            expect(existsSync(join(home, 'jobs'))).toBe(false);
        } finally {
            await phone.close();
        }
    });

    it('makes the backup private: files 0600, the folder 0700 although it existed as 0755', async () => {
        const stateDir = join(bench.dir, 'phone-private');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            const backupTo = join(bench.dir, 'private', 'backup');
            await mkdir(backupTo, { recursive: true, mode: 0o755 });
            await chmod(backupTo, 0o755);
            const result = await upgradeVirtual(phone, recipe, files(), { home: join(bench.dir, 'home'), backupTo });
            expect(result.error).toBeUndefined();
            expect((await stat(backupTo)).mode & 0o777).toBe(0o700);
            const names = await readdir(backupTo);
            // Internal storage copied from Android and the full backup: two archives, and nothing else (no key).
            expect(names.filter((n) => n.endsWith('-storage.tar.age'))).toHaveLength(1);
            expect(names.filter((n) => n.endsWith('.tar.age'))).toHaveLength(2);
            expect(names).toHaveLength(2);
            for (const name of names) {
                const info = await stat(join(backupTo, name));
                expect(info.mode & 0o777, name).toBe(info.isDirectory() ? 0o700 : 0o600);
            }
        } finally {
            await phone.close();
        }
    });
});
