/** The counter's queue: the limit holds, a raised limit starts waiting jobs, a cancelled waiting job never runs. */
import { describe, expect, it } from 'vitest';
import { JobQueue } from '../../../electron/jobs/job-queue.js';

function gate(): { wait: Promise<void>; open: () => void } {
    let open: () => void = () => undefined;
    const wait = new Promise<void>((resolve) => (open = resolve));
    return { wait, open };
}

describe('JobQueue', () => {
    it('runs at most `limit` jobs, in the order they came, and starts more when the limit is raised', async () => {
        const queue = new JobQueue(1);
        const started: number[] = [];
        const gates = [gate(), gate(), gate()];
        const runs = gates.map((g, n) => queue.run(async () => {
            started.push(n);
            await g.wait;
            return n;
        }));
        await Promise.resolve();
        expect(started).toEqual([0]);
        expect(queue.waiting).toBe(2);
        queue.limit = 2;
        expect(started).toEqual([0, 1]);
        gates[0]!.open();
        await runs[0];
        await new Promise((resolve) => setImmediate(resolve));
        expect(started).toEqual([0, 1, 2]);
        gates[1]!.open();
        gates[2]!.open();
        expect(await Promise.all(runs)).toEqual([0, 1, 2]);
        expect(queue.running).toBe(0);
    });

    it('takes a waiting job out when its signal aborts: it never runs, the next one does', async () => {
        const queue = new JobQueue(1);
        const first = gate();
        const ran: string[] = [];
        const running = queue.run(async () => {
            ran.push('first');
            await first.wait;
        });
        const stop = new AbortController();
        const cancelled = queue.run(async () => void ran.push('cancelled'), stop.signal);
        const third = queue.run(async () => void ran.push('third'));
        stop.abort(new Error('Cancelled by the person.'));
        await expect(cancelled).rejects.toThrow('Cancelled by the person.');
        first.open();
        await running;
        await third;
        expect(ran).toEqual(['first', 'third']);
    });

    it('treats a limit below 1 as one at a time', () => {
        expect(new JobQueue(0).limit).toBe(1);
    });
});
