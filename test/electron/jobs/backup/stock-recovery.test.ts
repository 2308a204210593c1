/**
 * The backup job on a virtual Galaxy S4 whose recovery is Samsung's own, which (like the real one)
 * starts no adbd and shows nothing on USB. With the KNOX fuse intact the job knows it before
 * restarting anything; with the fuse blown it learns it from the silence after the phone left for
 * its recovery, and asks then. A "no" leaves the phone where it was found (back in Android when it
 * had been moved); nothing is written before a yes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBackup, type BackupJobEvent, type BackupJobOptions, type BackupJobReport } from '../../../../electron/jobs/backup/run.js';
import { INSTRUCTION_IDS } from '../../../../electron/jobs/upgrade/ids.js';
import { ReviveError } from '../../../../native/jobs/errors.js';
import { requireRecipe } from '../../../../native/manifests/load.js';
import type { PhoneMode } from '../../../../native/manifests/schema.js';
import type { VirtualPhone } from '../../../../native/virtual/phone.js';
import { type JobRun, runOnVirtualPhone, upgradeBench } from '../helpers.js';

const PASS = 'juniper kettle orbit seventeen';
const pass = [{ kind: 'scrypt' as const, passphrase: PASS }];
// Samsung's recovery never answers adb, however long it is given: a virtual phone's TWRP would
// answer within milliseconds, so 2 s of silence tell it here as the real minute does on a real phone.
process.env['REVIVE_TWRP_ANSWER_MS'] = '2000';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-backup-stock-', romBytes: 64 * 1024 });

/** A phone with Samsung's recovery; `fuse`: blown once anything was written in download mode (an earlier TWRP, since replaced). */
async function stockPhone(name: string, mode: PhoneMode, fuse: 'intact' | 'blown'): Promise<VirtualPhone> {
    const phone = await bench.phone(name, { mode });
    phone.state.extra['recovery'] = 'stock';
    if (fuse === 'blown') phone.state.extra['knox'] = 'tripped';
    await phone.saveState();
    return phone;
}

const writes = (phone: VirtualPhone): Record<string, number> => Object.fromEntries(phone.partitions.names().map((n) => [n, phone.partitions.writeCount(n)]));

function backUp(phone: VirtualPhone, answer: boolean, options: Partial<BackupJobOptions> = {}, signal?: AbortSignal, onEvent?: (e: BackupJobEvent) => void): Promise<JobRun<BackupJobReport, BackupJobEvent>> {
    // The silence that tells a stock recovery lasts REVIVE_TWRP_ANSWER_MS (above), bounded by the job's wait.
    return runOnVirtualPhone(phone, (env) => runBackup({ recipients: pass, verifyWith: pass, home: bench.home, folder: join(bench.dir, 'out'), recoveryImage: bench.demo.recovery, ...options }, env), { answer: () => answer, waitTimeoutMs: 15_000, signal, onEvent });
}

const notes = (events: readonly BackupJobEvent[]): string[] => events.flatMap((e) => (e.type === 'log' && e.note ? [e.note.code] : []));
const instructions = (events: readonly BackupJobEvent[]): string[] => events.flatMap((e) => (e.type === 'instruction' ? [e.id] : []));

