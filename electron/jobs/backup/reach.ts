/**
 * Bringing the phone to where a backup is made or restored, through the upgrade's PhoneModes (never
 * a copy of it): TWRP for a full backup and a restore, the running Android for internal storage
 * alone. The phone is left unchanged wherever that is possible: a TWRP already in recovery is
 * restarted into from Android; a fastboot phone with an unlocked bootloader starts TWRP from RAM
 * (`fastboot boot`), so its recovery partition is never written. A Samsung phone whose recovery is
 * still Samsung's own gets TWRP the way the upgrade puts it there (Odin, download mode), only after
 * the person agreed, and starts it straight away. A phone whose bootloader is locked cannot start
 * TWRP at all: the job refuses before anything happens and says what is possible.
 */
import { basename } from 'node:path';
import { runGate } from '../../../native/integrity/gate.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobContext } from '../../../native/jobs/progress.js';
import type { JobRun } from '../../../native/jobs/runner.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { FoundPhone } from '../phone-link.js';
import { CONFIRM_IDS } from '../upgrade/ids.js';
import type { PhoneModes } from '../upgrade/modes.js';
import { writeRecoveryByOdin } from '../upgrade/odin-recovery.js';
import type { TwrpWay } from './types.js';

export interface Reached {
    readonly phone: FoundPhone;
    readonly way: TwrpWay;
    readonly twrpVersion: string;
}

/** The TWRP images a job may use to reach TWRP (each only where it fits the phone). */
export interface TwrpSources {
    /** A TWRP image to start from RAM with `fastboot boot` on a phone whose bootloader is unlocked. */
    readonly twrpImage?: string | undefined;
    /** The recipe's TWRP image, written to a Samsung phone's recovery partition when that still holds Samsung's own (after the person agreed). */
    readonly recoveryImage?: string | undefined;
}

/** What reaching TWRP needs of a job's run: its context, its journal and a question to the person. */
export type ReachRun = Pick<JobRun<unknown, unknown>, 'confirm' | 'context' | 'journal'>;

/** How TWRP was reached, in the step's words. */
export const TWRP_WORDS: Readonly<Record<TwrpWay, string>> = {
    'fastboot-boot': 'started from RAM (fastboot boot); nothing was written to the phone',
    'adb-reboot': 'restarted into from Android',
    already: 'already running',
    'odin-flash': 'written to the recovery partition (the person agreed) and started',
};

/** A fastboot phone's bootloader must be unlocked to start anything but its own system. */
function lockedRefusal(recipe: Recipe): ReviveError {
    return ReviveError.of('backup-bootloader-locked', { variant: recipe.unlock.wipesData ? 'wipes' : 'keeps', phone: recipe.name });
}

const startsFromFastboot = (recipe: Recipe): boolean => recipe.unlock.method === 'fastboot-oem-unlock' || recipe.unlock.method === 'fastboot-flashing-unlock';

async function startFromRam(modes: PhoneModes, recipe: Recipe, phone: FoundPhone, image: string, ctx: JobContext): Promise<FoundPhone> {
    const fastboot = await modes.fastboot(phone);
    try {
        if ((await fastboot.getVar('unlocked')).trim() !== 'yes') throw lockedRefusal(recipe);
        await fastboot.boot(image, ctx);
    } finally {
        await fastboot.close();
    }
    return modes.waitFor(['recovery']);
}

/** The TWRP version the phone's recovery reports; empty for a recovery that is not TWRP. */
async function twrpVersionOf(modes: PhoneModes, phone: FoundPhone): Promise<string> {
    const adb = await modes.adb(phone);
    try {
        return await adb.getprop('ro.twrp.version');
    } finally {
        await adb.close();
    }
}

/**
 * A Samsung phone in its stock recovery: with the person's yes, the recipe's TWRP (checked as the
 * upgrade's file check does) is written to the recovery partition in download mode, and the phone
 * starts it straight away by its key combination.
 */
