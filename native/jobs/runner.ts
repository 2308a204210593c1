/**
 * The one job runner, for the upgrade and the panels' short jobs: runs a job as a list of steps,
 * emits typed events (one vocabulary: started, step, progress, log, … done, failed, cancelled) under
 * the id the caller chose for the job's journal, journals each step's start and verification, skips
 * steps an earlier run verified, tells progress at most every JOB_PROGRESS_INTERVAL_MS, and ends
 * every job the same way (done, cancelled or failed: journalled, then sent).
 */
import type { JobEvent, JobInstruction, JobConfirmRequest, JobStepInfo, JobUi, JobKind, UpgradeEnding, UpgradeReport } from './events.js';
import { ReviveError } from './errors.js';
import type { Journal, JournalValue } from './journal.js';
import { JOB_PROGRESS_INTERVAL_MS, ProgressTracker, type JobContext } from './progress.js';
import type { LogCode, LogFactsOf, LogNote } from '../../common/log-codes.js';
import { logNote } from './log-note.js';

/** Distributive Omit, so each member of the event union keeps its own fields. */
type EventBody<E> = E extends { readonly jobId: string; readonly at: string } ? Omit<E, 'jobId' | 'at'> : never;

export interface StepResult {
    /** Plain words: what the step found or did. */
    readonly detail: string;
    /** Facts later steps (or a resumed run) need, recorded in the journal. Never secrets. */
    readonly data?: Record<string, JournalValue> | undefined;
}

export interface StepOutcome {
    readonly id: string;
    readonly title: string;
    readonly status: 'done' | 'skipped' | 'done-earlier';
    readonly detail: string;
    readonly data: Record<string, JournalValue>;
}

export class JobCancelled extends Error {
    override readonly name = 'JobCancelled';
}

/** A job with no person to ask (a panel job): a question it asks is a mistake in the job, said in words. */
const NO_PERSON: JobUi = {
    instruct: () => undefined,
    confirm: () => Promise.reject(ReviveError.of('unexpected', { problem: 'This job has no one to ask a question.' })),
};

/**
 * What a job adds to the one ending after an error (JobRun.end): its words for a stop, the error
 * a stop rejects with, and what its `cancelled` and `failed` events carry beside the step.
 */
export interface JobEndingOf<Ending> {
    /** The journal's `cancelled` line. */
    readonly cancelledDetail: string;
    /** What the `cancelled` event adds. */
    readonly cancelled: Ending;
    /** The error a stop rejects with; `cause` is what stopped the job. */
    readonly cancelError: (cause: unknown) => ReviveError;
    /** What the `failed` event adds for this failure. */
    readonly failed: (failure: ReviveError) => Ending;
    /** The journal's `failed` line (default: the code and its English words). */
    readonly failedDetail?: ((failure: ReviveError) => string) | undefined;
    /** Answers of Stop to the job's questions: a deliberate stop (reason `declined`), rejected with as they are. */
    readonly declined?: ((error: ReviveError) => boolean) | undefined;
}

export interface JobRunOptions<Report, Ending> {
    /** The job's journal, created or resumed under the id the caller chose. */
    readonly journal: Journal;
    readonly emit: (event: JobEvent<Report, Ending>) => void;
    /** The person-facing side; a job without questions leaves it out. */
    readonly ui?: JobUi | undefined;
    readonly signal: AbortSignal;
    /** Milliseconds between two progress events of one step (default JOB_PROGRESS_INTERVAL_MS). */
    readonly progressIntervalMs?: number | undefined;
    readonly now?: (() => number) | undefined;
}

export class JobRun<Report = UpgradeReport, Ending = UpgradeEnding> {
    readonly jobId: string;
    readonly journal: Journal;
    readonly signal: AbortSignal;
    readonly outcomes: StepOutcome[] = [];
    readonly #emit: (event: JobEvent<Report, Ending>) => void;
    readonly #ui: JobUi;
    readonly #tracker: ProgressTracker;
    readonly #verified: Map<string, Record<string, JournalValue>>;
    #current: string | null = null;

