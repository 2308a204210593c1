/** Progress of long work: raw facts from the protocol layer, rate and ETA computed in one place. */
import type { LogNote } from '../../common/log-codes.js';

export interface ProgressFacts {
    /** A short machine name of the current step, e.g. `flash:RECOVERY` or `sideload:rom`. */
    readonly step: string;
    /** What within the step is being worked on now (a backup's part, `twrp/data.ext4.win000`), when the bytes count toward the step as a whole. */
    readonly item?: string | undefined;
    /**
     * Bytes the receiver HAS: for writes to a phone, what the phone acknowledged (Odin's per-part
     * reply, fastboot's OKAY after the data phase, the next block a recovery asks for), never what
     * merely left the computer.
     */
    readonly bytesDone: number;
    readonly bytesTotal: number;
    /** Bytes that left the computer, where that runs ahead of what the phone has acknowledged. */
    readonly bytesSent?: number | undefined;
    /** The bytes go onto the phone (a flash, a sideload, a push), so they count toward the job's overall bytes. */
    readonly toPhone?: boolean | undefined;
    /** Whether cancelling now leaves the phone in a known, safe state. */
    readonly cancellable?: boolean | undefined;
}

export interface ProgressEvent extends ProgressFacts {
    /** Bytes per second over the last few seconds; 0 before there is enough data. */
    readonly rate: number;
    /** Seconds left at the current rate, or null when unknown. */
    readonly etaSeconds: number | null;
}

export type ProgressListener = (event: ProgressEvent) => void;

const WINDOW_MS = 3000;

/** Rate over a short moving window, so a stall shows quickly and a burst does not flatter. */
export class Speedometer {
    readonly #samples: Array<{ at: number; bytes: number }> = [];
    readonly #now: () => number;

    constructor(now: () => number = () => performance.now()) {
        this.#now = now;
    }

    /** Record the running total and return bytes per second. */
    update(bytesDone: number): number {
        const at = this.#now();
        this.#samples.push({ at, bytes: bytesDone });
        while (this.#samples.length > 2 && at - (this.#samples[0]?.at ?? at) > WINDOW_MS) this.#samples.shift();
        const first = this.#samples[0];
        if (!first || at - first.at < 50) return 0;
        return Math.max(0, ((bytesDone - first.bytes) * 1000) / (at - first.at));
    }
}

/**
 * How often a job tells the world about its bytes: at most four times a second, so a flash of 1 MiB
 * chunks does not become an IPC or WebSocket message per chunk. Step changes, a step's first byte
 * and its last byte are always told at once.
 */
export const JOB_PROGRESS_INTERVAL_MS = 250;

export interface ProgressTrackerOptions {
    /** Milliseconds between two events of one step (0: every report). */
    readonly intervalMs?: number | undefined;
    readonly now?: (() => number) | undefined;
}

/** Turns raw facts into ProgressEvents with rate and ETA, at most one per interval; one tracker per job. */
export class ProgressTracker {
    readonly #listener: ProgressListener;
    readonly #speed: Speedometer;
    readonly #now: () => number;
    readonly #intervalMs: number;
    #step = '';
    #lastSent = Number.NEGATIVE_INFINITY;
    /** The last event told of this step said 0 bytes. */
    #sentNothing = false;

    constructor(listener: ProgressListener, options: ProgressTrackerOptions = {}) {
        this.#listener = listener;
        this.#now = options.now ?? (() => performance.now());
        this.#speed = new Speedometer(this.#now);
        this.#intervalMs = options.intervalMs ?? 0;
    }

    report(facts: ProgressFacts): void {
        const newStep = facts.step !== this.#step;
        if (newStep) {
            this.#step = facts.step;
            this.#speed.update(0);
        }
        // The rate is the wire's; time left runs until the last byte is sent (its acknowledgement follows at once).
        const moved = Math.max(facts.bytesDone, facts.bytesSent ?? 0);
        const rate = this.#speed.update(moved);
        const at = this.#now();
        const last = facts.bytesDone >= facts.bytesTotal;
        // The first byte of a step counts as a change too: "it has begun" is told at once.
        const begun = this.#sentNothing && facts.bytesDone > 0;
        if (!newStep && !last && !begun && at - this.#lastSent < this.#intervalMs) return;
        this.#lastSent = at;
        this.#sentNothing = facts.bytesDone === 0;
        const left = facts.bytesTotal - moved;
        const etaSeconds = rate > 0 ? left / rate : left <= 0 ? 0 : null;
        this.#listener({ ...facts, rate, etaSeconds });
    }
}

/** Callers of protocol code pass this; it carries the AbortSignal and the progress sink together. */
export interface JobContext {
    readonly signal?: AbortSignal | undefined;
    readonly onProgress?: ((facts: ProgressFacts) => void) | undefined;
    /** One log line in English; `note` is its code and facts when the line has words of its own (log-note.ts). */
    readonly onLog?: ((line: string, note?: LogNote) => void) | undefined;
}
