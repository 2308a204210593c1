/**
 * The restore job on virtual phones: it brings the phone to TWRP itself (from Android over adb,
 * from an unlocked bootloader by `fastboot boot`, nothing written), checks every part before that,
 * and an unplug mid-restore leaves a journal that names the part being sent and a job that resumes
 * by its id and finishes; so does a stop while internal storage is copied back. A file the phone
 * refuses is told in the phone's words, not as a disconnect.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../../../electron/jobs/backup/run.js';
import { runRestore, type RestoreJobEvent, type RestoreJobOptions, type RestoreJobReport } from '../../../../electron/jobs/backup/restore.js';
import { virtualPhoneSession } from '../../../../electron/phone-finding/device-session.js';
import { scriptedPerson } from '../../../../electron/jobs/scripted-person.js';
import { generateDemoPackages, type DemoPackages } from '../../../../native/integrity/demo-packages.js';
import { ReviveError } from '../../../../native/jobs/errors.js';
import { readJournal } from '../../../../native/jobs/journal.js';
import { requireRecipe } from '../../../../native/manifests/load.js';
import { VirtualPhone } from '../../../../native/virtual/phone.js';
import { filledPhone, upgradeAway } from '../../../support/backup-phones.js';
import { phoneSnapshot } from '../../../support/phone-snapshot.js';
import { type JobRun, runOnVirtualPhone } from '../helpers.js';

const PASS = 'juniper kettle orbit seventeen';
const pass = [{ kind: 'scrypt' as const, passphrase: PASS }];
let dir: string;
let home: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-restore-job-'));
    home = join(dir, 'home');
    process.env['REVIVE_HOME'] = home;
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('shamu'), { romBytes: 64 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

const open = (codename: string, stateDir: string): Promise<VirtualPhone> => VirtualPhone.create({ codename, stateDir, owner: 'accept', enumerationDelayMs: 20 });

/** A backup of a filled phone (made in TWRP); the phone is then "upgraded away" and left in Android. */
async function backedUpThenUpgraded(codename: string, name: string, more?: (stateDir: string) => void): Promise<{ stateDir: string; archive: string; before: ReturnType<typeof phoneSnapshot> }> {
    const stateDir = join(dir, name);
    await filledPhone(codename, stateDir);
    more?.(stateDir);
    const before = phoneSnapshot(stateDir);
    const phone = await open(codename, stateDir);
    const session = virtualPhoneSession(phone);
    let archive: string;
    try {
        const report = await runBackup({ recipients: pass, home, folder: join(dir, `${name}-backups`), leaveIn: 'recovery' }, { recipe: phone.recipe, locator: session.locator, links: session.links, ui: scriptedPerson(phone), emit: () => undefined, signal: new AbortController().signal, waitTimeoutMs: 20_000 });
        archive = report.archive.path;
    } finally {
        await session.close();
        await phone.close();
    }
    await upgradeAway(codename, stateDir);
    return { stateDir, archive, before };
}

function restore(phone: VirtualPhone, options: Omit<RestoreJobOptions, 'identities'>, onEvent?: (e: RestoreJobEvent) => void): Promise<JobRun<RestoreJobReport, RestoreJobEvent>> {
    return runOnVirtualPhone(phone, (env) => runRestore({ identities: pass, home, ...options }, env), { onEvent, waitTimeoutMs: 20_000 });
}