describe('the backup job on a Samsung with its stock recovery', () => {
    it('with the KNOX fuse intact: asks before any restart, and a "no" leaves the phone in Android untouched', async () => {
        const phone = await stockPhone('intact', 'android', 'intact');
        try {
            const before = writes(phone);
            const run = await backUp(phone, false);
            expect(run.error).toBeInstanceOf(ReviveError);
            expect((run.error as ReviveError).code).toBe('twrp-write-declined');
            expect(notes(run.events)).toContain('recovery-stock-known');
            // Never restarted: no wait for the phone, no instruction, still Android.
            expect(notes(run.events)).not.toContain('waiting-for-phone');
            expect(instructions(run.events)).toEqual([]);
            expect(phone.mode).toBe('android');
            expect(writes(phone)).toEqual(before);
        } finally {
            await phone.close();
        }
    });

    it('with the fuse blown: the silence after `reboot recovery` shows it; a "no" puts the phone back into Android', async () => {
        const phone = await stockPhone('blown-no', 'android', 'blown');
        try {
            const before = writes(phone);
            const run = await backUp(phone, false);
            expect((run.error as ReviveError).code).toBe('twrp-write-declined');
            expect(notes(run.events)).toContain('recovery-silent');
            expect(instructions(run.events)).toEqual([INSTRUCTION_IDS.leaveRecovery]);
            await phone.saveState();
            expect(phone.mode).toBe('android');
            expect(writes(phone)).toEqual(before);
        } finally {
            await phone.close();
        }
    });

    it('from download mode: the person starts the recovery, it stays silent, and after a yes TWRP is written and the backup made', async () => {
        const phone = await stockPhone('download-yes', 'download', 'blown');
        try {
            const before = writes(phone);
            const run = await backUp(phone, true, { folder: join(bench.dir, 'out-download') });
            expect(run.error).toBeUndefined();
            const report = run.report as BackupJobReport;
            expect(report.twrpWay).toBe('odin-flash');
            expect(report.verified).toBe(true);
            expect(notes(run.events)).toContain('recovery-silent');
            // Recovery keys (silence), then download mode for Odin, then straight into TWRP.
            expect(instructions(run.events)).toEqual([INSTRUCTION_IDS.enterRecovery, INSTRUCTION_IDS.enterDownload, INSTRUCTION_IDS.enterRecovery]);
            const after = writes(phone);
            expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['RECOVERY']);
            expect(phone.state.extra['recovery']).toBe('twrp');
        } finally {
            await phone.close();
        }
    });

    it('resumed after a "no", it keeps what the first run learnt: no second restart and wait, straight to the question', async () => {
        const phone = await stockPhone('resume-no', 'android', 'blown');
        try {
            const before = writes(phone);
            const folder = join(bench.dir, 'out-resume-no');
            const first = await backUp(phone, false, { jobId: 'stock-resume-no', folder });
            expect((first.error as ReviveError).code).toBe('twrp-write-declined');
            expect(notes(first.events)).toContain('recovery-silent');
            expect(writes(phone)).toEqual(before);
            const again = await backUp(phone, true, { resumeJobId: 'stock-resume-no', folder });
            expect(again.error).toBeUndefined();
            expect((again.report as BackupJobReport).twrpWay).toBe('odin-flash');
            expect((again.report as BackupJobReport).runs).toBe(2);
            expect(notes(again.events)).toContain('recovery-stock-journalled');
            expect(notes(again.events)).not.toContain('recovery-silent');
            // Straight from Android to download mode for Odin, then into TWRP: never into the stock recovery again.
            expect(instructions(again.events)).toEqual([INSTRUCTION_IDS.enterDownload, INSTRUCTION_IDS.enterRecovery]);
            const after = writes(phone);
            expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['RECOVERY']);
            expect(after['RECOVERY']).toBe((before['RECOVERY'] ?? 0) + 1);
        } finally {
            await phone.close();
        }
    });

    it('resumed after TWRP was written and the phone answers as TWRP: TWRP is not written a second time', async () => {
        const phone = await stockPhone('resume-written', 'android', 'intact');
        try {
            const before = writes(phone);
            const folder = join(bench.dir, 'out-resume-written');
            const stop = new AbortController();
            const first = await backUp(phone, true, { jobId: 'stock-resume-written', folder }, stop.signal, (e) => {
                if (e.type === 'progress' && e.progress.step === 'backup' && e.progress.bytesDone > 0) stop.abort();
            });
            expect(first.events.at(-1)?.type).toBe('cancelled');
            const written = writes(phone);
            expect(written['RECOVERY']).toBe((before['RECOVERY'] ?? 0) + 1);
            const again = await backUp(phone, true, { resumeJobId: 'stock-resume-written', folder });
            expect(again.error).toBeUndefined();
            expect((again.report as BackupJobReport).twrpWay).toBe('already');
            expect(notes(again.events)).not.toContain('recovery-stock-journalled');
            expect(writes(phone)).toEqual(written);
        } finally {
            await phone.close();
        }
    });
});
