/**
 * Bringing the phone into the mode a step needs, the safe way for each transition: over adb where
 * the phone can be told (recovery ↔ sideload ↔ Android), by the person's key combination where it
 * cannot (download mode, the bootloader, recovery from a switched-off phone). Every wait ends when
 * the phone appears in the mode, when the job is cancelled, or after the timeout.
 */
import { ReviveError } from '../../../native/jobs/errors.js';
import { silenceBoundMs } from '../../../native/jobs/silence-bounds.js';
import { JobCancelled, type JobRun } from '../../../native/jobs/runner.js';
import type { PhoneMode, Recipe } from '../../../native/manifests/schema.js';
import { INSTRUCTION_IDS } from './ids.js';
import type { AdbLink, FastbootLink, FoundPhone, OdinLink, PhoneLocator, ProtocolLinks } from '../phone-link.js';

export const ALL_MODES: readonly PhoneMode[] = ['android', 'recovery', 'sideload', 'download', 'bootloader'];

export const MODE_WORDS: Readonly<Record<PhoneMode, string>> = {
    download: 'download mode',
    bootloader: 'the bootloader (fastboot)',
    android: 'Android',
    recovery: 'TWRP recovery',
    sideload: 'TWRP sideload',
};

/**
 * How long TWRP gets to answer adb once the phone has left the mode it was in on its way to
 * recovery. TWRP starts adbd as it boots: on the phones Revive knows (eMMC phones of 2013–2018)
 * adb answers within about 20–30 s of the restart, and a minute is twice that. A stock recovery
 * never answers — a user build starts no adbd, and shows nothing on USB — so silence this long is
 * the only sign of it.
 */
export const TWRP_ANSWER_MS = 60_000;

/** TWRP_ANSWER_MS, or what REVIVE_TWRP_ANSWER_MS sets (native/jobs/silence-bounds.ts). */
export const twrpAnswerMs = (): number => silenceBoundMs('REVIVE_TWRP_ANSWER_MS', TWRP_ANSWER_MS);

/** How often a wait for the phone to leave a mode looks again (the locators report attachments, not departures). */
const LEAVE_POLL_MS = 200;

/** What PhoneModes needs of a job's run, whatever the job reports at its end (upgrade, backup). */
export type ModesRun = Pick<JobRun<unknown, unknown>, 'signal' | 'context' | 'note' | 'instruct'>;

export class PhoneModes {
    readonly #recipe: Recipe;
    readonly #locator: PhoneLocator;
    readonly #links: ProtocolLinks;
    readonly #run: ModesRun;
    readonly #timeoutMs: number;
    readonly #personTimeoutMs: number | undefined;
    /** The phone went into a recovery that answers nothing (off every bus): only keys take it on from there. */
    #inSilentRecovery = false;

    constructor(options: { recipe: Recipe; locator: PhoneLocator; links: ProtocolLinks; run: ModesRun; timeoutMs: number; personTimeoutMs?: number | undefined }) {
        this.#recipe = options.recipe;
        this.#locator = options.locator;
        this.#links = options.links;
        this.#run = options.run;
        this.#timeoutMs = options.timeoutMs;
        this.#personTimeoutMs = options.personTimeoutMs;
    }

    /** The phone on the bus right now, if any. */
    current(): FoundPhone | undefined {
        return this.#locator.current();
    }

    /**
     * How long a wait for the phone may take, and its error when it ends: a wait only a person can
     * end (keys to hold, a cable to plug) ends after personTimeoutMs when nobody is there to act.
     */
    #bound(byPerson: boolean): { timeoutMs: number; seconds: number; expired: (mode: PhoneMode | 'any', cause?: unknown) => ReviveError } {
        const noPerson = byPerson && this.#personTimeoutMs !== undefined;
        const timeoutMs = noPerson ? Math.min(this.#personTimeoutMs ?? this.#timeoutMs, this.#timeoutMs) : this.#timeoutMs;
        const seconds = Math.round(timeoutMs / 1000);
        const expired = (mode: PhoneMode | 'any', cause?: unknown): ReviveError => {
            const facts = { mode, seconds };
            const options = cause === undefined ? undefined : { cause };
            return noPerson ? ReviveError.of('person-not-there', facts, options) : ReviveError.of('phone-not-found', facts, options);
        };
        return { timeoutMs, seconds, expired };
    }