    constructor(options: JobRunOptions<Report, Ending>) {
        this.journal = options.journal;
        this.jobId = options.journal.jobId;
        this.signal = options.signal;
        this.#emit = options.emit;
        this.#ui = options.ui ?? NO_PERSON;
        this.#verified = options.journal.verifiedSteps();
        this.#tracker = new ProgressTracker((progress) => this.emit({ type: 'progress', progress }), {
            intervalMs: options.progressIntervalMs ?? JOB_PROGRESS_INTERVAL_MS,
            now: options.now,
        });
    }

    get currentStep(): string | null {
        return this.#current;
    }

    emit(event: EventBody<JobEvent<Report, Ending>>): void {
        this.#emit({ ...event, jobId: this.jobId, at: new Date().toISOString() } as JobEvent<Report, Ending>);
    }

    start(kind: JobKind, steps: readonly JobStepInfo[]): void {
        this.emit({ type: 'started', kind, steps, resumed: this.journal.run > 1 });
    }

    /** A JobContext for protocol code: this job's signal, progress into events, log lines into events. */
    context(): JobContext {
        return {
            signal: this.signal,
            onProgress: (facts) => this.#tracker.report(facts),
            onLog: (line, note) => this.log(line, note),
        };
    }

    log(line: string, note?: LogNote): void {
        this.emit({ type: 'log', line, ...(note ? { note } : {}) });
    }

    /** A coded log line: English here, the page's language there. */
    note<C extends LogCode>(code: C, facts: LogFactsOf<C>): void {
        logNote(this.context(), code, facts);
    }

    wasVerified(id: string): boolean {
        return this.#verified.has(id);
    }

    verifiedData(id: string): Record<string, JournalValue> | undefined {
        return this.#verified.get(id);
    }

    /** Throws JobCancelled if the job was cancelled: call at safe points. */
    checkpoint(): void {
        if (this.signal.aborted) throw new JobCancelled('cancelled');
    }

    instruct(instruction: JobInstruction): void {
        this.emit({ type: 'instruction', ...instruction });
        this.journal.append({ t: 'note', key: `instruction:${instruction.id}`, data: { text: instruction.text, waitingFor: instruction.waitingFor } });
        this.#ui.instruct(instruction);
    }

    async confirm(request: JobConfirmRequest): Promise<boolean> {
        this.checkpoint();
        this.emit({ type: 'confirm', ...request });
        const answer = await this.#ui.confirm(request, this.signal);
        this.journal.append({ t: 'note', key: `confirm:${request.id}`, data: { question: request.question, answer } });
        return answer;
    }

    /**
     * Run one step unless an earlier run verified it. `action` must verify its own result before
     * returning: only then is the step journalled as verified. `always` steps (re-detecting the
     * phone, re-checking files) run again on every run even when an earlier run verified them.
     */
    async step(info: JobStepInfo & { description: string }, action: () => Promise<StepResult>, options: { always?: boolean } = {}): Promise<StepOutcome> {
        const earlier = options.always ? undefined : this.#verified.get(info.id);
        if (earlier) {
            const detail = typeof earlier['detail'] === 'string' ? earlier['detail'] : 'Done in an earlier run.';
            this.emit({ type: 'step', step: info.id, title: info.title, status: 'skipped', description: `Already done and checked in an earlier run: ${detail}` });
            const outcome: StepOutcome = { id: info.id, title: info.title, status: 'done-earlier', detail, data: earlier };
            this.outcomes.push(outcome);
            return outcome;
        }
        this.checkpoint();
        this.#current = info.id;
        this.emit({ type: 'step', step: info.id, title: info.title, status: 'started', description: info.description });
        this.journal.append({ t: 'step', step: info.id, status: 'started', detail: info.description });
        let result: StepResult;
        try {
            result = await action();
        } catch (error) {
            const failure = this.signal.aborted ? 'cancelled' : ReviveError.from(error).message;
            this.journal.append({ t: 'step', step: info.id, status: 'failed', detail: failure });
            this.emit({ type: 'step', step: info.id, title: info.title, status: 'failed', description: failure });
            throw error;
        }
        const data = { ...(result.data ?? {}), detail: result.detail };
        this.journal.append({ t: 'step', step: info.id, status: 'verified', detail: result.detail, data });
        this.#verified.set(info.id, data);
        this.emit({ type: 'step', step: info.id, title: info.title, status: 'finished', description: result.detail });
        this.#current = null;
        const outcome: StepOutcome = { id: info.id, title: info.title, status: 'done', detail: result.detail, data };
        this.outcomes.push(outcome);
        return outcome;
    }

    /** Record a step that does not apply to this phone or this choice. */
    skip(info: JobStepInfo, reason: string): StepOutcome {
        this.emit({ type: 'step', step: info.id, title: info.title, status: 'skipped', description: reason });
        if (!this.#verified.has(info.id)) this.journal.append({ t: 'step', step: info.id, status: 'skipped', detail: reason });
        const outcome: StepOutcome = { id: info.id, title: info.title, status: 'skipped', detail: reason, data: {} };
        this.outcomes.push(outcome);
        return outcome;
    }

    /** The job's ending when it did what it was for: journalled, then sent as `done`. */
    done(report: Report, detail: string): Report {
        this.journal.append({ t: 'end', outcome: 'done', detail });
        this.emit({ type: 'done', report } as EventBody<JobEvent<Report, Ending>>);
        return report;
    }

    /**
     * The job's ending after `error`: a stop (the signal, a checkpoint, or a question answered with
     * Stop) is journalled and sent as `cancelled`, anything else as `failed`. Returns the error the
     * job rejects with: `throw run.end(error, ending)`.
     */
    end(error: unknown, ending: JobEndingOf<Ending>): ReviveError {
        const step = this.currentStep;
        const declined = error instanceof ReviveError && (ending.declined?.(error) ?? false);
        if (this.signal.aborted || error instanceof JobCancelled || declined) {
            this.journal.append({ t: 'end', outcome: 'cancelled', detail: ending.cancelledDetail });
            this.emit({ type: 'cancelled', step, reason: declined ? 'declined' : 'person', ...ending.cancelled } as EventBody<JobEvent<Report, Ending>>);
            return declined ? error : ending.cancelError(error);
        }
        const failure = ReviveError.from(error);
        this.journal.append({ t: 'end', outcome: 'failed', detail: ending.failedDetail?.(failure) ?? `${failure.code}: ${failure.message}` });
        this.emit({ type: 'failed', error: failure.toJSON(), step, ...ending.failed(failure) } as EventBody<JobEvent<Report, Ending>>);
        return failure;
    }
}
