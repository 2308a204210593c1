/**
 * Progress over a whole backup, not part by part: the phone tells every part's size before the
 * first byte is copied (TWRP's folder and internal storage as listed, a state partition's block
 * device where it reports one), so one count runs from 0 to their sum under one step name and the
 * job's rate and time left span the whole copy. A part whose size was not known beforehand (a block
 * device that reports none) joins the total once its copy shows it. The job's one tracker turns
 * these facts into at most four events a second, however many small files internal storage holds.
 */
import type { JobContext, ProgressFacts } from '../jobs/progress.js';

/** The step every byte of a backup's copy is told under; `item` names the part being copied. */
export const WHOLE_BACKUP_STEP = 'backup';

export class WholeBackupProgress {
    readonly #ctx: JobContext;
    readonly #step: string;
    /** Bytes of the parts already copied. */
    #finished = 0;
    #total: number;

    constructor(ctx: JobContext, expectedBytes: number, step: string = WHOLE_BACKUP_STEP) {
        this.#ctx = ctx;
        this.#step = step;
        this.#total = expectedBytes;
    }

    get totalBytes(): number {
        return this.#total;
    }

    get doneBytes(): number {
        return this.#finished;
    }

    /** "It has begun": 0 of the whole, before the first part. */
    start(): void {
        this.#tell({ item: undefined, bytesDone: 0 });
    }

    /**
     * Copy one part whose expected size is `expectedBytes` (0 when unknown and not in the total):
     * `work` gets a context whose progress counts toward the whole; the part's bytes are added to
     * what is done when it ends.
     */
    async part<T>(item: string, expectedBytes: number, work: (ctx: JobContext) => Promise<T>): Promise<T> {
        let expected = expectedBytes;
        let seen = 0;
        const ctx: JobContext = {
            signal: this.#ctx.signal,
            onLog: this.#ctx.onLog,
            onProgress: (facts: ProgressFacts) => {
                seen = Math.max(seen, facts.bytesDone);
                // More than the phone announced (or a size it did not announce): the whole grows with it.
                if (seen > expected) {
                    this.#total += seen - expected;
                    expected = seen;
                }
                this.#tell({ item, bytesDone: this.#finished + seen });
            },
        };
        const result = await work(ctx);
        this.#finished += Math.max(expected, seen);
        this.#tell({ item, bytesDone: this.#finished });
        return result;
    }

    #tell(facts: { item: string | undefined; bytesDone: number }): void {
        this.#ctx.onProgress?.({ step: this.#step, ...(facts.item !== undefined ? { item: facts.item } : {}), bytesDone: Math.min(facts.bytesDone, this.#total), bytesTotal: this.#total, cancellable: true });
    }
}
