/** The bounds Revive waits out a silent phone, and the variables that set them for tests (native/jobs/silence-bounds.ts). */
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { checkSilenceBounds, silenceBoundMs } from '../../../native/jobs/silence-bounds.js';

const refusal = (run: () => unknown): ReviveError => {
    try {
        run();
    } catch (error) {
        expect(error).toBeInstanceOf(ReviveError);
        return error as ReviveError;
    }
    throw new Error('expected a refusal');
};

describe('silence bounds', () => {
    it('is the real bound unless its variable sets a whole number of milliseconds', () => {
        expect(silenceBoundMs('REVIVE_ODIN_ANSWER_MS', 15_000, {})).toBe(15_000);
        expect(silenceBoundMs('REVIVE_ODIN_ANSWER_MS', 15_000, { REVIVE_ODIN_ANSWER_MS: '' })).toBe(15_000);
        expect(silenceBoundMs('REVIVE_ODIN_ANSWER_MS', 15_000, { REVIVE_ODIN_ANSWER_MS: '5000' })).toBe(5000);
    });

    it.each(['5s', '-1', '0', '1.5', '1e3', ' 5000', 'NaN', '99999999999999999999'])('refuses %j in words naming the variable and what it takes', (value) => {
        const error = refusal(() => silenceBoundMs('REVIVE_TWRP_ANSWER_MS', 60_000, { REVIVE_TWRP_ANSWER_MS: value }));
        expect(error.code).toBe('silence-bound-invalid');
        expect(error.facts).toEqual({ variable: 'REVIVE_TWRP_ANSWER_MS', value });
        expect(error.message).toContain(`REVIVE_TWRP_ANSWER_MS is set to "${value}"`);
        expect(error.nextStep).toContain('Set REVIVE_TWRP_ANSWER_MS to a whole number of milliseconds above 0');
    });

    it('checks every variable at once, so a command refuses before it moves the phone', () => {
        expect(() => checkSilenceBounds({ REVIVE_ADB_OPEN_MS: '10000', REVIVE_ODIN_ANSWER_MS: '5000', REVIVE_TWRP_ANSWER_MS: '3000' })).not.toThrow();
        expect(refusal(() => checkSilenceBounds({ REVIVE_ADB_OPEN_MS: '10000', REVIVE_ODIN_ANSWER_MS: 'soon' })).facts).toEqual({ variable: 'REVIVE_ODIN_ANSWER_MS', value: 'soon' });
    });
});
