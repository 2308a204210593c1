import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent, JobUi } from '../../../native/jobs/events.js';
import { Journal, listJobs, newJobId, readJournal } from '../../../native/jobs/journal.js';
import { JobRun } from '../../../native/jobs/runner.js';

let home: string;
beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'revive-journal-'));
});
afterEach(async () => {
    await rm(home, { recursive: true, force: true });
});

const ui: JobUi = { instruct: () => undefined, confirm: async () => true };

describe('job journal and step runner', () => {
    it('journals each step, keeps secrets out, and a resumed run skips verified steps', async () => {
        const jobId = newJobId();
        const journal = Journal.create(jobId, 'upgrade', { device: 'virtual', passphrase: 'hunter2', nested: { token: 'abc', file: 'rom.zip' } }, home);
        const events: JobEvent[] = [];
        const run = new JobRun({ journal, emit: (e) => events.push(e), ui, signal: new AbortController().signal });
        run.start('upgrade', [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }]);
        await run.step({ id: 'a', title: 'A', description: 'first' }, async () => ({ detail: 'a done', data: { value: 1 } }));
        await expect(run.step({ id: 'b', title: 'B', description: 'second' }, async () => { throw new Error('cable pulled'); })).rejects.toThrow('cable pulled');

        const text = await readFile(journal.path, 'utf8');
        expect(text).not.toContain('hunter2');
        expect(text).not.toContain('"abc"');
        expect(text).toContain('rom.zip');

        const resumed = Journal.resume(jobId, home);
        expect(resumed.run).toBe(2);
        const seen: string[] = [];
        const run2 = new JobRun({ journal: resumed, emit: (e) => { if (e.type === 'step') seen.push(`${e.step}:${e.status}`); }, ui, signal: new AbortController().signal });
        const a = await run2.step({ id: 'a', title: 'A', description: 'first' }, async () => { throw new Error('must not run again'); });
        expect(a.status).toBe('done-earlier');
        expect(a.data['value']).toBe(1);
        await run2.step({ id: 'b', title: 'B', description: 'second' }, async () => ({ detail: 'b done' }));
        expect(seen).toEqual(['a:skipped', 'b:started', 'b:finished']);

        const entries = readJournal(resumed.path);
        expect(entries.filter((e) => e.t === 'run').map((e) => (e.t === 'run' ? e.resumed : null))).toEqual([false, true]);
        expect(entries.filter((e) => e.t === 'step' && e.step === 'b').map((e) => (e.t === 'step' ? `${e.run}:${e.status}` : ''))).toEqual(['1:started', '1:failed', '2:started', '2:verified']);
        expect(listJobs(home)).toEqual([jobId]);
        expect(events[0]).toMatchObject({ type: 'started', resumed: false, jobId });
    });

    it('tolerates a torn last line but not damage in the middle', async () => {
        const journal = Journal.create(newJobId(), 'upgrade', {}, home);
        const { appendFileSync } = await import('node:fs');
        appendFileSync(journal.path, '{"t":"step","at":"x"');
        expect(readJournal(journal.path)).toHaveLength(2);
        appendFileSync(journal.path, '\n{"t":"note","at":"x","run":1,"key":"k","data":{}}\n');
        expect(() => readJournal(journal.path)).toThrow(/damaged/);
    });
});
