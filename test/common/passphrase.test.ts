/** The page's live rating must agree with the backend's estimator, which rates the key it creates. */
import { describe, expect, it } from 'vitest';
import { estimatePassphraseStrength } from '../../native/panels/passphrase.js';
import { ratePassphrase } from '../../common/passphrase.js';

const SAMPLES = ['', 'a', 'password', 'Password1', 'qwerty123!', 'aaaaaaaaaaaa', 'abcdefgh', 'Tr0ub4dor&3', 'violet harbour seventeen lanterns', 'correct horse battery staple', 'x7#Kq!2pLm@9vZ', 'Sommer 2024', 'ein zwei drei vier fünf', '1234567890abcdef'];

describe('passphrase rating in the page', () => {
    it.each(SAMPLES)('rates %j as the backend does', (sample) => {
        const page = ratePassphrase(sample);
        const backend = estimatePassphraseStrength(sample);
        expect({ score: page.score, level: page.level, bits: page.bits }).toEqual({ score: backend.score, level: backend.level, bits: backend.bits });
    });

    it('names the facts it rated', () => {
        expect(ratePassphrase('password').common).toBe(true);
        expect(ratePassphrase('Ab1!').classes).toEqual(['lower', 'upper', 'digits', 'symbols']);
        expect(ratePassphrase('aaaa1234').run).toBe(4);
    });
});
