/**
 * The passphrase rating (common/passphrase.ts) with its reasons in English, for the CLI and the
 * keys jobs. The page words the same facts from its locale files.
 */
import { ratePassphrase, STRENGTH_LEVELS, type CharClass, type StrengthLevel } from '../../common/passphrase.js';

export { STRENGTH_LEVELS, type StrengthLevel };

export interface PassphraseStrength {
    /** 0 (very weak) … 4 (very strong). */
    readonly score: 0 | 1 | 2 | 3 | 4;
    readonly level: StrengthLevel;
    /** Rough guessing effort in bits; shown only as a hint. */
    readonly bits: number;
    /** Plain sentences that explain the rating, most important first. */
    readonly reasons: readonly string[];
}

const CLASS_NAMES: Readonly<Record<CharClass, string>> = {
    lower: 'lower-case letters',
    upper: 'capital letters',
    digits: 'digits',
    symbols: 'symbols',
    spaces: 'spaces',
};

export function estimatePassphraseStrength(passphrase: string): PassphraseStrength {
    const facts = ratePassphrase(passphrase);
    const { score, level, bits, length, words, classes, run } = facts;
    if (length === 0) return { score, level, bits, reasons: ['There is no passphrase: anyone who gets the key file can use it.'] };
    if (facts.common) return { score, level, bits, reasons: ['This is one of the most common passwords; guessing tools try it within seconds.'] };
    const reasons: string[] = [];
    if (words >= 4) reasons.push(`It is made of ${words} words, which is easy to remember and hard to guess.`);
    if (length < 8) reasons.push(`It is only ${length} characters long; use at least 12, or four or more words.`);
    else if (length < 12 && words < 4) reasons.push(`It is ${length} characters long; 12 or more (or four or more words) is much harder to guess.`);
    else reasons.push(`It is ${length} characters long.`);
    reasons.push(`It uses ${classes.map((c) => CLASS_NAMES[c]).join(', ')}${classes.length < 3 && words < 4 ? '; mixing in more kinds of characters helps' : ''}.`);
    if (run >= 3) reasons.push(`It contains a repeated or straight run of ${run} characters, which guessers try early.`);
    return { score, level, bits, reasons };
}
