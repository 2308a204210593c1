/** The one job runner: how often it tells progress, and its events under the caller's id. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent, JobProgressEvent } from '../../../native/jobs/events.js';
import { Journal, newJobId } from '../../../native/jobs/journal.js';
import { JOB_PROGRESS_INTERVAL_MS } from '../../../native/jobs/progress.js';
import { JobRun } from '../../../native/jobs/runner.js';

let home: string;
beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'revive-runner-'));
});
afterEach(async () => {
    await rm(home, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

/** A clock the test moves: the bound below comes from the interval, not from how fast the machine is. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
    let at = 0;
    return { now: () => at, advance: (ms) => void (at += ms) };
}

/** A 512 MiB flash in 1 MiB chunks (fastboot's transfer size), `msPerChunk` apart, through the job's context. */
async function flash512(msPerChunk: number, progressIntervalMs?: number): Promise<{ progress: JobProgressEvent[]; elapsedMs: number }> {
    const clock = manualClock();
    const events: JobEvent[] = [];
    const journal = Journal.create(newJobId(), 'upgrade', {}, home);
    const run = new JobRun({ journal, emit: (e) => events.push(e), signal: new AbortController().signal, now: clock.now, progressIntervalMs });
    const total = 512 * MiB;
    await run.step({ id: 'flash-recovery', title: 'Flash', description: 'flash' }, async () => {
        const ctx = run.context();
        for (let done = MiB; done <= total; done += MiB) {
            clock.advance(msPerChunk);
            ctx.onProgress?.({ step: 'flash:SYSTEM', bytesDone: done, bytesTotal: total, cancellable: false });
        }
        return { detail: 'flashed' };
    });
    return { progress: events.filter((e): e is JobProgressEvent => e.type === 'progress'), elapsedMs: 512 * msPerChunk };
}

describe('job runner progress', () => {
    it('tells a 512 MiB flash in 1 MiB chunks at most once per interval, and always its last byte', async () => {
        for (const msPerChunk of [1, 8, 40]) {
            const { progress, elapsedMs } = await flash512(msPerChunk);
            // The first report, one per full interval after it, and the final 100 %.
            const bound = Math.floor(elapsedMs / JOB_PROGRESS_INTERVAL_MS) + 2;
            expect(progress.length).toBeLessThanOrEqual(bound);
            expect(progress.length).toBeLessThan(512);
            expect(progress.at(-1)?.progress.bytesDone).toBe(512 * MiB);
            expect(progress.at(-1)?.progress.bytesTotal).toBe(512 * MiB);
        }
        // No interval: one event per chunk, as before the runner had one.
        expect((await flash512(8, 0)).progress).toHaveLength(512);
    });

    it('tells a new step and its first byte at once, whatever the interval', async () => {
        const clock = manualClock();
        const events: JobEvent[] = [];
        const run = new JobRun({ journal: Journal.create(newJobId(), 'upgrade', {}, home), emit: (e) => events.push(e), signal: new AbortController().signal, now: clock.now });
        const ctx = run.context();
        ctx.onProgress?.({ step: 'sideload:rom', bytesDone: 0, bytesTotal: 100 });
        ctx.onProgress?.({ step: 'sideload:rom', bytesDone: 1, bytesTotal: 100 });
        ctx.onProgress?.({ step: 'sideload:rom', bytesDone: 2, bytesTotal: 100 });
        ctx.onProgress?.({ step: 'sideload:gapps', bytesDone: 1, bytesTotal: 100 });
        ctx.onProgress?.({ step: 'sideload:gapps', bytesDone: 2, bytesTotal: 100 });
        const steps = events.flatMap((e) => (e.type === 'progress' ? [`${e.progress.step}:${e.progress.bytesDone}`] : []));
        expect(steps).toEqual(['sideload:rom:0', 'sideload:rom:1', 'sideload:gapps:1']);
    });

    it('names every event with the id the caller chose, and says which step failed', async () => {
        const jobId = newJobId();
        const events: JobEvent[] = [];
        const run = new JobRun({ journal: Journal.create(jobId, 'upgrade', {}, home), emit: (e) => events.push(e), signal: new AbortController().signal });
        run.start('upgrade', [{ id: 'a', title: 'A' }]);
        await expect(run.step({ id: 'a', title: 'A', description: 'first' }, async () => { throw new Error('cable pulled'); })).rejects.toThrow('cable pulled');
        expect(events.every((e) => e.jobId === jobId)).toBe(true);
        expect(events.flatMap((e) => (e.type === 'step' ? [e.status] : []))).toEqual(['started', 'failed']);
        expect(run.currentStep).toBe('a');
    });
});
