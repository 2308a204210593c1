/**
 * A small, explainable passphrase rating. It is deliberately simple: the person sees why a
 * passphrase is rated as it is (length, kinds of characters, a known common password, repeats and
 * runs), not a score from a black box. It returns facts, not sentences: the keys panel rates as
 * the passphrase is typed (it never leaves the page until the command that uses it) and words the
 * facts in the person's language; the CLI words them in English (native/panels/passphrase.ts).
 */
export type StrengthLevel = (typeof STRENGTH_LEVELS)[number];
export type CharClass = 'lower' | 'upper' | 'digits' | 'symbols' | 'spaces';

export interface StrengthFacts {
    readonly score: 0 | 1 | 2 | 3 | 4;
    readonly level: StrengthLevel;
    readonly bits: number;
    readonly length: number;
    readonly words: number;
    readonly classes: readonly CharClass[];
    readonly common: boolean;
    /** Longest repeat or straight run ("aaaa", "1234"). */
    readonly run: number;
}

export const STRENGTH_LEVELS = ['very-weak', 'weak', 'fair', 'strong', 'very-strong'] as const;

/** The passwords every guessing tool tries first (lower case; compared case-insensitively). */
const COMMON = new Set([
    '123456', '12345678', '123456789', '1234567890', '12345', '1234', '111111', '000000', '123123', '654321',
    'password', 'password1', 'passw0rd', 'qwerty', 'qwertyuiop', 'qwerty123', 'azerty', 'abc123', 'letmein', 'welcome',
    'iloveyou', 'monkey', 'dragon', 'football', 'baseball', 'sunshine', 'princess', 'admin', 'login', 'master',
    'shadow', 'superman', 'michael', 'trustno1', 'starwars', 'whatever', 'secret', 'changeme', 'hello123', 'freedom',
    'android', 'samsung', 'google', 'openpgp', 'correct horse battery staple',
]);

const CLASSES: ReadonlyArray<{ test: RegExp; pool: number; name: CharClass }> = [
    { test: /[a-z]/, pool: 26, name: 'lower' },
    { test: /[A-Z]/, pool: 26, name: 'upper' },
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

export function ratePassphrase(passphrase: string): StrengthFacts {
    const chars = [...passphrase];
    const words = passphrase.trim().split(/\s+/).filter((w) => w.length > 0).length;
    const classes = CLASSES.filter((c) => c.test.test(passphrase));
    const run = longestRun(passphrase);
    const base = { length: chars.length, words, classes: classes.map((c) => c.name), run };
    if (chars.length === 0) return { ...base, score: 0, level: 'very-weak', bits: 0, common: false };
    const lowered = passphrase.toLowerCase().trim();
    if (COMMON.has(lowered) || COMMON.has(lowered.replace(/[0-9!.]+$/, ''))) return { ...base, score: 0, level: 'very-weak', bits: 10, common: true };
    const pool = Math.max(classes.reduce((sum, c) => sum + c.pool, 0), 10);
    // Characters inside a long repeat/run count as a single guess step.
    const effectiveLength = chars.length - Math.max(0, run - 2);
    let bits = effectiveLength * Math.log2(pool);
    // A passphrase of several words: estimate as words drawn from a large list (≈ 7776, diceware).
    if (words >= 4) bits = Math.max(bits * 0.6, words * 12.9);
    bits = Math.round(bits);
    const score = (bits < 28 ? 0 : bits < 40 ? 1 : bits < 56 ? 2 : bits < 72 ? 3 : 4) as StrengthFacts['score'];
    return { ...base, score, level: STRENGTH_LEVELS[score] ?? 'very-weak', bits, common: false };
}

/** A whole phone's backup needs at least a "fair" passphrase: the CLI and the app refuse weaker ones. */
export function strongEnoughForBackup(facts: Pick<StrengthFacts, 'score'>): boolean {
    return facts.score >= 2;
}
