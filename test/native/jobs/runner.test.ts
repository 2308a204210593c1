/** The one job runner: how often it tells progress, and its events under the caller's id. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent, JobProgressEvent } from '../../../native/jobs/events.js';
import { Journal, newJobId } from '../../../native/jobs/journal.js';
import { JOB_PROGRESS_INTERVAL_MS } from '../../../native/jobs/progress.js';
import { JobCancelled, JobRun, type JobEndingOf } from '../../../native/jobs/runner.js';
import { ReviveError } from '../../../native/jobs/errors.js';

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

describe('the one ending of a job', () => {
    interface Ending {
        readonly resumable: boolean;
    }
    const ending: JobEndingOf<Ending> = {
        cancelledDetail: 'Stopped here.',
        cancelled: { resumable: true },
        cancelError: (cause) => ReviveError.of('cancelled', { variant: 'backup', what: 'Test phone' }, { cause }),
        failed: (failure) => ({ resumable: failure.code !== 'phone-mismatch' }),
        declined: (refusal) => refusal.code === 'wipe-declined',
    };

    /** A job whose one step throws `error`, ended through the runner; its last event, journal line and rejection. */
    async function endAfter(error: unknown, abort = false): Promise<{ last: JobEvent<object, Ending> | undefined; end: unknown; thrown: ReviveError }> {
        const events: JobEvent<object, Ending>[] = [];
        const controller = new AbortController();
        const journal = Journal.create(newJobId(), 'backup', {}, home);
        const run = new JobRun<object, Ending>({ journal, emit: (e) => events.push(e), signal: controller.signal });
        run.start('backup', [{ id: 'a', title: 'A' }]);
        // A cancel while the step runs: the socket it was using closes, and that is what the step throws.
        const action = (): Promise<never> => {
            if (abort) controller.abort();
            return Promise.reject(error);
        };
        const thrown = await run.step({ id: 'a', title: 'A', description: 'first' }, action).then(
            () => { throw new Error('the step was meant to fail'); },
            (e: unknown) => run.end(e, ending),
        );
        return { last: events.at(-1), end: journal.entries.at(-1), thrown };
    }

    it('sends a stop as cancelled, with the job\'s words, and rejects with the job\'s cancel error', async () => {
        for (const [error, abort] of [[new JobCancelled('cancelled'), false], [new Error('socket closed'), true]] as const) {
            const { last, end, thrown } = await endAfter(error, abort);
            expect(last).toMatchObject({ type: 'cancelled', step: 'a', reason: 'person', resumable: true });
            expect(end).toMatchObject({ t: 'end', outcome: 'cancelled', detail: 'Stopped here.' });
            expect(thrown.code).toBe('cancelled');
            expect(thrown.cause).toBe(error);
        }
    });

    it('sends a question answered with Stop as cancelled (declined) and rejects with that answer', async () => {
        const declined = ReviveError.of('wipe-declined', {});
        const { last, end, thrown } = await endAfter(declined);
        expect(last).toMatchObject({ type: 'cancelled', reason: 'declined', resumable: true });
        expect(end).toMatchObject({ outcome: 'cancelled' });
        expect(thrown).toBe(declined);
    });

    it('sends anything else as failed, with the code and its words in the journal', async () => {
        const { last, end, thrown } = await endAfter(ReviveError.of('phone-mismatch', { expected: 'a', found: 'b', phone: 'Test phone', variant: 'android' }));
        expect(last).toMatchObject({ type: 'failed', step: 'a', error: { code: 'phone-mismatch' }, resumable: false });
        expect(end).toMatchObject({ outcome: 'failed', detail: `phone-mismatch: ${thrown.message}` });
        const plain = await endAfter(new Error('cable pulled'));
        expect(plain.last).toMatchObject({ type: 'failed', error: { code: 'unexpected' }, resumable: true });
        expect(plain.thrown.code).toBe('unexpected');
    });
});
