/**
 * The hostile-input suite's rules, in one place: every property runs with a fixed seed (printed by
 * fast-check on failure; REVIVE_FC_SEED=N reruns another), every input must end within a bounded
 * time, and the only acceptable failure is a clear, typed refusal (never a TypeError, RangeError or
 * other crash that would reach a person as a stack trace).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { ReviveError } from '../../native/jobs/errors.js';

export const SEED = Number(process.env['REVIVE_FC_SEED'] ?? 20261129);

/** Inputs tried, per suite file, so each file can show its share of the ≥ 300 per run. */
export const tried = { count: 0 };

export async function property<T>(arbitrary: fc.Arbitrary<T>, check: (input: T) => Promise<void> | void, numRuns: number): Promise<void> {
    await fc.assert(
        fc.asyncProperty(arbitrary, async (input) => {
            tried.count++;
            await check(input);
        }),
        { seed: SEED, numRuns, endOnFailure: true },
    );
}

/** Run `work`; it must settle within `ms`. */
export async function bounded<T>(work: () => Promise<T>, ms = 10_000): Promise<{ value: T } | { error: unknown }> {
    let timer: NodeJS.Timeout | undefined;
    try {
        return await Promise.race([
            work().then(
                (value) => ({ value }),
                (error: unknown) => ({ error }),
            ),
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`did not end within ${ms} ms`)), ms);
            }),
        ]);
    } finally {
        clearTimeout(timer);
    }
}

/** A refusal a person can act on: a ReviveError with a message and a next step, or one of `also`. */
export function expectClearRefusal(error: unknown, also: ReadonlyArray<new (...args: never[]) => Error> = []): void {
    if (also.some((type) => error instanceof type)) return;
    if (!(error instanceof ReviveError)) throw new Error(`expected a clear refusal, got ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error)}`);
    expect(error.message.length).toBeGreaterThan(10);
    expect(error.nextStep.length).toBeGreaterThan(5);
}

/** Valid bytes with a few bytes changed, bytes cut off or appended: the inputs a damaged download gives. */
export function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
    const flips = fc.array(fc.tuple(fc.nat({ max: Math.max(0, valid.length - 1) }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((changes) => {
        const copy = valid.slice();
        for (const [at, xor] of changes) copy[at] = copy[at]! ^ xor;
        return copy;
    });
    const cut = fc.nat({ max: Math.max(0, valid.length - 1) }).map((length) => valid.slice(0, length));
    const grown = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((extra) => Uint8Array.from([...valid, ...extra]));
    return fc.oneof({ weight: 4, arbitrary: flips }, { weight: 1, arbitrary: cut }, { weight: 1, arbitrary: grown });
}
