import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { totalWrites, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
let dir: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-cancel-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 64 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('cancelling an upgrade', () => {
    it('stops while waiting for the person, says where the phone is, and can be resumed', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'phone'), owner: 'accept', enumerationDelayMs: 20 });
        const controller = new AbortController();
        const events: JobEvent[] = [];
        const session = virtualPhoneSession(phone);
        try {
            const job = runUpgrade(
                { device: { kind: 'virtual', codename: 'ks01ltexx' }, files: { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su }, home: join(dir, 'home'), backupTo: join(dir, 'backup') },
                {
                    recipe,
                    locator: session.locator,
                    links: session.links,
                    // A person who reads the instruction and then presses Cancel instead of the keys.
                    ui: { instruct: () => setTimeout(() => controller.abort(new Error('Cancel pressed')), 20), confirm: async () => true },
                    emit: (e) => events.push(e),
                    signal: controller.signal,
                    waitTimeoutMs: 10_000,
                },
            );
            // The job's id is known synchronously, from its first event.
            expect(events[0]?.type).toBe('started');
            const error = await job.then(() => undefined, (e: unknown) => e);
            expect(error).toBeInstanceOf(ReviveError);
            expect((error as ReviveError).code).toBe('cancelled');
            const last = events.at(-1);
            expect(last?.type).toBe('cancelled');
            if (last?.type === 'cancelled') {
                expect(last.step).toBe('flash-recovery');
                expect(last.resumable).toBe(true);
                // Stopped while waiting for download mode: nothing was written, and the sentence says so (not "may be incomplete").
                expect(last.phoneState).toMatch(/^Nothing on the phone was changed\. The old system and your data are untouched\./);
                expect(last.phoneNow).toMatchObject({ changes: [], interrupted: null });
                expect(last.reason).toBe('person');
            }
            expect(totalWrites(phone)).toBe(0);
            const journal = readJournal(join(dir, 'home', 'jobs', `${events[0]?.jobId}.jsonl`));
            expect(journal.at(-1)).toMatchObject({ t: 'end', outcome: 'cancelled' });
        } finally {
            await session.close();
            await phone.close();
        }
    });

    it('Ctrl-C right after the wipe says TWRP was written and the phone erased, not that nothing was written', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'phone-after-wipe'), owner: 'accept', enumerationDelayMs: 20 });
        const controller = new AbortController();
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom }, {
                home: join(dir, 'home'),
                noBackup: true,
                signal: controller.signal,
                onEvent: (event) => {
                    if (event.type === 'step' && event.step === 'wipe' && event.status === 'finished') controller.abort(new Error('Ctrl-C'));
                },
            });
            expect((result.error as ReviveError).code).toBe('cancelled');
            const last = result.events.at(-1);
            expect(last?.type).toBe('cancelled');
            if (last?.type === 'cancelled') {
                expect(last.phoneState).not.toMatch(/[Nn]othing (on the phone )?was (written|changed)/);
                expect(last.phoneNow.changes).toEqual(expect.arrayContaining(['recovery-written', 'erased']));
                expect(last.phoneState).toMatch(/TWRP/);
                expect(last.phoneState).toMatch(/erased/i);
            }
        } finally {
            await phone.close();
        }
    });

    it('going without a backup must be chosen explicitly, and is recorded in the journal', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'phone-nobackup'), owner: 'accept', enumerationDelayMs: 20 });
        try {
            const asked: string[] = [];
            const declined = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom }, { home: join(dir, 'home'), noBackup: true, answer: (r) => (asked.push(r.id), r.id !== 'no-backup') });
            expect((declined.error as ReviveError).code).toBe('backup-required');
            expect(asked).toEqual(['no-backup']);
            // Plug the phone in again for the second run (a new USB attachment, as after a restart of the app).
            phone.unplug();
            phone.replug();
            const accepted = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom }, { home: join(dir, 'home'), noBackup: true });
            expect(accepted.error).toBeUndefined();
            expect(accepted.report?.backup.kind).toBe('declined');
            const journal = readJournal(accepted.report?.journalPath ?? '');
            expect(journal.some((e) => e.t === 'note' && e.key === 'no-backup')).toBe(true);
        } finally {
            await phone.close();
        }
    });
});
