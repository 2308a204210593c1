/**
 * A small, explainable passphrase strength estimate. It is deliberately simple: the person sees
 * why a passphrase is rated as it is (length, kinds of characters, a known common password,
 * repeats and runs), not a score from a black box.
 */

export const STRENGTH_LEVELS = ['very-weak', 'weak', 'fair', 'strong', 'very-strong'] as const;
export type StrengthLevel = (typeof STRENGTH_LEVELS)[number];

export interface PassphraseStrength {
    /** 0 (very weak) … 4 (very strong). */
    readonly score: 0 | 1 | 2 | 3 | 4;
    readonly level: StrengthLevel;
    /** Rough guessing effort in bits; shown only as a hint. */
    readonly bits: number;
    /** Plain sentences that explain the rating, most important first. */
    readonly reasons: readonly string[];
}

/** The passwords every guessing tool tries first (lower case; compared case-insensitively). */
const COMMON = new Set([
    '123456', '12345678', '123456789', '1234567890', '12345', '1234', '111111', '000000', '123123', '654321',
    'password', 'password1', 'passw0rd', 'qwerty', 'qwertyuiop', 'qwerty123', 'azerty', 'abc123', 'letmein', 'welcome',
    'iloveyou', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'admin', 'login', 'master',
    'shadow', 'superman', 'michael', 'trustno1', 'starwars', 'whatever', 'secret', 'changeme', 'hello123', 'freedom',
    'android', 'samsung', 'google', 'openpgp', 'correct horse battery staple',
]);

const CLASSES: ReadonlyArray<{ test: RegExp; pool: number; name: string }> = [
    { test: /[a-z]/, pool: 26, name: 'lower-case letters' },
    { test: /[A-Z]/, pool: 26, name: 'capital letters' },
    { test: /[0-9]/, pool: 10, name: 'digits' },
    { test: /[^a-zA-Z0-9\s]/, pool: 33, name: 'symbols' },
    { test: /\s/, pool: 1, name: 'spaces' },
];

function longestRun(text: string): number {
    // Repeats ("aaaa") and straight runs ("abcd", "4321") add almost nothing for a guesser.
    let best = text.length > 0 ? 1 : 0;
    let repeat = 1;
    let up = 1;
    let down = 1;
    for (let i = 1; i < text.length; i++) {
        const step = text.charCodeAt(i) - text.charCodeAt(i - 1);
        repeat = step === 0 ? repeat + 1 : 1;
        up = step === 1 ? up + 1 : 1;
        down = step === -1 ? down + 1 : 1;
        best = Math.max(best, repeat, up, down);
    }
    return best;
}

export function estimatePassphraseStrength(passphrase: string): PassphraseStrength {
    const reasons: string[] = [];
    const chars = [...passphrase];
    if (chars.length === 0) {
        return { score: 0, level: 'very-weak', bits: 0, reasons: ['There is no passphrase: anyone who gets the key file can use it.'] };
    }
    const lowered = passphrase.toLowerCase().trim();
    if (COMMON.has(lowered) || COMMON.has(lowered.replace(/[0-9!.]+$/, ''))) {
        return {
            score: 0,
            level: 'very-weak',
            bits: 10,
            reasons: ['This is one of the most common passwords; guessing tools try it within seconds.'],
        };
    }
    const used = CLASSES.filter((c) => c.test.test(passphrase));
    const pool = Math.max(used.reduce((sum, c) => sum + c.pool, 0), 10);
    const run = longestRun(passphrase);
    // Characters inside a long repeat/run count as a single guess step.
    const effectiveLength = chars.length - Math.max(0, run - 2);
    const words = passphrase.trim().split(/\s+/).filter((w) => w.length > 0);
    let bits = effectiveLength * Math.log2(pool);
    if (words.length >= 4) {
        // A passphrase of several words: estimate as words drawn from a large list (≈ 7776, diceware).
        bits = Math.max(bits * 0.6, words.length * 12.9);
        reasons.push(`It is made of ${words.length} words, which is easy to remember and hard to guess.`);
    }
    bits = Math.round(bits);
    if (chars.length < 8) reasons.push(`It is only ${chars.length} characters long; use at least 12, or four or more words.`);
    else if (chars.length < 12 && words.length < 4) reasons.push(`It is ${chars.length} characters long; 12 or more (or four or more words) is much harder to guess.`);
    else reasons.push(`It is ${chars.length} characters long.`);
    reasons.push(`It uses ${used.map((c) => c.name).join(', ')}${used.length < 3 && words.length < 4 ? '; mixing in more kinds of characters helps' : ''}.`);
    if (run >= 3) reasons.push(`It contains a repeated or straight run of ${run} characters, which guessers try early.`);
    const score: PassphraseStrength['score'] = bits < 28 ? 0 : bits < 40 ? 1 : bits < 56 ? 2 : bits < 72 ? 3 : 4;
    return { score, level: STRENGTH_LEVELS[score] ?? 'very-weak', bits, reasons };
}
