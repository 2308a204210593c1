/**
 * How long Revive waits out a phone that says nothing before it draws a conclusion: a recovery
 * that never answers adb is the maker's own, a transfer the phone stopped taking part in is given
 * up. Each bound has a real default sized for real phones (half a minute, a minute); its
 * environment variable (milliseconds) sets it instead, for benches of virtual phones that answer
 * in milliseconds, so a test of the silence does not sit through the real minute. Read at each
 * use, the same way the default is: the logic that waits is the same either way.
 */

/** Each bound by the variable that sets it. */
export type SilenceBound =
    /** TWRP's adb after the phone left for its recovery (electron/jobs/upgrade/modes.ts). */
    | 'REVIVE_TWRP_ANSWER_MS'
    /** Download mode answering a command, or taking one packet of a flash (native/odin/session.ts). */
    | 'REVIVE_ODIN_ANSWER_MS'
    /** The phone taking an adb command or transfer's OPEN (native/adb/bounded-transport.ts). */
    | 'REVIVE_ADB_OPEN_MS';

/** The bound in milliseconds: `realMs`, unless its variable gives another (a whole number above 0). */
export function silenceBoundMs(name: SilenceBound, realMs: number, env: NodeJS.ProcessEnv = process.env): number {
    const given = env[name];
    if (given === undefined || given === '') return realMs;
    const ms = Number(given);
    if (!Number.isSafeInteger(ms) || ms <= 0) throw new Error(`${name}=${given}: give a whole number of milliseconds above 0, or unset it for the real ${realMs} ms.`);
    return ms;
}
