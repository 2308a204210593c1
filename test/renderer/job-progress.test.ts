/** The whole upgrade's progress: steps done of all, and the bytes of the person's files the phone has. */
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../electron/api/contract.js';
import { overallProgress } from '../../renderer/src/job-progress.js';
import type { StepState } from '../../renderer/src/store.js';

const steps = (statuses: Array<StepState['status']>): StepState[] =>
    statuses.map((status, i) => ({ id: `s${i}`, title: `Step ${i}`, status, bytesToPhone: [0, 1000, 0, 4000][i] ?? 0 }));

const progress = (facts: Partial<EventPayload<'jobProgress'>>): EventPayload<'jobProgress'> => ({
    jobId: 'j',
    step: 'sideload:rom.zip',
    item: null,
    bytesDone: 0,
    bytesSent: 0,
    bytesTotal: 4000,
    toPhone: true,
    rate: 0,
    etaSeconds: null,
    cancellable: false,
    ...facts,
});

describe('overall progress', () => {
    it('counts finished and skipped steps, and the bytes of the steps that put a file onto the phone', () => {
        expect(overallProgress(steps(['done', 'done', 'skipped', 'waiting']), null)).toEqual({ stepsDone: 3, stepsTotal: 4, bytesDone: 1000, bytesTotal: 5000 });
    });

    it('adds what the phone acknowledged of the running step, never what was only sent', () => {
        const overall = overallProgress(steps(['done', 'done', 'done', 'running']), progress({ bytesDone: 1000, bytesSent: 3900 }));
        expect(overall.bytesDone).toBe(2000);
        expect(overall.stepsDone).toBe(3);
    });

    it('scales a transfer that is larger than the file (fastboot sparse pieces) to the file', () => {
        expect(overallProgress(steps(['done', 'done', 'done', 'running']), progress({ bytesDone: 4400, bytesTotal: 4400 })).bytesDone).toBe(5000);
    });

    it('ignores progress that does not go to the phone (a file checked once more before sending)', () => {
        expect(overallProgress(steps(['done', 'done', 'done', 'running']), progress({ step: 'recheck:rom', bytesDone: 4000, toPhone: false })).bytesDone).toBe(1000);
    });

    it('a failed or stopped step counts neither as done nor its bytes', () => {
        expect(overallProgress(steps(['done', 'failed', 'waiting', 'waiting']), null)).toEqual({ stepsDone: 1, stepsTotal: 4, bytesDone: 0, bytesTotal: 5000 });
    });
});
