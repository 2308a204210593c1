/**
 * The counter's queue: at most `limit` jobs run at once, the rest wait in the order they came. The
 * limit can change while jobs wait (the app's "one at a time" switch); a waiting job can be taken out
 * of the queue (its lane cancelled) without ever having started. Shared by `revive upgrade` with
 * several phones (counter.ts) and the app's counter screen (electron/app/counter-desk.ts).
 */
export class JobQueue {
    #limit: number;
    #running = 0;
    readonly #waiting: Array<{ readonly start: () => void }> = [];

    constructor(limit: number) {
        this.#limit = JobQueue.#clamp(limit);
    }

    static #clamp(limit: number): number {
        return Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : Number.MAX_SAFE_INTEGER;
    }

    get limit(): number {
        return this.#limit;
    }

    /** A higher limit starts waiting jobs at once; a lower one lets running jobs finish. */
    set limit(limit: number) {
        this.#limit = JobQueue.#clamp(limit);
        this.#next();
    }

    get running(): number {
        return this.#running;
    }

    get waiting(): number {
        return this.#waiting.length;
    }

    #next(): void {
        while (this.#running < this.#limit && this.#waiting.length > 0) this.#waiting.shift()?.start();
    }

    /**
     * Run `task` when a place is free. `signal` aborting while it still waits takes it out of the
     * queue: the returned promise rejects with the signal's reason and `task` never runs.
     */
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const entry = {
                start: (): void => {
                    signal?.removeEventListener('abort', onAbort);
                    this.#running++;
                    void task()
                        .then(resolve, reject)
                        .finally(() => {
                            this.#running--;
                            this.#next();
                        });
                },
            };
            const onAbort = (): void => {
                const at = this.#waiting.indexOf(entry);
                if (at < 0) return;
                this.#waiting.splice(at, 1);
                reject(signal?.reason instanceof Error ? signal.reason : new Error('Taken out of the queue.'));
            };
            if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('Taken out of the queue.'));
            signal?.addEventListener('abort', onAbort, { once: true });
            this.#waiting.push(entry);
            this.#next();
        });
    }
}
