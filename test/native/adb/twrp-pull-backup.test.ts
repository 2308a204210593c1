/**
 * `revive twrp pull-backup` copies only plain file names into the chosen folder (issue 13, H2) and
 * makes the copies private (M2): a phone that lists `../escape.txt` writes nothing outside it.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach, type AdbPhone } from '../../../native/adb/phone.js';
import { Twrp } from '../../../native/adb/twrp.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { renamingAdbd } from './renaming-adbd.js';

let dir: string;
let phone: VirtualPhone | undefined;
let adb: AdbPhone | undefined;

beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-twrp-pull-'));
});
afterEach(async () => {
    await adb?.close();
    await phone?.close();
    adb = undefined;
    phone = undefined;
    await rm(dir, { recursive: true, force: true });
});

async function twrpOn(recovery?: ModeProtocol): Promise<{ twrp: Twrp; backups: string }> {
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20, ...(recovery ? { protocols: { recovery } } : {}) });
    const p = phone;
    const usbDevice = p.usbDevice;
    if (!usbDevice) throw new Error('virtual phone not on the bus');
    adb = await connectAdb(
        { usbDevice, usb: usbManagerFromDetach(p), findAgain: (signal) => p.waitForDevice({ timeoutMs: 10_000, signal }) },
        { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) },
    );
    const twrp = new Twrp(adb);
    await twrp.backup('B', 'bk');
    return { twrp, backups: join(p.stateDir, 'fs/data/media/TWRP/BACKUPS', p.serial) };
}

describe('twrp pull-backup', () => {
    it('refuses a file name with ../ from the phone and writes nothing outside the folder', async () => {
        // The phone holds ZZZescape.txt in the backup and escape.txt beside it, and lists the first as ../escape.txt.
        const { twrp, backups } = await twrpOn(renamingAdbd('ZZZescape.txt', '../escape.txt'));
        await writeFile(join(backups, 'bk', 'ZZZescape.txt'), 'planted');
        await writeFile(join(backups, 'escape.txt'), 'planted');
        const local = join(dir, 'out', 'backup');
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'unsafe-file-name' });
        expect(existsSync(join(dir, 'out', 'escape.txt'))).toBe(false);
        expect(existsSync(join(local, 'escape.txt'))).toBe(false);
    });

    it('refuses a backup name that is not a plain name before anything is written', async () => {
        const { twrp } = await twrpOn();
        const local = join(dir, 'out', 'backup');
        for (const name of ['../../../../..', '..', 'bk/../bk', '.hidden']) {
            await expect(twrp.pullBackup(name, local)).rejects.toMatchObject({ code: 'bad-name' });
        }
        expect(existsSync(join(dir, 'out'))).toBe(false);
        await expect(twrp.backupFolder('../x')).rejects.toMatchObject({ code: 'bad-name' });
    });

    it('refuses a file name holding a backslash (a separator on Windows)', async () => {
        const { twrp, backups } = await twrpOn();
        await writeFile(join(backups, 'bk', '..\\escape.win'), 'planted');
        const local = join(dir, 'backup');
        await expect(twrp.pullBackup('bk', local)).rejects.toMatchObject({ code: 'unsafe-file-name' });
        expect(await readdir(dir)).not.toContain('escape.win');
        expect(existsSync(join(local, '..\\escape.win'))).toBe(false);
    });

    it('does not write through a link planted in the folder, and makes the copies private', async () => {
        const { twrp } = await twrpOn();
        const local = join(dir, 'backup');
        await mkdir(local, { recursive: true, mode: 0o755 });
        await chmod(local, 0o755);
        const target = join(dir, 'target');
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
