import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
let dir: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-resume-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 2 * 1024 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('an upgrade interrupted by a pulled cable', () => {
    it('resumes from the last verified step after re-detecting the phone, and finishes', async () => {
        const stateDir = join(dir, 'phone');
        const home = join(dir, 'home');
        const files = { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su };
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        try {
            let armed = false;
            const first = await upgradeVirtual(phone, recipe, files, {
                home,
                backupTo: join(dir, 'backup'),
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
            const second = await upgradeVirtual(phone, recipe, files, { home, backupTo: join(dir, 'backup'), resumeJobId: jobId });
            expect(second.error).toBeUndefined();
            expect(second.report?.runs).toBe(2);

            // The phone's own record: ROM, Gapps, su once each, in order; TWRP not flashed again.
            const state = phoneState(stateDir);
            const digests = await Promise.all([demo.rom, demo.gapps, demo.su].map(async (p) => (await hashFile(p)).sha256));
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
