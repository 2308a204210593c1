/**
 * `revive twrp pull-backup` copies only plain file names into the chosen folder (issue 13, H2) and
 * makes the copies private (M2): a phone that lists `../escape.txt` writes nothing outside it.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useVirtualAdb } from '../../support/virtual-adb.js';
import { Twrp } from '../../../native/adb/twrp.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import { renamingAdbd } from './renaming-adbd.js';

const fx = useVirtualAdb('twrp-pull');

async function twrpOn(recovery?: ModeProtocol): Promise<{ twrp: Twrp; backups: string }> {
    const p = await fx.phone('recovery', recovery ? { protocols: { recovery } } : {});
    const twrp = new Twrp(await fx.adb(p, { follow: true }));
    await twrp.backup('B', 'bk');
    return { twrp, backups: join(p.stateDir, 'fs/data/media/TWRP/BACKUPS', p.serial) };
}

describe('twrp pull-backup', () => {
    it('refuses a file name with ../ from the phone and writes nothing outside the folder', async () => {
        // The phone holds ZZZescape.txt in the backup and escape.txt beside it, and lists the first as ../escape.txt.
        const { twrp, backups } = await twrpOn(renamingAdbd('ZZZescape.txt', '../escape.txt'));
        await writeFile(join(backups, 'bk', 'ZZZescape.txt'), 'planted');
        await writeFile(join(backups, 'escape.txt'), 'planted');
        const local = join(fx.dir, 'out', 'backup');
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'unsafe-file-name' });
        expect(existsSync(join(fx.dir, 'out', 'escape.txt'))).toBe(false);
        expect(existsSync(join(local, 'escape.txt'))).toBe(false);
    });

    it('refuses a backup name that is not a plain name before anything is written', async () => {
        const { twrp } = await twrpOn();
        const local = join(fx.dir, 'out', 'backup');
        for (const name of ['../../../../..', '..', 'bk/../bk', '.hidden']) {
            await expect(twrp.pullBackup(name, local)).rejects.toMatchObject({ code: 'bad-name' });
        }
        expect(existsSync(join(fx.dir, 'out'))).toBe(false);
        await expect(twrp.backupFolder('../x')).rejects.toMatchObject({ code: 'bad-name' });
    });

    it('refuses a file name holding a backslash (a separator on Windows)', async () => {
        const { twrp, backups } = await twrpOn();
        await writeFile(join(backups, 'bk', '..\\escape.win'), 'planted');
        const local = join(fx.dir, 'backup');
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'unsafe-file-name' });
        expect(await readdir(fx.dir)).not.toContain('escape.win');
        expect(existsSync(join(local, '..\\escape.win'))).toBe(false);
    });

    it('does not write through a link planted in the folder, and makes the copies private', async () => {
        const { twrp } = await twrpOn();
        const local = join(fx.dir, 'backup');
        await mkdir(local, { recursive: true, mode: 0o755 });
        await chmod(local, 0o755);
        const target = join(fx.dir, 'target');
        await writeFile(target, 'not to be overwritten');
        await symlink(target, join(local, 'boot.emmc.win'));
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'file-exists' });
        expect(await readFile(target, 'utf8')).toBe('not to be overwritten');
        await rm(local, { recursive: true });
        await mkdir(local, { mode: 0o755 });
        await chmod(local, 0o755);
        const checks = await twrp.pullBackup('bk', local);
        expect(checks.every((c) => c.ok)).toBe(true);
        expect((await stat(local)).mode & 0o777).toBe(0o700);
        for (const name of await readdir(local)) expect((await stat(join(local, name))).mode & 0o777, name).toBe(0o600);
        // A second copy into the same folder refuses to overwrite what is there.
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'file-exists' });
    });
});
