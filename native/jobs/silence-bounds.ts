/**
 * How long Revive waits out a phone that says nothing before it draws a conclusion: a recovery
 * that never answers adb is the maker's own, a transfer the phone stopped taking part in is given
 * up. Each bound has a real default sized for real phones (half a minute, a minute); its
 * environment variable (milliseconds) sets it instead, for benches of virtual phones that answer
 * in milliseconds, so a test of the silence does not sit through the real minute. Read at each
 * use, the same way the default is: the logic that waits is the same either way.
 */
import { ReviveError } from './errors.js';

/** The variables, one per kind of silence. */
export const SILENCE_BOUNDS = [
    /** TWRP's adb after the phone left for its recovery (electron/jobs/upgrade/modes.ts). */
    'REVIVE_TWRP_ANSWER_MS',
    /**
     * Download mode answering a command, and taking one packet of a flash (native/odin/session.ts):
     * one value for both, as a test of a silent phone wants both short; a second variable would set
     * apart what no test tells apart.
     */
    'REVIVE_ODIN_ANSWER_MS',
    /** The phone taking an adb command or transfer's OPEN (native/adb/bounded-transport.ts). */
    'REVIVE_ADB_OPEN_MS',
] as const;
export type SilenceBound = (typeof SILENCE_BOUNDS)[number];

/** What the variable sets: undefined when unset; anything but a whole number above 0 is refused in words. */
function givenMs(name: SilenceBound, env: NodeJS.ProcessEnv): number | undefined {
    const given = env[name];
    if (given === undefined || given === '') return undefined;
    const ms = Number(given);
    if (!/^[0-9]+$/.test(given) || !Number.isSafeInteger(ms) || ms <= 0) throw ReviveError.of('silence-bound-invalid', { variable: name, value: given });
    return ms;
}

/** The bound in milliseconds: `realMs`, unless its variable gives another. */
export function silenceBoundMs(name: SilenceBound, realMs: number, env: NodeJS.ProcessEnv = process.env): number {
    return givenMs(name, env) ?? realMs;
}

/**
 * Every variable checked at once, at a command's start: a bound read only once the phone has been
 * restarted (TWRP's answer) would otherwise refuse with the phone already moved.
 */
export function checkSilenceBounds(env: NodeJS.ProcessEnv = process.env): void {
    for (const name of SILENCE_BOUNDS) givenMs(name, env);
}
