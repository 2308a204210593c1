/**
 * Finding an in-process virtual phone across its re-enumerations, and the scripted person who holds
 * it: when the job asks for a key combo, they press it (as a person would, a moment later).
 */
import type { JobConfirmRequest, JobInstruction, JobUi } from '../../native/jobs/events.js';
import type { PhoneMode } from '../../native/manifests/schema.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { FoundPhone, PhoneLocator } from './phone-link.js';

/**
 * A stand-in for `navigator.usb` that announces the virtual phone's detach as a WebUSB `disconnect`
 * event, so protocol libraries stop reading from a device that left (as they do with real USB).
 */
class VirtualUsbManager extends EventTarget {
    constructor(phone: VirtualPhone) {
        super();
        phone.on('detach', (device) => {
            const event = new Event('disconnect') as Event & { device?: USBDevice };
            event.device = device;
            this.dispatchEvent(event);
        });
        phone.on('attach', (device) => {
            const event = new Event('connect') as Event & { device?: USBDevice };
            event.device = device;
            this.dispatchEvent(event);
        });
    }
}

export class VirtualPhoneLocator implements PhoneLocator {
    readonly phone: VirtualPhone;
    readonly #usb: VirtualUsbManager;

    constructor(phone: VirtualPhone) {
        this.phone = phone;
        this.#usb = new VirtualUsbManager(phone);
    }

    current(): FoundPhone | undefined {
        const device = this.phone.usbDevice;
        const mode = this.phone.mode;
        if (!device || mode === 'off') return undefined;
        return { mode, serial: this.phone.serial, device, recipeId: this.phone.recipe.id, usb: this.#usb as unknown as USB };
    }

    waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone> {
        const now = this.current();
        if (now && modes.includes(now.mode)) return Promise.resolve(now);
        return new Promise((resolve, reject) => {
            const onAttach = (): void => {
                const found = this.current();
                if (found && modes.includes(found.mode)) {
                    cleanup();
                    resolve(found);
                }
            };
            const onAbort = (): void => {
                cleanup();
                reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('cancelled'));
            };
            const timer = options.timeoutMs !== undefined ? setTimeout(() => {
                cleanup();
                reject(new Error(`timed out waiting for ${modes.join('/')}`));
            }, options.timeoutMs) : undefined;
            const cleanup = (): void => {
                clearTimeout(timer);
                this.phone.off('attach', onAttach);
                options.signal.removeEventListener('abort', onAbort);
            };
            // A cancel that came just before the wait began must not be lost (it would wait it out).
            if (options.signal.aborted) return onAbort();
            this.phone.on('attach', onAttach);
            options.signal.addEventListener('abort', onAbort, { once: true });
        });
    }

    async close(): Promise<void> {
        // The phone belongs to whoever made it.
    }
}

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
