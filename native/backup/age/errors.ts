/** What can be wrong with an age file, named by the part of the file where it was found. */
import { ReviveError } from '../../jobs/errors.js';

export type AgePart = 'header' | 'payload';

/** A malformed or tampered file (decided from its bytes alone). */
export class AgeFormatError extends ReviveError {
    readonly part: AgePart;

    constructor(part: AgePart, why: string, details?: Record<string, string | number | boolean>) {
        super({
            code: part === 'header' ? 'age-bad-header' : 'age-bad-payload',
            message: `The encrypted file is damaged in its ${part}: ${why}.`,
            nextStep: 'Use another copy of the backup; this one has been changed or cut short since it was written.',
            ...(details ? { details } : {}),
        });
        this.part = part;
    }
}

/** A payload that ends before its final chunk: the file was cut short. */
export class AgeTruncatedError extends ReviveError {
    constructor(plaintextBytes: number) {
        super({
            code: 'age-truncated',
            message: `The encrypted file is cut short: it ends after ${plaintextBytes} bytes of content without its final chunk.`,
            nextStep: 'Copy the backup again from where it was made (the copy stopped early, or the disk filled up).',
            details: { plaintextBytes },
        });
    }
}

export function noMatchingKey(kind: 'passphrase' | 'identity' | 'mixed'): ReviveError {
    return kind === 'passphrase' ? ReviveError.of('age-wrong-passphrase', {}) : ReviveError.of('age-no-identity', { variant: kind });
}