describe('the restore job', () => {
    it("the phone refuses a file of internal storage (a folder has its name): the phone's words, not a disconnect; the journal stops at that file; no partition written", async () => {
        const { stateDir, archive } = await backedUpThenUpgraded('ks01ltexx', 's4-refused', () => undefined);
        // A folder where the restore puts ticket.pdf back: adbd answers that file's SEND with FAIL.
        mkdirSync(join(stateDir, 'fs', 'data', 'media', '0', 'Download', 'ticket.pdf'), { recursive: true });
        const upgraded = phoneSnapshot(stateDir);
        const phone = await open('ks01ltexx', stateDir);
        try {
            const { error, events } = await restore(phone, { archive, jobId: 'restore-refused' });
            expect(error).toBeInstanceOf(ReviveError);
            expect((error as ReviveError).code).toBe('push-refused');
            expect((error as ReviveError).message).toBe("The phone refused to store ticket.pdf as /data/media/0/Download/ticket.pdf: couldn't create file: Is a directory.");
            expect(events.find((e) => e.type === 'failed')).toMatchObject({ step: 'restore', resumable: true });
            const entries = readJournal(join(home, 'jobs', 'restore-refused.jsonl'));
            const sent = entries.flatMap((e) => (e.t === 'note' && e.key === 'sending' ? [String(e.data['part'])] : []));
            expect(sent.at(-1)).toBe('storage/Download/ticket.pdf');
            expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'push', status: 'failed', detail: expect.stringContaining('refused to store ticket.pdf') }));
            expect(JSON.stringify(entries)).not.toContain('disconnected');
            expect(entries.some((e) => e.t === 'step' && e.step === 'twrp-restore')).toBe(false);
            // Nothing was written to a partition; the folder is still a folder.
            const refused = phoneSnapshot(stateDir);
            expect(refused.writeCounts).toEqual(upgraded.writeCounts);
            expect(refused.partitions).toEqual(upgraded.partitions);
            expect(statSync(join(stateDir, 'fs', 'data', 'media', '0', 'Download', 'ticket.pdf')).isDirectory()).toBe(true);
        } finally {
            await phone.close();
        }
    });

    it('starts TWRP from RAM on an unlocked Nexus 6 in its bootloader: the recovery partition is never written; every byte comes back', async () => {
        const { stateDir, archive, before } = await backedUpThenUpgraded('shamu', 'nexus');
        const phone = await open('shamu', stateDir);
        try {
            phone.state.bootloaderLocked = false;
            phone.reboot('bootloader');
            await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 20_000 });
            const recoveryWrites = phone.partitions.writeCount('recovery');
            const { report, error, events } = await restore(phone, { archive, twrpImage: demo.recovery });
            expect(error).toBeUndefined();
            expect(report?.twrpWay).toBe('fastboot-boot');
            expect(report?.fingerprintChecked).toBe(true);
            expect(report?.fingerprint).toBe(before.fingerprint);
            expect(phone.partitions.writeCount('recovery')).toBe(recoveryWrites);
            // The archive was checked (every part) before the phone left its bootloader.
            const started = events.filter((e) => e.type === 'step' && e.status === 'started').map((e) => (e.type === 'step' ? e.step : ''));
            expect(started).toEqual(['identify', 'check-archive', 'reach-phone-mode', 'restore', 'check-system']);
            expect(phone.mode).toBe('android');
        } finally {
            await phone.close();
        }
        const after = phoneSnapshot(stateDir);
        // persist (raw state) is written back only with withRawState; the upgrade overwrote it.
        expect({ ...after.partitions, 'persist.img': '' }).toEqual({ ...before.partitions, 'persist.img': '' });
        expect(after.fingerprint).toBe(before.fingerprint);
    });

    it('an unplug mid-restore: the journal names the part being sent; resumed by its id, the job finishes', async () => {
        const { stateDir, archive, before } = await backedUpThenUpgraded('ks01ltexx', 's4-unplug');
        const phone = await open('ks01ltexx', stateDir);
        try {
            let armed = false;
            const first = await restore(phone, { archive, jobId: 'restore-unplug-1' }, (e) => {
                // Pull the cable once TWRP is receiving the parts.
                if (!armed && e.type === 'step' && e.step === 'restore' && e.status === 'started') {
                    armed = true;
                    phone.faults.unplugAfterBytes = 400 * 1024;
                }
            });
            expect(first.error).toBeInstanceOf(ReviveError);
            const failed = first.events.find((e) => e.type === 'failed');
            expect(failed).toMatchObject({ step: 'restore', resumable: true });
            const entries = readJournal(join(home, 'jobs', 'restore-unplug-1.jsonl'));
            expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'check-archive', status: 'verified' }));
            expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'push', status: 'failed' }));
            const sending = entries.filter((e) => e.t === 'note' && e.key === 'sending');
            expect(sending.at(-1)).toMatchObject({ data: { part: expect.stringMatching(/^(twrp|storage|raw)\//) } });
            expect(entries.some((e) => e.t === 'step' && e.step === 'twrp-restore')).toBe(false);

            phone.replug();
            const second = await restore(phone, { archive, resumeJobId: 'restore-unplug-1' });
            expect(second.error).toBeUndefined();
            expect(second.report).toMatchObject({ runs: 2, fingerprintChecked: true, fingerprint: before.fingerprint });
            expect([...(second.report?.restored ?? [])].sort()).toEqual(['boot', 'data', 'system']);
        } finally {
            await phone.close();
        }
        const after = phoneSnapshot(stateDir);
        expect(after.partitions['SYSTEM.img']).toBe(before.partitions['SYSTEM.img']);
        expect(after.partitions['USERDATA.img']).toBe(before.partitions['USERDATA.img']);
        expect(after.files['data/media/0/DCIM/Camera/IMG_2026.jpg']).toBe(before.files['data/media/0/DCIM/Camera/IMG_2026.jpg']);
        expect(readJournal(join(home, 'jobs', 'restore-unplug-1.jsonl'))).toContainEqual(expect.objectContaining({ t: 'end', outcome: 'done' }));
        expect(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))).toMatchObject({ buildFingerprint: before.fingerprint });
    });

    it('a stop while internal storage is copied back: the journal names the file being sent, no partition was written; resumed by its id, the phone is as backed up', async () => {
        // A camera roll of a few MiB, so the stop lands with some photos back and more to come.
        const photos = Array.from({ length: 10 }, (_, i) => `data/media/0/DCIM/Camera/IMG_3${10 + i}.jpg`);
        const { stateDir, archive, before } = await backedUpThenUpgraded('ks01ltexx', 's4-stop-storage', (state) => {
            for (const photo of photos) writeFileSync(join(state, 'fs', photo), randomBytes(384 * 1024));
        });
        const upgraded = phoneSnapshot(stateDir);
        const phone = await open('ks01ltexx', stateDir);
        try {
            const stop = new AbortController();
            const storageSends: string[] = [];
            // The person presses Stop as the phone begins to take the third file of internal storage.
            phone.on('log', (line: string) => {
                const remote = /^sync: receiving (\/data\/media\/0\/.+)$/.exec(line)?.[1];
                if (remote === undefined || stop.signal.aborted) return;
                storageSends.push(remote);
                if (storageSends.length === 3) stop.abort();
            });
            const first = await runOnVirtualPhone(phone, (env) => runRestore({ identities: pass, home, archive, jobId: 'restore-stop-storage' }, env), { signal: stop.signal, waitTimeoutMs: 20_000 });
            expect(first.events.at(-1)).toMatchObject({ type: 'cancelled', resumable: true });
            expect(first.error).toBeInstanceOf(ReviveError);
            expect((first.error as ReviveError).code).toBe('cancelled');
            const entries = readJournal(join(home, 'jobs', 'restore-stop-storage.jsonl'));
            // Where it stopped: the last part the journal names is a file of internal storage, within the copy step, before TWRP restored anything.
            const sent = entries.flatMap((e) => (e.t === 'note' && e.key === 'sending' ? [String(e.data['part'])] : []));
            const last = sent.at(-1) ?? '';
            expect(last).toMatch(/^storage\/DCIM\/Camera\/IMG_3[12]\d\.jpg$/);
            expect(sent.some((part) => part.startsWith('twrp/'))).toBe(true);
            expect(storageSends.map((remote) => `storage/${remote.slice('/data/media/0/'.length)}`)).toEqual(sent.filter((part) => part.startsWith('storage/')).slice(0, 3));
            expect(entries).toContainEqual(expect.objectContaining({ t: 'step', step: 'push', status: 'failed' }));
            expect(entries.some((e) => e.t === 'step' && e.step === 'twrp-restore')).toBe(false);
            expect(entries.at(-1)).toMatchObject({ t: 'end', outcome: 'cancelled', detail: expect.stringContaining('Stopped in restore') });
            // Nothing was written to a partition yet; the phone waits in TWRP.
            const stopped = phoneSnapshot(stateDir);
            expect(stopped.writeCounts).toEqual(upgraded.writeCounts);
            expect(stopped.partitions).toEqual(upgraded.partitions);
            expect(phone.mode).toBe('recovery');
            // Every photo the journal names before the last is back whole; the last is whole or absent, never half-written; none after it is there yet.
            const onPhone = (part: string): string | undefined => stopped.files[`data/media/0/${part.slice('storage/'.length)}`];
            for (const part of sent.slice(0, -1).filter((p) => p.startsWith('storage/'))) expect(onPhone(part), part).toBe(before.files[`data/media/0/${part.slice('storage/'.length)}`]);
            expect([undefined, before.files[`data/media/0/${last.slice('storage/'.length)}`]]).toContain(onPhone(last));
            const notYet = photos.filter((photo) => !sent.includes(`storage/${photo.slice('data/media/0/'.length)}`));
            expect(notYet.length).toBeGreaterThan(0);
            for (const photo of notYet) expect(stopped.files[photo], photo).toBeUndefined();

            const second = await restore(phone, { archive, resumeJobId: 'restore-stop-storage' });
            expect(second.error).toBeUndefined();
            expect(second.report).toMatchObject({ runs: 2, twrpWay: 'already', fingerprintChecked: true, fingerprint: before.fingerprint });
            expect([...(second.report?.restored ?? [])].sort()).toEqual(['boot', 'data', 'system']);
            expect(phone.mode).toBe('android');
        } finally {
            await phone.close();
        }
        const after = phoneSnapshot(stateDir);
        expect(after.fingerprint).toBe(before.fingerprint);
        // EFS comes back only with withRawState (the upgrade overwrote it); every other partition and file is as backed up.
        expect({ ...after.partitions, 'EFS.img': '' }).toEqual({ ...before.partitions, 'EFS.img': '' });
        const { ['data/media/0/new-phone.txt']: added, ...files } = after.files;
        expect(added).toBeDefined();
        expect(files).toEqual(before.files);
        expect(readJournal(join(home, 'jobs', 'restore-stop-storage.jsonl'))).toContainEqual(expect.objectContaining({ t: 'end', outcome: 'done' }));
    });
});
