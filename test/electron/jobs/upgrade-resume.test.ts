import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashFile } from '../../../native/integrity/hash.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-resume-', romBytes: 2 * 1024 * 1024 });

describe('an upgrade interrupted by a pulled cable', () => {
    it('resumes from the last verified step after re-detecting the phone, and finishes', async () => {
        const stateDir = join(bench.dir, 'phone');
        const home = join(bench.dir, 'home');
        const files = { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su };
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            let armed = false;
            const first = await upgradeVirtual(phone, recipe, files, {
                home,
                backupTo: join(bench.dir, 'backup'),
                onEvent: (event) => {
                    // Pull the cable half-way through sending the ROM.
                    if (!armed && event.type === 'progress' && event.progress.step.startsWith('sideload:') && event.progress.bytesDone > 0) {
                        armed = true;
                        phone.faults.unplugAfterBytes = 256 * 1024;
                    }
                },
            });
            expect(armed).toBe(true);
            expect(first.report).toBeUndefined();
            const failed = first.events.find((e) => e.type === 'failed');
            expect(failed?.type === 'failed' && failed.step).toBe('install:rom');
            expect(failed?.type === 'failed' && failed.resumable).toBe(true);
            expect(phone.isUnplugged).toBe(true);
            expect(phoneState(stateDir).installed).toEqual([]);
            const jobId = first.events[0]?.jobId ?? '';
            const writesBefore = phone.partitions.writeCount('RECOVERY');

            phone.replug();
            const second = await upgradeVirtual(phone, recipe, files, { home, backupTo: join(bench.dir, 'backup'), resumeJobId: jobId });
            expect(second.error).toBeUndefined();
            expect(second.report?.runs).toBe(2);

            // The phone's own record: ROM, Gapps, su once each, in order; TWRP not flashed again.
            const state = phoneState(stateDir);
            const digests = await Promise.all([bench.demo.rom, bench.demo.gapps, bench.demo.su].map(async (p) => (await hashFile(p)).sha256));
            expect(state.installed.map((p) => p.sha256)).toEqual(digests);
            expect(state.mode).toBe('android');
            expect(state.androidVersion).toBe('8.1.0');
            expect(phone.partitions.writeCount('RECOVERY')).toBe(writesBefore);

            const skipped = second.events.filter((e) => e.type === 'step' && e.status === 'skipped').map((e) => (e.type === 'step' ? e.step : ''));
            expect(skipped).toEqual(expect.arrayContaining(['flash-recovery', 'enter-recovery', 'backup', 'wipe']));
            expect(skipped).not.toContain('install:rom');

            const journal = readJournal(second.report?.journalPath ?? '');
            expect(journal.filter((e) => e.t === 'run')).toHaveLength(2);
            const romSteps = journal.filter((e) => e.t === 'step' && e.step === 'install:rom').map((e) => (e.t === 'step' ? `${e.run}:${e.status}` : ''));
            expect(romSteps).toEqual(['1:started', '1:failed', '2:started', '2:verified']);
            expect(journal.filter((e) => e.t === 'end').map((e) => (e.t === 'end' ? e.outcome : ''))).toEqual(['failed', 'done']);
        } finally {
            await phone.close();
        }
    });
});
