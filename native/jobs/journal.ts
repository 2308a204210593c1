/**
 * A JSONL journal per job: `<app data>/jobs/<jobId>.jsonl`. Every step's start and verification is
 * appended (never rewritten), so a job interrupted by a pulled cable or a closed app can resume from
 * its last verified step, and a person can read afterwards what happened. Secrets never go in.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ReviveError } from './errors.js';
import { checkedName } from './names.js';

export type JournalValue = string | number | boolean | null | JournalValue[] | { [key: string]: JournalValue };

export type JournalEntry =
    | { readonly t: 'job'; readonly at: string; readonly jobId: string; readonly kind: string; readonly params: Record<string, JournalValue> }
    | { readonly t: 'run'; readonly at: string; readonly run: number; readonly resumed: boolean }
    | { readonly t: 'step'; readonly at: string; readonly run: number; readonly step: string; readonly status: 'started' | 'verified' | 'skipped' | 'failed'; readonly detail: string; readonly data?: Record<string, JournalValue> }
    | { readonly t: 'note'; readonly at: string; readonly run: number; readonly key: string; readonly data: Record<string, JournalValue> }
    | { readonly t: 'end'; readonly at: string; readonly run: number; readonly outcome: 'done' | 'failed' | 'cancelled'; readonly detail: string };

/** The app data folder: `$REVIVE_HOME`, else `~/.config/revive`. */
export function appHome(): string {
    const fromEnv = process.env['REVIVE_HOME'];
    return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.config', 'revive');
}

export function jobsDir(home: string = appHome()): string {
    return join(home, 'jobs');
}

export { newJobId } from '../../common/job-id.js';

const SECRET_KEY = /pass(word|phrase)?|secret|token|private|credential|pin$|^key$|adbkey/i;

/** Drop every field whose name smells of a secret, at any depth. */
export function redactSecrets(value: JournalValue): JournalValue {
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (value !== null && typeof value === 'object') {
        const out: Record<string, JournalValue> = {};
        for (const [key, inner] of Object.entries(value)) {
            out[key] = SECRET_KEY.test(key) ? '[not recorded]' : redactSecrets(inner);
        }
        return out;
    }
    return value;
}

type EntryBody<E> = E extends JournalEntry ? Omit<E, 'at' | 'run'> : never;

export class Journal {
    readonly path: string;
    readonly jobId: string;
    readonly run: number;
    readonly entries: JournalEntry[];

    private constructor(path: string, jobId: string, entries: JournalEntry[], run: number) {
        this.path = path;
        this.jobId = jobId;
        this.entries = entries;
        this.run = run;
    }

    /** Start a new job's journal. */
    static create(jobId: string, kind: string, params: Record<string, JournalValue>, home: string = appHome()): Journal {
        const dir = jobsDir(home);
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const path = join(dir, `${checkedName('job', jobId)}.jsonl`);
        if (existsSync(path)) {
            throw ReviveError.of('journal-exists', { jobId, path });
        }
        const journal = new Journal(path, jobId, [], 1);
        journal.#write({ t: 'job', at: new Date().toISOString(), jobId, kind, params: redactSecrets(params) as Record<string, JournalValue> });
        journal.#write({ t: 'run', at: new Date().toISOString(), run: 1, resumed: false });
        return journal;
    }

    /** Open an existing job's journal to continue it: a new run is appended. */
    static resume(jobId: string, home: string = appHome()): Journal {
        const path = join(jobsDir(home), `${checkedName('job', jobId)}.jsonl`);
        const entries = readJournal(path);
        const runs = entries.filter((e) => e.t === 'run').length;
        const journal = new Journal(path, jobId, entries, runs + 1);
        journal.#write({ t: 'run', at: new Date().toISOString(), run: runs + 1, resumed: true });
        return journal;
    }

    /** Read a job's header (what it was started with) without starting a run. */
    static peek(jobId: string, home: string = appHome()): Extract<JournalEntry, { t: 'job' }> {
        const entries = readJournal(join(jobsDir(home), `${checkedName('job', jobId)}.jsonl`));
        const header = entries[0];
        if (!header || header.t !== 'job') {
            throw ReviveError.of('journal-damaged', { variant: 'no-header', jobId });
        }
        return header;
    }

    get header(): Extract<JournalEntry, { t: 'job' }> {
        const header = this.entries[0];
        if (!header || header.t !== 'job') throw new Error(`journal ${this.path} has no job header`);
        return header;
    }

    append(entry: EntryBody<JournalEntry>): void {
        const full = { ...entry, at: new Date().toISOString(), run: this.run } as JournalEntry;
        if ('data' in full && full.data) (full as { data: JournalValue }).data = redactSecrets(full.data);
        this.#write(full);
    }

    /** Steps verified in any run so far, with the data recorded when they were verified. */
    verifiedSteps(): Map<string, Record<string, JournalValue>> {
        const verified = new Map<string, Record<string, JournalValue>>();
        for (const entry of this.entries) {
            if (entry.t === 'step' && entry.status === 'verified') verified.set(entry.step, entry.data ?? {});
        }
        return verified;
    }

    /** The last note recorded under this key, in any run. */
    note(key: string): Record<string, JournalValue> | undefined {
        let found: Record<string, JournalValue> | undefined;
        for (const entry of this.entries) if (entry.t === 'note' && entry.key === key) found = entry.data;
        return found;
    }

    get finished(): boolean {
        return this.entries.some((e) => e.t === 'end' && e.outcome === 'done');
    }

    #write(entry: JournalEntry): void {
        this.entries.push(entry);
        appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    }
}

export function readJournal(path: string): JournalEntry[] {
    if (!existsSync(path)) {
        throw ReviveError.of('journal-missing', { path });
    }
    const entries: JournalEntry[] = [];
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, index) => {
        if (line.trim() === '') return;
        try {
            entries.push(JSON.parse(line) as JournalEntry);
        } catch {
            // A crash mid-append leaves at most a torn last line; anything earlier is damage.
            if (index < lines.length - 2) {
                throw ReviveError.of('journal-damaged', { variant: 'line', line: index + 1, path });
            }
        }
    });
    return entries;
}

/** Job ids with a journal in this app data folder, newest first. */
export function listJobs(home: string = appHome()): string[] {
    const dir = jobsDir(home);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
        .filter((name) => name.endsWith('.jsonl'))
        .map((name) => name.slice(0, -'.jsonl'.length))
        .sort()
        .reverse();
}