async function putTwrpOnSamsung(modes: PhoneModes, recipe: Recipe, image: string | undefined, run: ReachRun): Promise<Reached> {
    if (!image) throw ReviveError.of('twrp-image-needed', { phone: recipe.name, partition: recipe.recoveryPartition });
    const ctx = run.context();
    const gate = await runGate({ files: [{ role: 'recovery', path: image }] }, recipe, recipe.codenames[0] ?? recipe.id, ctx);
    const file = gate.files[0];
    const name = file?.name ?? basename(image);
    const yes = await run.confirm({
        id: CONFIRM_IDS.writeTwrp,
        question: `Write TWRP to the ${recipe.recoveryPartition} partition?`,
        detail: `This ${recipe.name} still has Samsung's own recovery, which can neither back up nor restore. Revive writes TWRP (${name}) to the ${recipe.recoveryPartition} partition in download mode and starts it. Nothing else on the phone changes: photos, apps and their data stay.`,
        danger: false,
        confirmLabel: 'Write TWRP',
        cancelLabel: 'Stop',
        facts: { phone: recipe.name, partition: recipe.recoveryPartition, file: name },
    });
    if (!yes) throw ReviveError.of('twrp-write-declined', { partition: recipe.recoveryPartition });
    await writeRecoveryByOdin(modes, recipe, image, ctx, () => run.journal.append({ t: 'note', key: 'touch:recovery', data: { file: name, sha256: file?.sha256 ?? '' } }));
    // Straight into TWRP: if Android started first, Samsung's firmware would put its own recovery back.
    const phone = await modes.ensure('recovery');
    const twrpVersion = await twrpVersionOf(modes, phone);
    if (!twrpVersion) throw ReviveError.of('recovery-not-twrp', {});
    return { phone, way: 'odin-flash', twrpVersion };
}

/** TWRP, reached the least changing way; refuses (nothing done to the phone) where that is impossible. */
export async function reachTwrp(modes: PhoneModes, recipe: Recipe, sources: TwrpSources, run: ReachRun): Promise<Reached> {
    const twrpImage = sources.twrpImage;
    let phone = await modes.anyMode();
    let way: TwrpWay = 'already';
    if (phone.mode === 'sideload') {
        phone = await modes.tell(phone, 'recovery');
    } else if (phone.mode === 'android') {
        if (startsFromFastboot(recipe)) {
            const adb = await modes.adb(phone);
            const locked = (await adb.getprop('ro.boot.flash.locked')) === '1';
            await adb.close();
            if (locked) throw lockedRefusal(recipe);
        }
        if (twrpImage && startsFromFastboot(recipe)) {
            phone = await startFromRam(modes, recipe, await modes.tell(phone, 'bootloader'), twrpImage, run.context());
            way = 'fastboot-boot';
        } else {
            phone = await modes.tell(phone, 'recovery');
            way = 'adb-reboot';
        }
    } else if (phone.mode === 'bootloader') {
        if (!twrpImage) throw ReviveError.of('backup-needs-twrp', { variant: 'other', state: 'bootloader' });
        phone = await startFromRam(modes, recipe, phone, twrpImage, run.context());
        way = 'fastboot-boot';
    } else if (phone.mode === 'download') {
        phone = await modes.ensure('recovery');
        way = 'adb-reboot';
    }
    const twrpVersion = await twrpVersionOf(modes, phone);
    if (twrpVersion) return { phone, way, twrpVersion };
    if (recipe.method === 'odin') return putTwrpOnSamsung(modes, recipe, sources.recoveryImage, run);
    throw ReviveError.of('recovery-not-twrp', {});
}

/** The running Android, for a storage-only backup (from TWRP it is restarted over adb; otherwise the person starts it). */
export async function reachAndroid(modes: PhoneModes): Promise<FoundPhone> {
    const phone = await modes.anyMode();
    return phone.mode === 'android' ? phone : modes.ensure('android');
}
