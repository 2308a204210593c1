/**
 * The restore job on virtual phones: it brings the phone to TWRP itself (from Android over adb,
 * from an unlocked bootloader by `fastboot boot`, nothing written), checks every part before that,
 * and an unplug mid-restore leaves a journal that names the part being sent and a job that resumes
 * by its id and finishes.
 */
import { readFileSync } from 'node:fs';
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
async function backedUpThenUpgraded(codename: string, name: string): Promise<{ stateDir: string; archive: string; before: ReturnType<typeof phoneSnapshot> }> {
    const stateDir = join(dir, name);
    await filledPhone(codename, stateDir);
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
});
