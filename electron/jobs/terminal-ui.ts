/**
 * The upgrade in a terminal: plain, calm lines for each step, a progress bar on a TTY, instructions
 * set apart, questions asked on stdin (or answered by --yes), and the report at the end.
 * With --json every job event is one JSON line instead.
 */
import { createInterface } from 'node:readline/promises';
import type { JobConfirmRequest, JobEvent, JobInstruction, UpgradeReport } from '../../native/jobs/events.js';
import type { ProgressEvent } from '../../native/jobs/progress.js';
import { formatBytes } from '../../common/format-bytes.js';

export interface TerminalOptions {
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    /** stdout is a terminal: draw a live progress bar. */
    readonly interactive: boolean;
    readonly json: boolean;
    /** Answer every question with yes (the person said so with --yes, or the demo does it). */
    readonly assumeYes: boolean;
    /** Why questions are answered automatically, e.g. "--yes" or "demo". */
    readonly assumeYesReason?: string | undefined;
}

export function progressBar(event: ProgressEvent, width = 28): string {
    const fraction = event.bytesTotal > 0 ? Math.min(1, event.bytesDone / event.bytesTotal) : 0;
    const filled = Math.round(fraction * width);
    const rate = event.rate > 0 ? `  ${formatBytes(event.rate)}/s` : '';
    const eta = event.etaSeconds !== null && event.rate > 0 && fraction < 1 ? `  about ${Math.max(1, Math.round(event.etaSeconds))} s left` : '';
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}${rate}${eta}`;
}

const STEP_WORDS: Readonly<Record<string, string>> = {
    'verify:recovery': 'Checking the recovery image',
    'verify:rom': 'Checking the ROM',
    'verify:gapps': 'Checking the Gapps package',
    'verify:su': 'Checking the su add-on',
};

function progressLabel(step: string): string {
    if (STEP_WORDS[step]) return STEP_WORDS[step];
    if (step.startsWith('recheck:')) return `${STEP_WORDS[`verify:${step.slice('recheck:'.length)}`] ?? 'Checking'} once more`;
    if (step === 'pit:download') return 'Reading the partition table';
    if (step.startsWith('sideload:')) return `Sending ${step.slice('sideload:'.length)}`;
    if (step.startsWith('flash') || step.startsWith('odin') || step.startsWith('download')) return 'Writing TWRP';
    if (step.startsWith('pull') || step.startsWith('backup')) return 'Copying the backup';
    return step;
}

export function printReport(report: UpgradeReport, out: (text: string) => void): void {
    const lines = [
        '',
        `Done. The ${report.phoneName} now runs Android ${report.after.androidVersion}.`,
        `  Before:     Android ${report.before.androidVersion}${report.before.buildFingerprint ? ` (${report.before.buildFingerprint})` : ''}`,
        `  Now:        ${report.after.buildFingerprint}`,
        `  Installed:  ${report.installed.join(', then ')}`,
        report.backup.kind === 'verified'
            ? `  Backup:     ${report.backup.files.map((f) => `${f.name} (SHA-256 ${f.sha256})`).join(', ')} in ${report.backup.directory}; revive restore puts it back`
            : `  Backup:     none (you chose to go without one, ${report.backup.declinedAt})`,
        `  Files used: ${report.files.map((f) => `${f.name} (${f.checksumSource === 'recipe' ? 'known-good' : f.checksumSource === 'typed' ? 'typed checksum' : f.checksumSource === 'download' ? `downloaded from ${f.origin ?? 'its source'}` : 'checksum file'})`).join(', ')}`,
        `  Runs:       ${report.runs}${report.runs > 1 ? ' (the job was interrupted and resumed)' : ''}`,
        `  Journal:    ${report.journalPath}`,
        '',
    ];
    out(lines.join('\n'));
}

export class TerminalUi {
    readonly #options: TerminalOptions;
    #barShown = false;
    #lastProgressStep = '';

    constructor(options: TerminalOptions) {
        this.#options = options;
    }

    #line(text: string): void {
        this.#clearBar();
        this.#options.out(`${text}\n`);
    }

    #clearBar(): void {
        if (this.#barShown) {
            this.#options.out('\r\x1b[2K');
            this.#barShown = false;
        }
    }

    emit(event: JobEvent): void {
        if (this.#options.json) {
            this.#options.out(`${JSON.stringify(event)}\n`);
            return;
        }
        switch (event.type) {
            case 'started':
                this.#line(event.resumed ? `Resuming upgrade job ${event.jobId}.` : `Upgrade job ${event.jobId}: ${event.steps.length} steps.`);
                break;
            case 'step':
                if (event.status === 'started') this.#line(`\n> ${event.title}\n  ${event.description}`);
                else if (event.status === 'finished') this.#line(`  Done: ${event.description}`);
                else if (event.status === 'skipped') this.#line(`\n- ${event.title}: ${event.description}`);
                // A failed step: the job's own `failed` or `cancelled` event says what happened.
                break;
            case 'progress':
                this.#progress(event.progress);
                break;
            case 'instruction':
                break;
            case 'confirm':
                break;
            case 'log':
                this.#line(`    ${event.line}`);
                break;
            case 'done':
                this.#clearBar();
                printReport(event.report, this.#options.out);
                break;
            case 'failed':
                this.#clearBar();
                this.#options.err(`\nThe upgrade stopped: ${event.error.message}\nWhat to do: ${event.error.nextStep}\nThe phone: ${event.phoneState}\n${event.resumable ? `To continue later: revive upgrade --resume ${event.jobId} --device …\n` : ''}`);
                break;
            case 'cancelled':
                this.#clearBar();
                this.#options.err(`\nThe upgrade was stopped. ${event.phoneState}\n${event.resumable ? `To continue later: revive upgrade --resume ${event.jobId} --device …\n` : ''}`);
                break;
        }
    }

    #progress(event: ProgressEvent): void {
        if (!this.#options.interactive) {
            // In a log or a pipe, one line per finished transfer is enough.
            if (event.bytesDone >= event.bytesTotal && event.step !== this.#lastProgressStep) {
                this.#lastProgressStep = event.step;
                this.#line(`    ${progressLabel(event.step)}: ${formatBytes(event.bytesTotal)} done.`);
            }
            return;
        }
        this.#options.out(`\r\x1b[2K    ${progressLabel(event.step).padEnd(36).slice(0, 36)} ${progressBar(event)}`);
        this.#barShown = true;
        if (event.bytesDone >= event.bytesTotal) this.#clearBar();
    }

    instruct(instruction: JobInstruction): void {
        if (this.#options.json) return;
        const picture = instruction.picture ? `\n  (picture: ${instruction.picture})` : '';
        const waiting = instruction.waitingFor ? `\n  Revive waits until the phone shows up in ${instruction.waitingFor} mode.` : '';
        this.#line(`\n  *** On the phone ***\n  ${instruction.text}${picture}${waiting}\n`);
    }

    async confirm(request: JobConfirmRequest, signal: AbortSignal): Promise<boolean> {
        const ask = `\n  ${request.question}\n  ${request.detail}`;
        if (this.#options.assumeYes) {
            if (!this.#options.json) this.#line(`${ask}\n  Answer: ${request.confirmLabel} (${this.#options.assumeYesReason ?? '--yes'}).`);
            return true;
        }
        if (!this.#options.interactive || !process.stdin.isTTY) {
            this.#options.err(`${ask}\n  No answer possible here (not a terminal): answering "${request.cancelLabel}". Run with --yes to accept this question.\n`);
            return false;
        }
        this.#clearBar();
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
            const answer = await rl.question(`${ask}\n  ${request.confirmLabel}? [y/N] `, { signal });
            return /^y(es)?$/i.test(answer.trim());
        } finally {
            rl.close();
        }
    }
}
