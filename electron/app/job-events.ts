/** A job's events as the contract's: the same for an upgrade, a panel job and a backup job. */
import type { EventName, EventPayload } from '../api/contract.js';
import type { JobConfirmEvent, JobConfirmRequest, JobEvent, JobInstruction, JobInstructionEvent } from '../../native/jobs/events.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { ProgressEvent } from '../../native/jobs/progress.js';

export function jobProgressPayload(jobId: string, progress: ProgressEvent): EventPayload<'jobProgress'> {
    return {
        jobId,
        step: progress.step,
        item: progress.item ?? null,
        bytesDone: progress.bytesDone,
        bytesSent: Math.max(progress.bytesDone, progress.bytesSent ?? 0),
        bytesTotal: progress.bytesTotal,
        toPhone: progress.toPhone ?? false,
        rate: progress.rate,
        etaSeconds: progress.etaSeconds,
        cancellable: progress.cancellable ?? true,
    };
}

/** An instruction as the contract's event; `virtualPhone`: the page may offer to press the keys (pressVirtualButtons). */
export function instructionPayload(event: JobInstructionEvent, virtualPhone: boolean): EventPayload<'jobInstruction'> {
    return { jobId: event.jobId, id: event.id, text: event.text, picture: event.picture ?? null, buttons: [...(event.buttons ?? [])], waitingFor: event.waitingFor, virtualPhone };
}

export function confirmPayload(event: JobConfirmEvent): EventPayload<'jobConfirm'> {
    return { jobId: event.jobId, id: event.id, question: event.question, detail: event.detail, danger: event.danger, confirmLabel: event.confirmLabel, cancelLabel: event.cancelLabel, facts: { ...(event.facts ?? {}) } };
}

type Emit = <K extends EventName>(event: K, payload: EventPayload<K>) => void;

/**
 * A job's steps, progress and log as the contract's job events, under the id the page chose, for
 * jobs whose command answers how they ended (panels, backups) rather than an event.
 */
export function shortJobEvents<Report, Ending>(jobId: string, emit: Emit, virtualPhone = false): (event: JobEvent<Report, Ending>) => void {
    return (event) => {
        switch (event.type) {
            case 'step':
                return emit('jobStep', { jobId, step: event.step, title: event.title, status: event.status, description: event.description });
            case 'progress':
                return emit('jobProgress', jobProgressPayload(jobId, event.progress));
            case 'log':
                return emit('jobLog', { jobId, at: event.at, ...(event.note ? { code: event.note.code, facts: event.note.facts } : { line: event.line }) });
            // Only jobs that follow a phone through its modes (backup, restore) speak to the person.
            case 'instruction':
                return emit('jobInstruction', instructionPayload({ ...event, jobId }, virtualPhone));
            case 'confirm':
                return emit('jobConfirm', confirmPayload({ ...event, jobId }));
            default:
                return undefined;
        }
    };
}

/** The page's answers a running job waits for, by question id (answerConfirm resolves them). */
export type PageAnswers = Map<string, (yes: boolean) => void>;

/** Ask the page: the job waits until answerConfirm answers this question, or is stopped. */
export function askPage(answers: PageAnswers, request: JobConfirmRequest, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
        const onAbort = (): void => {
            answers.delete(request.id);
            reject(new Error('cancelled'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        answers.set(request.id, (yes) => {
            signal.removeEventListener('abort', onAbort);
            answers.delete(request.id);
            resolve(yes);
        });
    });
}

/** Answer a question the page was asked; refused when it is no longer asked. */
export function answerPage(answers: PageAnswers | undefined, requestId: string, yes: boolean): void {
    const resolve = answers?.get(requestId);
    if (!resolve) throw ReviveError.of('question-gone', {});
    resolve(yes);
}

/** "I'm holding the buttons" on the virtual phone: its owner does what the current instruction says. */
export function pressForPage(virtual: VirtualPhone | undefined, instruction: JobInstruction | undefined, instructionId: string): void {
    if (!virtual || !instruction || instruction.id !== instructionId) throw ReviveError.of('instruction-gone', {});
    if (instruction.id === 'connect' && virtual.isUnplugged) virtual.replug();
    else if (instruction.waitingFor && virtual.mode !== instruction.waitingFor) virtual.pressKeys(instruction.waitingFor);
}
