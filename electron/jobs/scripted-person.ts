/**
 * The person who holds the virtual phone in `revive demo`, `revive upgrade --device virtual:…` and
 * the counter: when the job asks for a key combo, they press it (as a person would, a moment later),
 * and they answer its questions.
 */
import type { JobConfirmRequest, JobInstruction, JobUi } from '../../native/jobs/events.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';

export interface ScriptedPersonOptions {
    /** Answer to confirm requests (default: yes to all). */
    readonly answer?: ((request: JobConfirmRequest) => boolean | Promise<boolean>) | undefined;
    /** How long the person takes to press the keys (default 50 ms). */
    readonly delayMs?: number | undefined;
    /** Told about every instruction (e.g. to print it). */
    readonly onInstruction?: ((instruction: JobInstruction) => void) | undefined;
    readonly onConfirm?: ((request: JobConfirmRequest, answer: boolean) => void) | undefined;
}

/** A person holding the virtual phone: follows key-combo instructions and answers questions. */
export function scriptedPerson(phone: VirtualPhone, options: ScriptedPersonOptions = {}): JobUi {
    return {
        instruct(instruction: JobInstruction): void {
            options.onInstruction?.(instruction);
            const mode = instruction.waitingFor;
            if (instruction.id === 'connect' && phone.isUnplugged) {
                setTimeout(() => phone.replug(), options.delayMs ?? 50);
                return;
            }
            if (!mode || !instruction.buttons || instruction.buttons.length === 0) return;
            setTimeout(() => {
                if (phone.mode !== mode) phone.pressKeys(mode);
            }, options.delayMs ?? 50);
        },
        async confirm(request: JobConfirmRequest): Promise<boolean> {
            const answer = options.answer ? await options.answer(request) : true;
            options.onConfirm?.(request, answer);
            return answer;
        },
    };
}
