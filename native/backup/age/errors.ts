/**
 * What can be wrong with an age file, named by the part of the file where it was found: a format
 * error with a code (`age-bad-header` / `age-bad-payload`), the problem as its variant and the
 * numbers as facts, worded from the locale files.
 */
import type { FactsOf } from '../../../common/error-codes.js';
import { ReviveError } from '../../jobs/errors.js';

export type AgePart = 'header' | 'payload';
type HeaderProblem = Omit<FactsOf<'age-bad-header'>, never>;
type PayloadProblem = Omit<FactsOf<'age-bad-payload'>, never>;

/** A malformed or tampered file (decided from its bytes alone). */
export class AgeFormatError extends ReviveError {
    readonly part: AgePart;

    constructor(...[part, facts]: ['header', HeaderProblem] | ['payload', PayloadProblem]) {
        super(part === 'header' ? 'age-bad-header' : 'age-bad-payload', facts);
        this.part = part;
    }
}

/** A payload that ends before its final chunk: the file was cut short. */
export class AgeTruncatedError extends ReviveError {
    constructor(plaintextBytes: number) {
        super('age-truncated', { plaintextBytes });
    }
}

export function noMatchingKey(kind: 'passphrase' | 'identity' | 'mixed'): ReviveError {
    return kind === 'passphrase' ? ReviveError.of('age-wrong-passphrase', {}) : ReviveError.of('age-no-identity', { variant: kind });
}
