/**
 * The runner shared by the secondary panels (keys, VPN, firewall, apps): named steps, progress and
 * log events, a JSONL journal. Panel jobs are short and are simply run again rather than resumed.
 * Nothing secret is ever passed to a step's detail, a log line or the journal params: callers pass
 * only paths, fingerprints, public keys and checksums.
 */
import { Journal, newJobId, type JournalValue } from '../../../native/jobs/journal.js';
import { ReviveError, type ReviveErrorData } from '../../../native/jobs/errors.js';
import { ProgressTracker, type JobContext, type ProgressEvent } from '../../../native/jobs/progress.js';

export type PanelJobKind = 'keys-create' | 'keys-rotate' | 'keys-revoke' | 'vpn-create' | 'firewall-create' | 'panel-push' | 'panel-remove' | 'apps-install';

export type PanelEvent =
    | { readonly type: 'step'; readonly jobId: string; readonly step: string; readonly title: string; readonly status: 'started' | 'finished' | 'failed'; readonly detail: string }
    | { readonly type: 'progress'; readonly jobId: string; readonly progress: ProgressEvent }
    | { readonly type: 'log'; readonly jobId: string; readonly line: string }
    | { readonly type: 'done'; readonly jobId: string; readonly detail: string }
    | { readonly type: 'failed'; readonly jobId: string; readonly error: ReviveErrorData };

export interface PanelJobOptions {
    /** App data folder for the journal (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
    readonly onEvent?: ((event: PanelEvent) => void) | undefined;
    readonly signal?: AbortSignal | undefined;
}

export class PanelJob {
    readonly jobId: string;
    readonly journal: Journal;
    readonly #emit: (event: PanelEvent) => void;
    readonly #signal: AbortSignal | undefined;
    readonly #tracker: ProgressTracker;

    constructor(kind: PanelJobKind, params: Record<string, JournalValue>, options: PanelJobOptions) {
        this.jobId = newJobId();
        this.journal = Journal.create(this.jobId, kind, params, options.home);
        this.#emit = options.onEvent ?? (() => undefined);
        this.#signal = options.signal;
        this.#tracker = new ProgressTracker((progress) => this.#emit({ type: 'progress', jobId: this.jobId, progress }));
    }

    context(): JobContext {
        return { signal: this.#signal, onProgress: (facts) => this.#tracker.report(facts), onLog: (line) => this.log(line) };
    }

    log(line: string): void {
        this.#emit({ type: 'log', jobId: this.jobId, line });
    }

    checkpoint(): void {
        if (this.#signal?.aborted) throw new ReviveError({ code: 'cancelled', message: 'Cancelled.', nextStep: 'Start again when ready.' });
    }

    /** One step: `action` returns plain words of what it did and the facts to record. */
    async step<T>(id: string, title: string, action: () => Promise<{ value: T; detail: string; data?: Record<string, JournalValue> }>): Promise<T> {
        this.checkpoint();
        this.#emit({ type: 'step', jobId: this.jobId, step: id, title, status: 'started', detail: '' });
        this.journal.append({ t: 'step', step: id, status: 'started', detail: title });
        try {
            const { value, detail, data } = await action();
            this.journal.append({ t: 'step', step: id, status: 'verified', detail, ...(data ? { data } : {}) });
            this.#emit({ type: 'step', jobId: this.jobId, step: id, title, status: 'finished', detail });
            return value;
        } catch (error) {
            const failure = ReviveError.from(error);
            this.journal.append({ t: 'step', step: id, status: 'failed', detail: failure.message });
            this.#emit({ type: 'step', jobId: this.jobId, step: id, title, status: 'failed', detail: failure.message });
            throw failure;
        }
    }

    /** Runs the whole job body and records how it ended. */
    async run<T>(body: () => Promise<T>, summary: (value: T) => string): Promise<T> {
        try {
            const value = await body();
            const detail = summary(value);
            this.journal.append({ t: 'end', outcome: 'done', detail });
            this.#emit({ type: 'done', jobId: this.jobId, detail });
            return value;
        } catch (error) {
            const failure = ReviveError.from(error);
            const cancelled = this.#signal?.aborted === true;
            this.journal.append({ t: 'end', outcome: cancelled ? 'cancelled' : 'failed', detail: failure.message });
            this.#emit({ type: 'failed', jobId: this.jobId, error: failure.toJSON() });
            throw failure;
        }
    }
}
