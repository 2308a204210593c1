/** A job's progress as the contract's jobProgress event: the same for an upgrade and a panel job. */
import type { EventPayload } from '../api/contract.js';
import type { ProgressEvent } from '../../native/jobs/progress.js';

export function jobProgressPayload(jobId: string, progress: ProgressEvent): EventPayload<'jobProgress'> {
    return {
        jobId,
        step: progress.step,
        bytesDone: progress.bytesDone,
        bytesSent: Math.max(progress.bytesDone, progress.bytesSent ?? 0),
        bytesTotal: progress.bytesTotal,
        toPhone: progress.toPhone ?? false,
        rate: progress.rate,
        etaSeconds: progress.etaSeconds,
        cancellable: progress.cancellable ?? true,
    };
}
