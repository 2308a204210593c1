/** The whole upgrade's progress, from the plan's steps and the running step's acknowledged bytes. */
import type { EventPayload } from './api/contract-types.js';
import type { StepState } from './store.js';

export interface OverallProgress {
    readonly stepsDone: number;
    readonly stepsTotal: number;
    /** Bytes of the person's files the phone has acknowledged. */
    readonly bytesDone: number;
    /** Bytes of the person's files the plan puts onto the phone. */
    readonly bytesTotal: number;
}

const FINISHED: ReadonlySet<StepState['status']> = new Set(['done', 'skipped']);

export function overallProgress(steps: readonly StepState[], progress: EventPayload<'jobProgress'> | null): OverallProgress {
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const step of steps) {
        const bytes = step.bytesToPhone ?? 0;
        bytesTotal += bytes;
        if (FINISHED.has(step.status)) bytesDone += bytes;
        // The running step's share: what the phone acknowledged of what this step sends (a fastboot
        // image may travel as sparse pieces a little larger than the file, hence the ratio).
        else if (step.status === 'running' && progress?.toPhone && progress.bytesTotal > 0) bytesDone += Math.round((bytes * Math.min(progress.bytesDone, progress.bytesTotal)) / progress.bytesTotal);
    }
    return { stepsDone: steps.filter((step) => FINISHED.has(step.status)).length, stepsTotal: steps.length, bytesDone, bytesTotal };
}
