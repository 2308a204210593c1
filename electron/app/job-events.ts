/** A job's events as the contract's: the same for an upgrade, a panel job and a backup job. */
import type { EventName, EventPayload } from '../api/contract.js';
import type { JobEvent } from '../../native/jobs/events.js';
import type { ProgressEvent } from '../../native/jobs/progress.js';

export function jobProgressPayload(jobId: string, progress: ProgressEvent): EventPayload<'jobProgress'> {
    return {
        jobId,
        step: progress.step,
        item: progress.item ?? null,
        bytesDone: progress.bytesDone,
        bytesSent: Math.max(progress.bytesDone, progress.bytesSent ?? 0),
        bytesTotal: progress.bytesTotal,
        toPhone: progress.toPhone ?? false,
        rate: progress.rate,
        etaSeconds: progress.etaSeconds,
        cancellable: progress.cancellable ?? true,
    };
}

type Emit = <K extends EventName>(event: K, payload: EventPayload<K>) => void;

/**
 * A job's steps, progress and log as the contract's job events, under the id the page chose, for
 * jobs whose command answers how they ended (panels, backups) rather than an event.
 */
export function shortJobEvents<Report, Ending>(jobId: string, emit: Emit): (event: JobEvent<Report, Ending>) => void {
    return (event) => {
        switch (event.type) {
            case 'step':
                return emit('jobStep', { jobId, step: event.step, title: event.title, status: event.status, description: event.description });
            case 'progress':
                return emit('jobProgress', jobProgressPayload(jobId, event.progress));
            case 'log':
                return emit('jobLog', { jobId, at: event.at, ...(event.note ? { code: event.note.code, facts: event.note.facts } : { line: event.line }) });
            default:
                return undefined;
        }
    };
}
