/**
 * The engine against an in-process virtual Galaxy S4 in TWRP: a backup cut by an unplug leaves no
 * partial archive and no partition written; a data backup past TWRP's split size
 * comes as .win000/.win001 and restores; a restore cut by an unplug mid-copy leaves a journal that
 * says which part was being sent, and running it again finishes with the phone as backed up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb, usbManagerFromDetach, type AdbPhone } from '../../../native/adb/phone.js';
import { backupPhone } from '../../../native/backup/phone-backup.js';
import { restorePhone } from '../../../native/backup/phone-restore.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { Journal, newJobId, readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualFs } from '../../../native/virtual/adbd-fs.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

let dir: string;
let phone: VirtualPhone;
const recipe = requireRecipe('ks01ltexx');
const pass = [{ kind: 'scrypt', passphrase: 'walnut harbor ninety lamps' }] as const;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Where a path on the phone lives in its state folder. */
const onPhone = (path: string): string => new VirtualFs(phone.stateDir).hostPath(path);

async function connect(): Promise<AdbPhone> {
    const usbDevice = await phone.waitForDevice({ timeoutMs: 10_000 });
    return connectAdb({ usbDevice, usb: usbManagerFromDetach(phone), findAgain: (signal) => phone.waitForDevice({ timeoutMs: 30_000, signal }) }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) });
}

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-engine-'));
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir: join(dir, 'phone'), owner: 'accept', enumerationDelayMs: 20 });
    phone.twrpSplitBytes = 256 * 1024;
    await phone.partitions.write('USERDATA', 0, randomBytes(600 * 1024));
    await phone.partitions.write('SYSTEM', 0, randomBytes(200 * 1024));
    mkdirSync(onPhone('/data/media/0/Music'), { recursive: true });
    writeFileSync(onPhone('/data/media/0/Music/song.ogg'), randomBytes(300 * 1024));
});
afterAll(async () => {
    await phone?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the backup engine on a virtual phone', () => {
    let archive: string;
    const userdata = (): Promise<string> => phone.partitions.storedLength('USERDATA').then(async (n) => sha(await phone.partitions.read('USERDATA', 0, n)));
    let dataBefore: string;

    it('an unplug mid-backup: a disconnect error, no partial archive, no partition written; the next backup runs', async () => {
        const writeCounts = (): number[] => phone.partitions.names().map((n) => phone.partitions.writeCount(n));
        const writes = writeCounts();
        const adb = await connect();
        phone.faults.unplugAfterDeviceBytes = 400 * 1024;
        const failure = await backupPhone(adb, recipe, { folder: join(dir, 'cut'), recipients: [...pass] }).then(
            () => undefined,
            (e: unknown) => e,
        );
        await adb.close().catch(() => undefined);
        expect(failure).toBeInstanceOf(ReviveError);
        expect((failure as ReviveError).code).toBe('adb-disconnected');
        expect(phone.isUnplugged).toBe(true);
        expect(readdirSync(join(dir, 'cut'))).toEqual([]);
        expect(writeCounts()).toEqual(writes);
        phone.replug();
    });

    it('splits a data backup past TWRP’s size into .win000, .win001… with a digest each', async () => {
        dataBefore = await userdata();
        const adb = await connect();
        try {
            const result = await backupPhone(adb, recipe, { folder: join(dir, 'out'), recipients: [...pass], verifyWith: [...pass] });
            archive = result.path;
            const names = result.manifest.parts.map((p) => p.path);
            expect(names).toEqual(expect.arrayContaining(['twrp/data.ext4.win000', 'twrp/data.ext4.win000.sha2', 'twrp/data.ext4.win001', 'twrp/data.ext4.win001.sha2', 'twrp/data.ext4.win002', 'storage/Music/song.ogg', 'raw/efs.emmc.win']));
            expect(names).not.toContain('twrp/data.ext4.win');
        } finally {
            await adb.close();
        }
    });

    it('an unplug mid-restore: the journal names the part being sent; running it again finishes', async () => {
        await phone.partitions.erase('USERDATA');
        rmSync(onPhone('/data/media/0/Music'), { recursive: true, force: true });
        const journal = Journal.create(newJobId(), 'restore', { archive }, join(dir, 'home'));
        let adb = await connect();
        phone.faults.unplugAfterBytes = 500 * 1024;
        const failure = await restorePhone(adb, { recipe, archive, identities: [...pass], journal, checkBoot: false }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(failure).toBeDefined();
        await adb.close().catch(() => undefined);
        const entries = readJournal(journal.path);
        expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'check', status: 'verified' }));
        expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'push', status: 'failed' }));
        const sending = entries.filter((e) => e.t === 'note' && e.key === 'sending');
        expect(sending.length).toBeGreaterThan(0);
        expect(sending.at(-1)).toMatchObject({ data: { part: expect.stringMatching(/^(twrp|storage)\//) } });
        expect(entries.some((e) => e.t === 'step' && e.step === 'twrp-restore')).toBe(false);

        phone.replug();
        adb = await connect();
        try {
            const retry = Journal.resume(journal.jobId, join(dir, 'home'));
            const result = await restorePhone(adb, { recipe, archive, identities: [...pass], journal: retry, checkBoot: false });
            expect([...result.restored].sort()).toEqual(['boot', 'data', 'system']);
        } finally {
            await adb.close();
        }
        expect(readJournal(journal.path)).toContainEqual(expect.objectContaining({ t: 'step', step: 'twrp-restore', status: 'verified' }));
        expect(await userdata()).toBe(dataBefore);
        expect(readFileSync(onPhone('/data/media/0/Music/song.ogg')).length).toBe(300 * 1024);
    });
});
