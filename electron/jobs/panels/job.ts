/**
 * The panels' short jobs (keys, VPN, firewall, apps, pushes) on the one job runner
 * (native/jobs/runner.ts): the same events and journal as the upgrade, under the id the caller
 * chose. Panel jobs are short and are simply run again rather than resumed. Nothing secret is ever
 * passed to a step's detail, a log line or the journal params: callers pass only paths,
 * fingerprints, public keys and checksums.
 */
import { Journal, newJobId, type JournalValue } from '../../../native/jobs/journal.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobKind, PanelJobEvent, PanelJobReport } from '../../../native/jobs/events.js';
import { JobRun, type StepResult } from '../../../native/jobs/runner.js';
import type { JobContext } from '../../../native/jobs/progress.js';

export type { PanelJobEvent } from '../../../native/jobs/events.js';

export type PanelJobKind = Exclude<JobKind, 'upgrade'>;

export interface PanelJobOptions {
    /** The job's id, chosen by the caller before it starts (default: a new one). */
    readonly jobId?: string | undefined;
    /** App data folder for the journal (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
    readonly onEvent?: ((event: PanelJobEvent) => void) | undefined;
    readonly signal?: AbortSignal | undefined;
}

/** A panel job's run: the runner's steps, each handing back a value to the job's body. */
export class PanelRun {
    readonly run: JobRun<PanelJobReport, object>;

    constructor(run: JobRun<PanelJobReport, object>) {
        this.run = run;
    }

    get jobId(): string {
        return this.run.jobId;
    }

    context(): JobContext {
        return this.run.context();
    }

    log(line: string): void {
        this.run.log(line);
    }

    /** One step: `action` returns plain words of what it did, the facts to record and its value. */
    async step<T>(id: string, title: string, action: () => Promise<StepResult & { readonly value: T }>): Promise<T> {
        let value: T | undefined;
        await this.run.step({ id, title, description: title }, async () => {
            const result = await action();
            value = result.value;
            return { detail: result.detail, data: result.data };
        });
        return value as T;
    }
}

/** Runs a panel job's body and records how it ended; a failure or a stop comes back as a ReviveError. */
export async function runPanelJob<T>(
    kind: PanelJobKind,
    params: Record<string, JournalValue>,
    options: PanelJobOptions,
    body: (job: PanelRun) => Promise<T>,
    summary: (value: T) => string,
): Promise<T> {
    const journal = Journal.create(options.jobId ?? newJobId(), kind, params, options.home);
    const signal = options.signal ?? new AbortController().signal;
    const run = new JobRun<PanelJobReport, object>({ journal, emit: options.onEvent ?? (() => undefined), signal });
    run.start(kind, []);
    try {
        const value = await body(new PanelRun(run));
        const detail = summary(value);
        run.done({ detail }, detail);
        return value;
    } catch (error) {
        throw run.end(error, {
            cancelledDetail: 'Cancelled.',
            cancelled: {},
            cancelError: (cause) => ReviveError.of('cancelled', { variant: 'panel', what: kind }, { cause }),
            failed: () => ({}),
            failedDetail: (failure) => failure.message,
        });
    }
}
