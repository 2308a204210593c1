/**
 * The app's backups on the built-in virtual phone, through the backend's commands: back up the
 * phone from Android (the backup job restarts it into TWRP; progress over the whole backup as job events), the list with its last verification, verify (a wrong
 * passphrase changes nothing; `revive backup verify` records too), travel-clean only after a
 * verified backup of this phone, restore → internal storage and /data as before (also from Android:
 * the restore job reaches TWRP itself), delete.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { ApiError, BackupView, Device, EventName, EventPayload } from '../../../electron/api/contract.js';
import { VirtualFs } from '../../../native/virtual/adbd-fs.js';
import { ageDecryptor, ageEncryptor, formatIdentityFile, generateIdentity, parseRecipient } from '../../../native/backup/age/index.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { callOk, callRefused } from '../../support/backend-calls.js';
import { runCli } from '../../support/run-cli.js';

const PASS = 'orchard violin seventy lanterns';
let dir: string;
let backend: Backend;
const events: Array<{ event: EventName; payload: unknown }> = [];

const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);
const refusal = (command: string, request: unknown): Promise<ApiError> => callRefused(backend, command, request);

const list = async (): Promise<BackupView[]> => (await call<{ backups: BackupView[] }>('listBackups', {})).backups;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

let device: Device;
const song = randomBytes(200 * 1024);
const onPhone = (path: string): string => {
    const phone = backend.virtualPhone;
    if (!phone) throw new Error('no virtual phone');
    return new VirtualFs(phone.stateDir).hostPath(path);
};

async function inTwrp(): Promise<Device> {
    const phone = backend.virtualPhone;
    if (!phone) throw new Error('no virtual phone');
    if (phone.mode !== 'recovery') phone.pressKeys('recovery');
    await phone.waitForDevice({ mode: 'recovery', timeoutMs: 20_000 });
    for (let i = 0; i < 100; i++) {
        const found = (await call<{ devices: Device[] }>('listDevices', {})).devices.find((d) => d.virtual && d.mode === 'recovery' && d.state === 'ready');
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the virtual phone did not show up in recovery');
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-app-backups-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
    backend.subscribe((event, payload) => void events.push({ event, payload }));
    await call<Device>('startVirtualPhone', { codename: 'ks01ltexx' });
    mkdirSync(onPhone('/data/media/0/Music'), { recursive: true });
    writeFileSync(onPhone('/data/media/0/Music/song.ogg'), song);
}, 60_000);

afterAll(async () => {
    await backend?.close();
    delete process.env['REVIVE_HOME'];
    await rm(dir, { recursive: true, force: true });
});

describe('backups in the app, on the virtual phone', () => {
    let backup: BackupView;

    it('refuses a weak passphrase before touching the phone', async () => {
        expect((await refusal('backUpPhone', { jobId: 'weak1', deviceId: 'virtual:ks01ltexx', passphrase: 'password1' })).code).toBe('backup-weak-passphrase');
        expect(await list()).toEqual([]);
    });

    it('backs the phone up from Android into one archive, verified, with progress as job events; it stays in TWRP', async () => {
        expect(backend.virtualPhone?.mode).toBe('android');
        backup = await call<BackupView>('backUpPhone', { jobId: 'bk1', deviceId: 'virtual:ks01ltexx', passphrase: PASS, leaveInTwrp: true });
        expect(backend.virtualPhone?.mode).toBe('recovery');
        expect(backup).toMatchObject({ codename: 'ks01ltexx', phoneName: 'Samsung Galaxy S4 LTE-A', lockedWith: 'passphrase' });
        expect(backup.lastVerifiedAt).not.toBeNull();
        expect(backup.backupId).toMatch(/^ks01ltexx-.*\.tar\.age$/);
        const steps = events.filter((e) => e.event === 'jobStep' && (e.payload as EventPayload<'jobStep'>).jobId === 'bk1').map((e) => e.payload as EventPayload<'jobStep'>);
        expect(steps.filter((s) => s.status === 'finished').map((s) => s.step)).toEqual(['identify', 'reach-phone-mode', 'archive', 'verify-archive', 'leave-phone']);
        const progress = events.filter((e) => e.event === 'jobProgress' && (e.payload as EventPayload<'jobProgress'>).jobId === 'bk1').map((e) => e.payload as EventPayload<'jobProgress'>);
        // One count over the whole backup: its total, known before the first byte, is every part's size (TWRP's files, EFS, internal storage).
        const whole = progress.filter((p) => p.step === 'backup');
        const parts = (await verifyArchive(backup.path, [{ kind: 'scrypt', passphrase: PASS }])).parts;
        const total = parts.reduce((sum, p) => sum + p.sizeBytes, 0);
        expect(whole[0]).toMatchObject({ bytesDone: 0, bytesTotal: total, item: null });
        expect(whole.every((p) => p.bytesTotal === total)).toBe(true);
        expect(whole.every((p, i) => i === 0 || p.bytesDone >= (whole[i - 1]?.bytesDone ?? 0))).toBe(true);
        expect(whole.at(-1)?.bytesDone).toBe(total);
        expect(parts.map((p) => p.path)).toEqual(expect.arrayContaining(['raw/efs.emmc.win', 'storage/Music/song.ogg']));
        // The part being copied rides along; the bytes are the whole's, not the part's.
        expect(whole.some((p) => p.item === 'storage/Music/song.ogg' && p.bytesDone > song.length)).toBe(true);
        expect(await list()).toEqual([backup]);
    }, 120_000);

    it('verify with a wrong passphrase fails and keeps the last verification; the right one records a new time', async () => {
        const before = backup.lastVerifiedAt;
        expect((await refusal('verifyBackup', { jobId: 'v1', backupId: backup.backupId, unlock: { passphrase: 'not the right words at all' } })).code).toMatch(/age|passphrase|key/);
        expect((await list())[0]?.lastVerifiedAt).toBe(before);
        await new Promise((resolve) => setTimeout(resolve, 20));
        const verified = await call<BackupView>('verifyBackup', { jobId: 'v2', backupId: backup.backupId, unlock: { passphrase: PASS } });
        expect(verified.lastVerifiedAt).not.toBeNull();
        expect(Date.parse(verified.lastVerifiedAt ?? '')).toBeGreaterThan(Date.parse(before ?? ''));
        backup = verified;
    }, 60_000);

    it('an archive changed since its verification has no last verification; `revive backup verify` records one', async () => {
        const copy = join(dir, 'home', 'backups', backup.backupId.replace('.tar.age', '-copy.tar.age'));
        writeFileSync(copy, readFileSync(backup.path), { mode: 0o600 });
        const listed = (await list()).find((b) => b.path === copy);
        expect(listed?.lastVerifiedAt).toBeNull();
        // Not verified: the phone is not made travel-clean, nothing is written to it.
        const writes = backend.virtualPhone?.partitions.writeCount('USERDATA');
        const refused = await refusal('makeTravelClean', { jobId: 'tc0', deviceId: (await inTwrp()).id, backupId: copy.split('/').at(-1) });
        expect(refused).toMatchObject({ code: 'travel-clean-refused', facts: { variant: 'not-verified' } });
        expect(backend.virtualPhone?.partitions.writeCount('USERDATA')).toBe(writes);
        expect(existsSync(onPhone('/data/media/0/Music/song.ogg'))).toBe(true);
        writeFileSync(join(dir, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
        const cli = await runCli(['backup', 'verify', copy, '--passphrase-file', join(dir, 'pass.txt'), '--json']);
        expect(cli.code).toBe(0);
        const verifiedAt = (JSON.parse(cli.out.trim().split('\n').at(-1) ?? '{}') as { verifiedAt: string }).verifiedAt;
        expect((await list()).find((b) => b.path === copy)?.lastVerifiedAt).toBe(verifiedAt);
        // Touched after the verification: not the file that was verified any more.
        utimesSync(copy, new Date(), new Date(Date.now() + 5000));
        expect((await list()).find((b) => b.path === copy)?.lastVerifiedAt).toBeNull();
        await call('deleteBackup', { backupId: copy.split('/').at(-1) });
        expect(existsSync(copy)).toBe(false);
    }, 60_000);

    it('a backup locked with a key is listed so and verified with the identity file the person picks', async () => {
        const identity = generateIdentity();
        // In a folder of its own, as an upgrade keeps its backup: listed too.
        mkdirSync(join(dir, 'home', 'backups', '20260203-GT-I9506-upgrade'), { recursive: true });
        const keyed = join(dir, 'home', 'backups', '20260203-GT-I9506-upgrade', 'ks01ltexx-keyed-2026-02-03T04-05-06.tar.age');
        // The same archive, opened with the passphrase and locked again to an age1… recipient.
        await pipeline(createReadStream(backup.path), ageDecryptor([{ kind: 'scrypt', passphrase: PASS }]), await ageEncryptor([{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }]), createWriteStream(keyed, { mode: 0o600 }));
        expect((await list()).find((b) => b.path === keyed)).toMatchObject({ lockedWith: 'key', lastVerifiedAt: null });
        writeFileSync(join(dir, 'key.txt'), formatIdentityFile(identity), { mode: 0o600 });
        const file = await backend.uploads.grant(join(dir, 'key.txt'));
        const verified = await call<BackupView>('verifyBackup', { jobId: 'vk1', backupId: '20260203-GT-I9506-upgrade/ks01ltexx-keyed-2026-02-03T04-05-06.tar.age', unlock: { identity: file } });
        expect(verified.backupId).toBe('20260203-GT-I9506-upgrade/ks01ltexx-keyed-2026-02-03T04-05-06.tar.age');
        expect(verified).toMatchObject({ lockedWith: 'key', codename: 'ks01ltexx' });
        expect(verified.lastVerifiedAt).not.toBeNull();
        await call('deleteBackup', { backupId: verified.backupId });
    }, 60_000);

    it('makes the phone travel-clean only with a verified backup of it, then restores it', async () => {
        device = await inTwrp();
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const userdata = async (): Promise<string> => sha(await phone.partitions.read('USERDATA', 0, await phone.partitions.storedLength('USERDATA')));
        const dataBefore = await userdata();
        const cleaned = await call<{ storageFilesLeft: number }>('makeTravelClean', { jobId: 'tc1', deviceId: device.id, backupId: backup.backupId });
        expect(cleaned.storageFilesLeft).toBe(0);
        expect(existsSync(onPhone('/data/media/0/Music/song.ogg'))).toBe(false);

        device = await inTwrp();
        const restored = await call<{ restored: string[]; storageFiles: number; fingerprintChecked: boolean }>('restoreBackup', { jobId: 'rs1', deviceId: device.id, backupId: backup.backupId, unlock: { passphrase: PASS } });
        expect(restored.restored).toEqual(expect.arrayContaining(['boot', 'system', 'data']));
        expect(restored.fingerprintChecked).toBe(true);
        expect(sha(readFileSync(onPhone('/data/media/0/Music/song.ogg')))).toBe(sha(song));
        expect(await userdata()).toBe(dataBefore);
        // The copy to the phone counts the whole archive, apart from the check's read of it.
        const progress = events.filter((e) => e.event === 'jobProgress' && (e.payload as EventPayload<'jobProgress'>).jobId === 'rs1').map((e) => e.payload as EventPayload<'jobProgress'>);
        const steps = [...new Set(progress.map((p) => p.step))];
        expect(steps).toEqual(['backup-read', 'restore-push']);
        expect(progress.filter((p) => p.step === 'restore-push').at(-1)).toMatchObject({ bytesDone: backup.sizeBytes, bytesTotal: backup.sizeBytes });
    }, 180_000);

    it('EFS comes back only with the backup\'s codename typed back; a wrong word writes nothing', async () => {
        expect(backup.rawState).toEqual(['efs']);
        device = await inTwrp();
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const efsLength = await phone.partitions.storedLength('EFS');
        const efsBackedUp = sha(await phone.partitions.read('EFS', 0, efsLength));
        await phone.partitions.write('EFS', 0, randomBytes(efsLength));
        const efsChanged = sha(await phone.partitions.read('EFS', 0, efsLength));
        const writes = phone.partitions.names().map((n) => phone.partitions.writeCount(n));
        const refused = await refusal('restoreBackup', { jobId: 'rs-efs0', deviceId: device.id, backupId: backup.backupId, unlock: { passphrase: PASS }, rawStateTyped: 'yes' });
        expect(refused).toMatchObject({ code: 'restore-raw-unconfirmed', facts: { variant: 'typed', partitions: 'efs' } });
        expect(phone.partitions.names().map((n) => phone.partitions.writeCount(n))).toEqual(writes);
        expect(sha(await phone.partitions.read('EFS', 0, efsLength))).toBe(efsChanged);

        const restored = await call<{ rawRestored: string[] }>('restoreBackup', { jobId: 'rs-efs1', deviceId: device.id, backupId: backup.backupId, unlock: { passphrase: PASS }, rawStateTyped: ` ${backup.codename ?? ''} ` });
        expect(restored.rawRestored).toEqual(['efs']);
        expect(sha(await phone.partitions.read('EFS', 0, efsLength))).toBe(efsBackedUp);
    }, 180_000);

    it('restores a phone that runs Android: every part checked first, then the job restarts it into TWRP itself', async () => {
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        if (phone.mode !== 'android') phone.reboot('android');
        await phone.waitForDevice({ mode: 'android', timeoutMs: 20_000 });
        const restored = await call<{ restored: string[]; fingerprintChecked: boolean; fingerprint: string }>('restoreBackup', { jobId: 'rs-android', deviceId: 'virtual:ks01ltexx', backupId: backup.backupId, unlock: { passphrase: PASS } });
        expect(restored.restored).toEqual(expect.arrayContaining(['boot', 'system', 'data']));
        expect(restored.fingerprintChecked).toBe(true);
        const started = events.filter((e) => e.event === 'jobStep' && (e.payload as EventPayload<'jobStep'>).jobId === 'rs-android' && (e.payload as EventPayload<'jobStep'>).status === 'started').map((e) => (e.payload as EventPayload<'jobStep'>).step);
        expect(started).toEqual(['identify', 'check-archive', 'reach-phone-mode', 'restore', 'check-system']);
        expect(phone.mode).toBe('android');
    }, 180_000);

    it('a Samsung with its stock recovery and no TWRP in the download cache: the question asks for the image; "Stop" writes nothing', async () => {
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        phone.state.extra['recovery'] = 'stock';
        try {
            const writes = phone.partitions.names().map((n) => phone.partitions.writeCount(n));
            const asked = (async (): Promise<EventPayload<'jobConfirm'>> => {
                for (;;) {
                    const found = events.find((e) => e.event === 'jobConfirm' && (e.payload as EventPayload<'jobConfirm'>).jobId === 'rs-stock');
                    if (found) return found.payload as EventPayload<'jobConfirm'>;
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
            })();
            const refusing = refusal('restoreBackup', { jobId: 'rs-stock', deviceId: 'virtual:ks01ltexx', backupId: backup.backupId, unlock: { passphrase: PASS } });
            const question = await asked;
            expect(question).toMatchObject({ id: 'write-twrp', facts: { partition: 'RECOVERY', fileNeeded: 'yes' } });
            await call('answerConfirm', { jobId: 'rs-stock', requestId: question.id, yes: false });
            expect(await refusing).toMatchObject({ code: 'twrp-write-declined', facts: { partition: 'RECOVERY' } });
            expect(phone.partitions.names().map((n) => phone.partitions.writeCount(n))).toEqual(writes);
        } finally {
            delete phone.state.extra['recovery'];
        }
    }, 180_000);

    it('delete removes the file and its record from the list', async () => {
        await call('deleteBackup', { backupId: backup.backupId });
        expect(existsSync(backup.path)).toBe(false);
        expect(await list()).toEqual([]);
        expect((await refusal('deleteBackup', { backupId: backup.backupId })).code).toBe('backup-not-found');
    });
});
