/** The refusal a piece of work ends in, for tests that then look at its code and words. */
import { expect } from 'vitest';
import { ReviveError } from '../../native/jobs/errors.js';

/**
 * The ReviveError `work` (a promise, or a function that may throw or return one) fails with; the
 * test fails when it succeeds (saying `accepted`) or fails with anything else.
 */
export async function refusalOf(work: Promise<unknown> | (() => unknown), accepted = 'expected a refusal'): Promise<ReviveError> {
    try {
        await (typeof work === 'function' ? work() : work);
    } catch (error) {
        expect(error).toBeInstanceOf(ReviveError);
        return error as ReviveError;
    }
    throw new Error(accepted);
}
