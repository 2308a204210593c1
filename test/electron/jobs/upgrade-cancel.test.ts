import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { BACKUP_LOCK, totalWrites, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-cancel-', romBytes: 64 * 1024 });

describe('cancelling an upgrade', () => {
    it('stops while waiting for the person, says where the phone is, and can be resumed', async () => {
        const phone = await bench.phone('phone');
        const controller = new AbortController();
        const events: JobEvent[] = [];
        const session = virtualPhoneSession(phone);
        try {
            const job = runUpgrade(
                { device: { kind: 'virtual', codename: 'ks01ltexx' }, files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, home: join(bench.dir, 'home'), backupTo: join(bench.dir, 'backup'), backupKeys: BACKUP_LOCK },
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
            const journal = readJournal(join(bench.dir, 'home', 'jobs', `${events[0]?.jobId}.jsonl`));
            expect(journal.at(-1)).toMatchObject({ t: 'end', outcome: 'cancelled' });
        } finally {
            await session.close();
            await phone.close();
        }
    });

    it('Ctrl-C right after the wipe says TWRP was written and the phone erased, not that nothing was written', async () => {
        const phone = await bench.phone('phone-after-wipe');
        const controller = new AbortController();
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom }, {
                home: join(bench.dir, 'home'),
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
        const phone = await bench.phone('phone-nobackup');
        try {
            const asked: string[] = [];
            const declined = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom }, { home: join(bench.dir, 'home'), noBackup: true, answer: (r) => (asked.push(r.id), r.id !== 'no-backup') });
            expect((declined.error as ReviveError).code).toBe('backup-required');
            expect(asked).toEqual(['no-backup']);
            // Plug the phone in again for the second run (a new USB attachment, as after a restart of the app).
            phone.unplug();
            phone.replug();
            const accepted = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom }, { home: join(bench.dir, 'home'), noBackup: true });
            expect(accepted.error).toBeUndefined();
            expect(accepted.report?.backup.kind).toBe('declined');
            const journal = readJournal(accepted.report?.journalPath ?? '');
            expect(journal.some((e) => e.t === 'note' && e.key === 'no-backup')).toBe(true);
        } finally {
            await phone.close();
        }
    });
});
