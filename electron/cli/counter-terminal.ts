/**
 * Several upgrades in one terminal: one line per phone (redrawn in place on a TTY; in a pipe, a line
 * whenever a phone's step, instruction or result changes, prefixed with the phone), then a summary
 * table. With --json every job event is one JSON line carrying `device` and `ticket`.
 */
import type { JobConfirmRequest, JobEvent, JobInstruction, JobUi } from '../../native/jobs/events.js';
import type { CounterLane } from '../jobs/counter.js';
import { TerminalUi } from '../jobs/terminal-ui.js';
import type { CliIo } from './command.js';

interface LaneView {
    step: string;
    percent: number | null;
    instruction: string;
}

function elapsed(lane: CounterLane): string {
    if (lane.startedAt === undefined) return '-';
    const seconds = Math.round(((lane.finishedAt ?? Date.now()) - lane.startedAt) / 1000);
    return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export class CounterTerminal {
    readonly #io: CliIo;
    readonly #json: boolean;
    readonly #assumeYes: boolean;
    readonly #lanes = new Map<number, CounterLane>();
    readonly #views = new Map<number, LaneView>();
    #drawnLines = 0;
    #drawTimer: NodeJS.Timeout | undefined;
    /** Questions from several phones are asked one at a time. */
    #asking: Promise<unknown> = Promise.resolve();

    constructor(io: CliIo, options: { json: boolean; assumeYes: boolean }) {
        this.#io = io;
        this.#json = options.json;
        this.#assumeYes = options.assumeYes;
    }

    get #live(): boolean {
        return this.#io.interactive && !this.#json;
    }

    #view(lane: CounterLane): LaneView {
        let view = this.#views.get(lane.index);
        if (!view) {
            view = { step: '', percent: null, instruction: '' };
            this.#views.set(lane.index, view);
        }
        return view;
    }

    #say(lane: CounterLane, text: string): void {
        if (this.#json) return;
        if (this.#live) return this.#scheduleDraw();
        this.#io.out(`[${lane.label}${lane.ticket ? ` ${lane.ticket}` : ''}] ${text}\n`);
    }

    lane(lane: CounterLane): void {
        this.#lanes.set(lane.index, lane);
        if (this.#json) {
            this.#io.out(`${JSON.stringify({ type: 'lane', device: lane.label, ticket: lane.ticket, status: lane.status, port: lane.port ?? null, phone: lane.phoneName ?? null, jobId: lane.jobId ?? null })}\n`);
            return;
        }
        if (lane.status === 'running') this.#say(lane, `${lane.phoneName ?? 'phone'} on ${lane.port ?? lane.label}${lane.identity?.serial ? `, serial ${lane.identity.serial}` : ''}: started.`);
        else if (lane.status === 'done') this.#say(lane, `Done: the phone runs Android ${lane.report?.after.androidVersion ?? '?'}.`);
        else if (lane.status === 'failed' || lane.status === 'cancelled') {
            this.#say(lane, `${lane.status === 'failed' ? 'FAILED' : 'Stopped'}: ${lane.error?.message ?? ''}${lane.error?.phoneState ? ` ${lane.error.phoneState}` : ''}`);
        } else this.#scheduleDraw();
    }

    event(lane: CounterLane, event: JobEvent): void {
        if (this.#json) {
            this.#io.out(`${JSON.stringify({ device: lane.label, ticket: lane.ticket, ...event })}\n`);
            return;
        }
        const view = this.#view(lane);
        if (event.type === 'step' && event.status === 'started') {
            view.step = event.title;
            view.percent = null;
            view.instruction = '';
            this.#say(lane, `> ${event.title}`);
        } else if (event.type === 'progress') {
            view.percent = event.progress.bytesTotal > 0 ? Math.min(100, Math.round((event.progress.bytesDone / event.progress.bytesTotal) * 100)) : null;
            if (this.#live) this.#scheduleDraw();
        } else if (event.type === 'step' && event.status === 'finished') {
            view.instruction = '';
        }
    }

    uiFor(lane: CounterLane): JobUi {
        const terminal = new TerminalUi({
            out: (text) => this.#io.out(text.replace(/^(\n*)/, `$1[${lane.label}] `)),
            err: (text) => this.#io.err(text.replace(/^(\n*)/, `$1[${lane.label}] `)),
            interactive: this.#io.interactive,
            json: this.#json,
            assumeYes: this.#assumeYes,
        });
        return {
            instruct: (instruction: JobInstruction) => {
                this.#view(lane).instruction = instruction.text;
                this.#say(lane, `*** On the phone: ${instruction.text}${instruction.picture ? ` (picture: ${instruction.picture})` : ''}`);
            },
            confirm: (request: JobConfirmRequest, signal: AbortSignal) => {
                const asked = this.#asking.then(() => {
                    this.#clear();
                    return terminal.confirm(request, signal);
                });
                this.#asking = asked.catch(() => undefined);
                return asked;
            },
        };
    }

    #scheduleDraw(): void {
        if (!this.#live || this.#drawTimer) return;
        this.#drawTimer = setTimeout(() => {
            this.#drawTimer = undefined;
            this.#draw();
        }, 200);
    }

    #clear(): void {
        if (this.#drawnLines > 0) this.#io.out(`\x1b[${this.#drawnLines}A\x1b[0J`);
        this.#drawnLines = 0;
    }

    #draw(): void {
        this.#clear();
        const lanes = [...this.#lanes.values()].sort((a, b) => a.index - b.index);
        const width = Math.max(...lanes.map((l) => l.label.length));
        for (const lane of lanes) {
            const view = this.#view(lane);
            const state = lane.status === 'running' ? `${view.step}${view.percent !== null ? ` ${String(view.percent).padStart(3)}%` : ''}` : lane.status;
            const todo = view.instruction && lane.status === 'running' ? `  ! ${view.instruction}` : '';
            this.#io.out(`${lane.label.padEnd(width)}  ${(lane.ticket || '-').padEnd(8)}  ${state}${todo}`.slice(0, 160) + '\n');
        }
        this.#drawnLines = lanes.length;
    }

    /** The summary table after every job ended. */
    summary(lanes: readonly CounterLane[]): void {
        clearTimeout(this.#drawTimer);
        this.#drawTimer = undefined;
        if (this.#live) this.#draw();
        if (this.#json) {
            this.#io.out(
                `${JSON.stringify({
                    type: 'summary',
                    lanes: lanes.map((l) => ({ device: l.label, ticket: l.ticket, port: l.port ?? null, phone: l.phoneName ?? null, result: l.status, jobId: l.jobId ?? null, error: l.error ?? null, receipt: l.receipt?.shopJson ?? null, customerReceipt: l.receipt?.customerJson ?? null, receiptMissing: l.receiptMissing ?? null })),
                })}\n`,
            );
            return;
        }
        const rows = lanes.map((l) => [l.label, l.ticket || '-', l.phoneName ?? '-', l.status === 'done' ? 'done' : l.status.toUpperCase(), elapsed(l), l.receipt?.shopJson ?? l.receiptMissing ?? '-']);
        const head = ['PHONE', 'TICKET', 'MODEL', 'RESULT', 'TIME', 'RECEIPT'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
        this.#io.out('\n');
        for (const row of [head, ...rows]) this.#io.out(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
        const done = lanes.filter((l) => l.status === 'done').length;
        this.#io.out(`\n${done} of ${lanes.length} phones finished.\n`);
        for (const lane of lanes.filter((l) => l.status !== 'done' && l.error)) {
            this.#io.err(`[${lane.label}] ${lane.error?.message}\n  What to do: ${lane.error?.nextStep}\n${lane.error?.phoneState ? `  The phone: ${lane.error.phoneState}\n` : ''}`);
        }
    }
}