    /**
     * Wait for the phone in one of `modes`. `byPerson`: only a person can bring it there (keys to
     * hold, a cable to plug); when nobody is there to act, that wait ends after personTimeoutMs.
     */
    async waitFor(modes: readonly PhoneMode[], byPerson = false): Promise<FoundPhone> {
        const { timeoutMs, seconds, expired } = this.#bound(byPerson);
        // Nobody may be watching (--yes, --json): the wait says what it waits for, how long, and how to stop it.
        const now = this.#locator.current();
        if (!now || !modes.includes(now.mode)) this.#run.note('waiting-for-phone', { seconds, mode: modes.length === 1 ? (modes[0] ?? 'any') : 'any' });
        try {
            const found = await this.#locator.waitFor(modes, { signal: this.#run.signal, timeoutMs });
            this.#inSilentRecovery = false;
            return found;
        } catch (error) {
            if (this.#run.signal.aborted) throw new JobCancelled('cancelled');
            if (error instanceof ReviveError) throw error;
            throw expired(modes.length === 1 ? (modes[0] ?? 'any') : 'any', error);
        }
    }

    /**
     * Wait until `phone` has left its mode (its attachment is gone: the adb transport dropped, or
     * download mode went away), bounded as `waitFor` is; a phone that never leaves is a coded error.
     */
    async #left(phone: FoundPhone, byPerson: boolean, target: PhoneMode): Promise<void> {
        const { timeoutMs, expired } = this.#bound(byPerson);
        const deadline = Date.now() + timeoutMs;
        const stillThere = (): boolean => {
            const now = this.#locator.current();
            return now !== undefined && now.mode === phone.mode && (phone.device === undefined || now.device === phone.device);
        };
        while (stillThere()) {
            if (this.#run.signal.aborted) throw new JobCancelled('cancelled');
            if (Date.now() >= deadline) throw expired(target);
            await new Promise((resolve) => setTimeout(resolve, LEAVE_POLL_MS));
        }
    }

    /**
     * TWRP, once the phone has left `phone`'s mode for its recovery; undefined when it left but no
     * TWRP answered within TWRP_ANSWER_MS (twice that when the person starts it by keys, who may
     * take a while between switching the phone off and holding the combination): its recovery is
     * the maker's own, or one Revive cannot talk to.
     */
    async #twrpAfterLeaving(phone: FoundPhone, byPerson: boolean): Promise<FoundPhone | undefined> {
        await this.#left(phone, byPerson, 'recovery');
        const answerMs = twrpAnswerMs();
        const withinMs = Math.min(this.#timeoutMs, byPerson ? 2 * answerMs : answerMs);
        this.#run.note('waiting-for-phone', { seconds: Math.round(withinMs / 1000), mode: 'recovery' });
        try {
            return await this.#locator.waitFor(['recovery'], { signal: this.#run.signal, timeoutMs: withinMs });
        } catch (error) {
            if (this.#run.signal.aborted) throw new JobCancelled('cancelled');
            if (error instanceof ReviveError) throw error;
            this.#run.note('recovery-silent', { seconds: Math.round(withinMs / 1000) });
            this.#inSilentRecovery = this.#locator.current() === undefined;
            return undefined;
        }
    }

    /** Restart a phone running Android (or TWRP) into its recovery over adb: TWRP, or undefined when none answered (see #twrpAfterLeaving). */
    async restartIntoTwrp(phone: FoundPhone): Promise<FoundPhone | undefined> {
        const adb = await this.adb(phone);
        await adb.reboot('recovery');
        await adb.end();
        return this.#twrpAfterLeaving(phone, false);
    }

    /** Ask the person to start the recovery by its keys (from download mode, where nothing can tell the phone): TWRP, or undefined when none answered. */
    async twrpByKeys(phone: FoundPhone): Promise<FoundPhone | undefined> {
        this.#instructKeys('recovery', 'Now start TWRP straight away, without letting the old system start.');
        return this.#twrpAfterLeaving(phone, true);
    }

    /**
     * A phone in a recovery that answers nothing (Samsung's own) goes back to Android by its menu,
     * the same on every stock recovery: the volume keys move to "reboot system now", Power chooses it.
     * Resolves once Android is back.
     */
    async leaveSilentRecovery(): Promise<FoundPhone> {
        const text = "Put the phone back into Android: in its recovery menu, move to 'reboot system now' with the volume keys and press Power.";
        this.#run.instruct({ id: INSTRUCTION_IDS.leaveRecovery, text, buttons: ['volume-down', 'power'], waitingFor: 'android' });
        return this.waitFor(['android'], true);
    }

    /** The phone now, in whatever mode; asks the person to connect it if it is not there. */
    async anyMode(): Promise<FoundPhone> {
        const now = this.#locator.current();
        if (now) return now;
        this.#run.instruct({ id: INSTRUCTION_IDS.connect, text: `Connect the ${this.#recipe.name} to this computer with a USB cable and switch it on.`, waitingFor: null });
        return this.waitFor(ALL_MODES, true);
    }

    /** Refuses a mode the connection cannot follow the phone into (adb over TCP: download mode, the bootloader), before anything asks for it. */
    refuseUnreachable(mode: PhoneMode): void {
        this.#locator.refuseUnreachable?.(mode);
    }

    adb(phone: FoundPhone): Promise<AdbLink> {
        return this.#links.adb(phone, this.#run.context());
    }

    odin(phone: FoundPhone): Promise<OdinLink> {
        return this.#links.odin(phone, this.#run.context());
    }

    /**
     * A fastboot link to the phone, after its bootloader said which product it is: a phone that
     * is not the recipe's model is refused before anything is unlocked or written.
     */
    async fastboot(phone: FoundPhone): Promise<FastbootLink> {
        const fastboot = await this.#links.fastboot(phone, this.#run.context());
        try {
            const product = (await fastboot.getVar('product')).trim();
            const names = [...this.#recipe.codenames, this.#recipe.virtual.fastbootProduct ?? ''].filter(Boolean);
            if (product && !names.some((name) => name.toLowerCase() === product.toLowerCase())) {
                throw ReviveError.of('phone-mismatch', { variant: 'bootloader', phone: this.#recipe.name, expected: names.join(', '), found: product });
            }
            return fastboot;
        } catch (error) {
            await fastboot.close();
            throw error;
        }
    }

    #instructKeys(mode: 'download' | 'bootloader' | 'recovery' | 'android', why: string): void {
        const combo = mode === 'android' ? undefined : this.#recipe.keyCombos[mode];
        const text = combo ? `${why} ${combo.instructions}` : `${why} Bring the phone into ${MODE_WORDS[mode]}.`;
        this.#run.instruct({ id: `enter-${mode}`, text, picture: combo?.picture, buttons: combo?.buttons, waitingFor: mode });
    }

    /** Show the key combo for a mode and wait for the phone to appear in it. */
    async byKeys(mode: 'download' | 'bootloader' | 'recovery' | 'android', why: string): Promise<FoundPhone> {
        this.#instructKeys(mode, why);
        return this.waitFor([mode], true);
    }

    /**
     * Tell a phone that runs adb (Android, TWRP) to restart into a mode, and wait for it there. Only
     * for transitions that cannot land in something else: into recovery from Android only when the
     * recovery is known to be TWRP (on Samsung, Android puts its stock recovery back on a normal start).
     */
    async tell(phone: FoundPhone, mode: 'android' | 'recovery' | 'bootloader'): Promise<FoundPhone> {
        const adb = await this.adb(phone);
        await adb.reboot(mode === 'android' ? 'system' : mode);
        await adb.end();
        return this.waitFor([mode]);
    }

    /** Bring the phone to a mode from wherever it is. */
    async ensure(mode: PhoneMode): Promise<FoundPhone> {
        if (this.#inSilentRecovery && !this.#locator.current()) {
            // Not gone: in a recovery that shows nothing on USB. Its keys (or its menu) take it on.
            if (mode === 'download' || mode === 'bootloader') return this.byKeys(mode, `Now the phone must go into ${MODE_WORDS[mode]}.`);
            if (mode === 'android') return this.leaveSilentRecovery();
        }
        const phone = await this.anyMode();
        if (phone.mode === mode) return phone;
        if (mode === 'sideload') {
            const recovery = phone.mode === 'recovery' ? phone : await this.ensure('recovery');
            const adb = await this.adb(recovery);
            this.#run.note('sideload-asked', {});
            try {
                await adb.shell('twrp sideload');
            } catch (error) {
                // TWRP restarts adbd as minadbd right away; the reply may be cut off by that very restart.
                if (!(error instanceof ReviveError && error.code === 'adb-disconnected')) throw error;
                this.#run.note('sideload-dropped', {});
            }
            await adb.end();
            return this.waitFor(['sideload']);
        }
        if (mode === 'android' && (phone.mode === 'recovery' || phone.mode === 'sideload')) return this.tell(phone, 'android');
        if (mode === 'recovery' && phone.mode === 'sideload') return this.tell(phone, 'recovery');
        if (mode === 'download' || mode === 'bootloader') return this.byKeys(mode, `Now the phone must go into ${MODE_WORDS[mode]}.`);
        if (mode === 'recovery') return this.byKeys('recovery', 'Now start TWRP straight away, without letting the old system start.');
        return this.byKeys('android', 'Start the phone normally, into Android.');
    }
}
