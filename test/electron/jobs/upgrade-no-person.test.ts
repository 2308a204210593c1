/**
 * Waits for a person when nobody is there (issue 13): with --yes or --json no one holds the keys or
 * plugs the cable, so such a wait says what it waits for and how to stop it, and ends after its
 * bound with a message naming the mode; with a person there it lasts until cancelled.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { JobCancelled } from '../../../native/jobs/runner.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { upgradeBench } from './helpers.js';

const recipe = requireRecipe('ks01ltexx');
const bench = upgradeBench(recipe, { prefix: 'revive-no-person-', romBytes: 64 * 1024 });

/** An upgrade of a switched-off phone with nobody there: questions are answered, keys never pressed. */
async function upgradeSwitchedOff(name: string, env: { personTimeoutMs?: number; signal?: AbortSignal; onEvent?: (event: JobEvent) => void }): Promise<{ error: unknown; events: JobEvent[] }> {
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(bench.dir, name), owner: 'accept', enumerationDelayMs: 20 });
    phone.powerOff();
    const session = virtualPhoneSession(phone);
    const events: JobEvent[] = [];
    try {
        await runUpgrade(
            { device: { kind: 'virtual', codename: recipe.id }, files: { recovery: bench.demo.recovery, rom: bench.demo.rom }, home: join(bench.dir, 'home'), noBackup: true },
            {
                recipe,
                locator: session.locator,
                links: session.links,
                ui: { instruct: () => undefined, confirm: async () => true },
                emit: (event) => {
                    events.push(event);
                    env.onEvent?.(event);
                },
                signal: env.signal ?? new AbortController().signal,
                waitTimeoutMs: 10 * 60_000,
                personTimeoutMs: env.personTimeoutMs,
            },
        );
        return { error: undefined, events };
    } catch (error) {
        return { error, events };
    } finally {
        await session.close();
        await phone.close();
    }
}

const logs = (events: JobEvent[]): string[] => events.flatMap((e) => (e.type === 'log' ? [e.line] : []));

describe('a wait for a person', () => {
    it('without a person ends after its bound, saying what it waited for', async () => {
        const { error, events } = await upgradeSwitchedOff('nobody', { personTimeoutMs: 1000 });
        expect(error).toBeInstanceOf(ReviveError);
        expect(error).toMatchObject({ code: 'person-not-there' });
        expect((error as ReviveError).message).toMatch(/^Nobody brought the phone in any mode within 1 s\./);
        expect((error as ReviveError).nextStep).toContain('without --yes');
        expect(logs(events).some((line) => /^Waiting up to 1 s for the phone in .*Ctrl-C/.test(line)), logs(events).join('\n')).toBe(true);
        const failed = events.find((e) => e.type === 'failed');
        expect(failed?.type === 'failed' && failed.error.message).toContain('Nobody brought the phone');
    }, 60_000);

    it('with a person there lasts until cancelled (Ctrl-C), and the cancel is reported', async () => {
        const stop = new AbortController();
        const { error, events } = await upgradeSwitchedOff('waiting', {
            signal: stop.signal,
            onEvent: (event) => {
                // Ctrl-C as the wait begins: a cancel that arrives before the listener must count too.
                if (event.type === 'log' && /^Waiting up to 600 s/.test(event.line)) stop.abort();
            },
        });
        expect(stop.signal.aborted).toBe(true);
        expect(error instanceof JobCancelled || (error instanceof ReviveError && error.code === 'cancelled')).toBe(true);
        expect(events.some((e) => e.type === 'cancelled')).toBe(true);
    }, 60_000);
});
