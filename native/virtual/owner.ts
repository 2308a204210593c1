/** Scripted owners of a virtual phone: the person who answers the phone's on-screen prompts. */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { VirtualOwner } from './mode-protocol.js';

export type OwnerChoice = 'accept' | 'deny' | 'ask';

/** Answers every prompt the same way, and remembers what it was asked (tests check the wording). */
export class ScriptedOwner implements VirtualOwner {
    readonly prompts: string[] = [];
    answer: boolean;

    constructor(answer: boolean) {
        this.answer = answer;
    }

    async confirm(prompt: string): Promise<boolean> {
        this.prompts.push(prompt);
        return this.answer;
    }
}

/** Asks on a terminal (y/n) for each prompt; one question at a time. */
export class TerminalOwner implements VirtualOwner {
    readonly #input: Readable;
    readonly #output: Writable;
    #queue: Promise<unknown> = Promise.resolve();

    constructor(input: Readable = process.stdin, output: Writable = process.stderr) {
        this.#input = input;
        this.#output = output;
    }

    confirm(prompt: string, signal?: AbortSignal): Promise<boolean> {
        const next = this.#queue.then(async () => {
            const rl = createInterface({ input: this.#input, output: this.#output, terminal: false });
            try {
                for (;;) {
                    const reply = (await rl.question(`[virtual phone] ${prompt} (y/n) `, signal ? { signal } : {})).trim().toLowerCase();
                    if (reply === 'y' || reply === 'yes') return true;
                    if (reply === 'n' || reply === 'no') return false;
                }
            } finally {
                rl.close();
            }
        });
        this.#queue = next.catch(() => undefined);
        return next;
    }
}

export function ownerFor(choice: OwnerChoice | VirtualOwner): VirtualOwner {
    if (typeof choice !== 'string') return choice;
    if (choice === 'ask') return new TerminalOwner();
    return new ScriptedOwner(choice === 'accept');
}
