/**
 * A silence bound's variable set wrong (native/jobs/silence-bounds.ts): the command refuses in words
 * before it starts, naming the variable and what it takes; no "something went wrong", and the phone
 * is not touched.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { revive } from '../../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'revive-silence-bounds-'));
process.env['REVIVE_HOME'] = join(dir, 'home');

afterEach(() => {
    delete process.env['REVIVE_TWRP_ANSWER_MS'];
    rmSync(dir, { recursive: true, force: true });
});

describe('a silence bound set wrong', () => {
    it('ends the command in words before the phone is touched', async () => {
        process.env['REVIVE_TWRP_ANSWER_MS'] = '1min';
        const state = join(dir, 'phone');
        const run = await revive('adb', 'shell', 'getprop', 'ro.product.device', '--virtual', 'ks01ltexx', '--virtual-state', state);
        expect(run.code).toBe(1);
        expect(run.err).toContain('Error: REVIVE_TWRP_ANSWER_MS is set to "1min", which is not a whole number of milliseconds above 0.');
        expect(run.err).toContain('What to do: Set REVIVE_TWRP_ANSWER_MS to a whole number of milliseconds above 0 (for example 5000), or remove it');
        expect(run.err).not.toContain('Check the cable');
        // The virtual phone was never started: its state folder was not made.
        expect(existsSync(state)).toBe(false);
    });
});
