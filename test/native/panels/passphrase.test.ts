import { describe, expect, it } from 'vitest';
import { estimatePassphraseStrength } from '../../../native/panels/passphrase.js';

describe('passphrase strength', () => {
    it('rates common passwords very weak whatever their decoration', () => {
        for (const p of ['password', 'Password1', 'qwerty123', 'letmein!']) expect(estimatePassphraseStrength(p).score).toBe(0);
    });
    it('rates short and run-heavy passphrases low and explains why', () => {
        const short = estimatePassphraseStrength('Ab1!x');
        expect(short.score).toBeLessThanOrEqual(1);
        expect(short.reasons.join(' ')).toMatch(/only 5 characters/);
        const runs = estimatePassphraseStrength('aaaaaaaaaaaa1');
        expect(runs.reasons.join(' ')).toMatch(/run of \d+ characters/);
        expect(runs.score).toBeLessThan(estimatePassphraseStrength('q7Zp2mXr9Lk4T').score);
    });
    it('rates several random words or long mixed passphrases strong', () => {
        expect(estimatePassphraseStrength('tangerine orbit seven canyons').score).toBeGreaterThanOrEqual(3);
        expect(estimatePassphraseStrength('q7Z!p2mX#r9Lk4T').score).toBe(4);
        expect(estimatePassphraseStrength('').level).toBe('very-weak');
    });
});
