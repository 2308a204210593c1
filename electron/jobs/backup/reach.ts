/**
 * Bringing the phone to where a backup is made or restored, through the upgrade's PhoneModes (never
 * a copy of it): TWRP for a full backup and a restore, the running Android for internal storage
 * alone. The phone is left unchanged wherever that is possible: a TWRP already in recovery is
 * restarted into from Android; a fastboot phone with an unlocked bootloader starts TWRP from RAM
 * (`fastboot boot`), so its recovery partition is never written. A Samsung phone whose recovery is
 * still Samsung's own gets TWRP the way the upgrade puts it there (Odin, download mode), only after
 * the person agreed, and starts it straight away; reached over adb TCP alone (Odin needs USB) it is
 * refused before the question, and a restart that found the stock recovery (a blown KNOX fuse tells
 * nothing) says the phone waits in its menu if nobody led it back to Android. What the job learnt
 * of the recovery is journalled: a resumed job that found it stock (and wrote nothing since) asks
 * again without restarting the phone to look; once TWRP was written it looks again, and writes
 * nothing when TWRP answers. A phone whose bootloader is locked cannot start TWRP at all: the job
 * refuses before anything happens and says what is possible.
 */
import { basename } from 'node:path';
import { runGate } from '../../../native/integrity/gate.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobContext } from '../../../native/jobs/progress.js';
import { JobCancelled, type JobRun } from '../../../native/jobs/runner.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { FoundPhone } from '../phone-link.js';
import { CONFIRM_IDS } from '../upgrade/ids.js';
import { twrpAnswerMs, type PhoneModes } from '../upgrade/modes.js';
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
    /**
     * Where no recoveryImage is given: the image the person gave with their yes (the app's question
     * offers a download or their own file; `typedSha256` when its checksum came from the person, as
     * on the Files step), read once they agreed; undefined when they gave none.
     */
    readonly chosenRecoveryImage?: (() => { readonly path: string; readonly typedSha256?: string | undefined } | undefined) | undefined;
}

/** What reaching TWRP needs of a job's run: its context, its journal, its log and a question to the person. */
export type ReachRun = Pick<JobRun<unknown, unknown>, 'confirm' | 'context' | 'journal' | 'note'>;

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
 * Whether a Samsung phone in Android says its recovery is still Samsung's own: its KNOX fuse
 * (`ro.boot.warranty_bit`, which the bootloader passes on) is intact only while nothing but
 * Samsung's binaries was ever written or started, so no TWRP can be there. A blown fuse, or a
 * phone too old to have one, says nothing: then the restart shows it.
 */
async function stockRecoveryKnown(modes: PhoneModes, phone: FoundPhone): Promise<boolean> {
    const adb = await modes.adb(phone);
    try {
        return (await adb.getprop('ro.boot.warranty_bit')).trim() === '0';
    } finally {
        await adb.close();
    }
}

/** The journal note saying an earlier run found the recovery is not TWRP. */
const STOCK_NOTE = 'recovery-stock';
/** The journal note written just before Odin's first byte of TWRP (see writeRecoveryByOdin). */
const WRITE_NOTE = 'touch:recovery';

/**
 * Whether an earlier run of this job found the recovery is Samsung's own and wrote no TWRP since.
 * Once a write began, only TWRP answering (or not) tells whether it holds: then the phone is looked at again.
 */
const stockJournalled = (recipe: Recipe, run: ReachRun): boolean => recipe.method === 'odin' && run.journal.note(STOCK_NOTE) !== undefined && run.journal.note(WRITE_NOTE) === undefined;

/**
 * Where the phone is when the job finds its recovery is not TWRP, so a refusal can put it back:
 * where the job found it (Android, or download mode on a resumed job: nothing to undo); in a
 * recovery that answers adb (told to restart into Android); or in a silent stock recovery, left by
 * the person through its menu.
 */
type NotTwrp = { readonly in: 'as-found' } | { readonly in: 'recovery-adb'; readonly phone: FoundPhone } | { readonly in: 'silent-recovery' };

/**
 * Put the phone back into Android after a refusal, if the job moved it; a wait that fails leaves the
 * refusal as it is. Whether the phone is back where the job found it (false: still where the job
 * took it, its recovery, when nobody led it out of the menu). The refusal's words say which.
 */
async function putBack(modes: PhoneModes, where: NotTwrp): Promise<boolean> {
    try {
        if (where.in === 'recovery-adb') await modes.tell(where.phone, 'android');
        else if (where.in === 'silent-recovery') await modes.leaveSilentRecovery();
        return true;
    } catch (error) {
        if (error instanceof JobCancelled) throw error;
        return false;
    }
}

/**
 * putBack, for a refusal's words: `stranded` when the phone still waits in the menu of a stock
 * recovery that shows nothing on USB (nobody led it out), else `back` (the words then say nothing of
 * where it is, as before: back where the job found it, or in a recovery that answers adb).
 */
async function putBackSaying(modes: PhoneModes, where: NotTwrp): Promise<'back' | 'stranded'> {
    return (await putBack(modes, where)) || where.in !== 'silent-recovery' ? 'back' : 'stranded';
}

/**
 * Over TCP a restart found Samsung's own recovery, which is on no network and cannot take TWRP
 * without a cable: the refusal says so, and where the phone is now — back in Android, or still in
 * that recovery's menu, which only the person at the phone can leave.
 */
function stockOverTcp(refusal: unknown, recipe: Recipe, back: boolean): unknown {
    if (!(refusal instanceof ReviveError) || refusal.code !== 'tcp-mode-needs-usb') return refusal;
    return ReviveError.of('tcp-stock-recovery', { variant: back ? 'back' : 'stranded', phone: recipe.name, address: String(refusal.facts['address'] ?? '') }, { cause: refusal });
}

/**
 * A Samsung phone whose recovery is not TWRP: with the person's yes, the recipe's TWRP (checked as
 * the upgrade's file check does) is written to the recovery partition in download mode, and the
 * phone starts it straight away by its key combination. Without an image, or with a no, nothing is
 * written and the phone goes back where it was found; the refusal says so, or that it still waits
 * in its recovery's menu when nobody led it out.
 */
async function putTwrpOnSamsung(modes: PhoneModes, recipe: Recipe, sources: TwrpSources, run: ReachRun, where: NotTwrp): Promise<Reached> {
    const needed = (variant: 'back' | 'stranded'): ReviveError => ReviveError.of('twrp-image-needed', { phone: recipe.name, partition: recipe.recoveryPartition, variant });
    // Kept for a resumed job: it need not restart the phone (and wait for TWRP's silence) to learn it again.
    if (!run.journal.note(STOCK_NOTE)) run.journal.append({ t: 'note', key: STOCK_NOTE, data: { found: where.in } });
    try {
        // Odin speaks only over USB: a phone reached over TCP alone is refused before the question, not after the yes.
        modes.refuseUnreachable('download');
    } catch (error) {
        const back = await putBack(modes, where);
        throw where.in === 'silent-recovery' ? stockOverTcp(error, recipe, back) : error;
    }
    const given = sources.recoveryImage;
    if (!given && !sources.chosenRecoveryImage) throw needed(await putBackSaying(modes, where));
    const ctx = run.context();
    const check = async (image: string, typedSha256?: string): Promise<{ name: string; sha256: string }> => {
        const file = (await runGate({ files: [{ role: 'recovery', path: image, typedSha256 }] }, recipe, recipe.codenames[0] ?? recipe.id, ctx)).files[0];
        return { name: file?.name ?? basename(image), sha256: file?.sha256 ?? '' };
    };
    const checked = given ? await check(given) : undefined;
    const yes = await run.confirm({
        id: CONFIRM_IDS.writeTwrp,
        question: `Write TWRP to the ${recipe.recoveryPartition} partition?`,
        detail: `This ${recipe.name} still has Samsung's own recovery, which can neither back up nor restore. Revive writes TWRP (${checked?.name ?? 'the image for this phone'}) to the ${recipe.recoveryPartition} partition in download mode and starts it. Nothing else on the phone changes: photos, apps and their data stay.`,
        danger: false,
        confirmLabel: 'Write TWRP',
        cancelLabel: 'Stop',
        facts: { phone: recipe.name, partition: recipe.recoveryPartition, file: checked?.name ?? '', fileNeeded: checked ? 'no' : 'yes' },
    });
    if (!yes) throw ReviveError.of('twrp-write-declined', { partition: recipe.recoveryPartition, variant: await putBackSaying(modes, where) });
    // The person's own copy or a download, given with the yes: checked before anything is written.
    const chosen = given ? undefined : sources.chosenRecoveryImage?.();
    const image = given ?? chosen?.path;
    if (!image) throw needed(await putBackSaying(modes, where));
    const file = checked ?? (await check(image, chosen?.typedSha256));
    await writeRecoveryByOdin(modes, recipe, image, ctx, () => run.journal.append({ t: 'note', key: WRITE_NOTE, data: { file: file.name, sha256: file.sha256 } }));
    // Straight into TWRP: if Android started first, Samsung's firmware would put its own recovery back.
    const phone = await modes.ensure('recovery');
    const twrpVersion = await twrpVersionOf(modes, phone);
    if (!twrpVersion) throw ReviveError.of('recovery-not-twrp', {});
    return { phone, way: 'odin-flash', twrpVersion };
}

/** The phone left for its recovery and no TWRP answered: a Samsung gets the question; any other phone a plain refusal. */
async function silentRecovery(modes: PhoneModes, recipe: Recipe, sources: TwrpSources, run: ReachRun): Promise<Reached> {
    if (recipe.method === 'odin') return putTwrpOnSamsung(modes, recipe, sources, run, { in: 'silent-recovery' });
    throw ReviveError.of('recovery-silent', { seconds: Math.round(twrpAnswerMs() / 1000) });
}

/** TWRP, reached the least changing way; refuses (nothing done to the phone) where that is impossible. */
export async function reachTwrp(modes: PhoneModes, recipe: Recipe, sources: TwrpSources, run: ReachRun): Promise<Reached> {
    const twrpImage = sources.twrpImage;
    let phone = await modes.anyMode();
    let way: TwrpWay = 'already';
    // A resumed job that found Samsung's own recovery (and wrote nothing since) asks again where the
    // phone is, in Android or in download mode, without a restart to learn it once more.
    if ((phone.mode === 'android' || phone.mode === 'download') && stockJournalled(recipe, run)) {
        run.note('recovery-stock-journalled', {});
        return putTwrpOnSamsung(modes, recipe, sources, run, { in: 'as-found' });
    }
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
        } else if (recipe.method === 'odin' && (await stockRecoveryKnown(modes, phone))) {
            // Decided before any restart: the phone stays in Android until the person says yes.
            run.note('recovery-stock-known', { how: 'warranty-bit' });
            return putTwrpOnSamsung(modes, recipe, sources, run, { in: 'as-found' });
        } else {
            const twrp = await modes.restartIntoTwrp(phone);
            if (!twrp) return silentRecovery(modes, recipe, sources, run);
            phone = twrp;
            way = 'adb-reboot';
        }
    } else if (phone.mode === 'bootloader') {
        if (!twrpImage) throw ReviveError.of('backup-needs-twrp', { variant: 'other', state: 'bootloader' });
        phone = await startFromRam(modes, recipe, phone, twrpImage, run.context());
        way = 'fastboot-boot';
    } else if (phone.mode === 'download') {
        const twrp = await modes.twrpByKeys(phone);
        if (!twrp) return silentRecovery(modes, recipe, sources, run);
        phone = twrp;
        way = 'adb-reboot';
    }
    const twrpVersion = await twrpVersionOf(modes, phone);
    if (twrpVersion) return { phone, way, twrpVersion };
    // A recovery that answers adb but is not TWRP (a debuggable build's own).
    if (recipe.method === 'odin') return putTwrpOnSamsung(modes, recipe, sources, run, { in: 'recovery-adb', phone });
    throw ReviveError.of('recovery-not-twrp', {});
}

/** The running Android, for a storage-only backup (from TWRP it is restarted over adb; otherwise the person starts it). */
export async function reachAndroid(modes: PhoneModes): Promise<FoundPhone> {
    const phone = await modes.anyMode();
    return phone.mode === 'android' ? phone : modes.ensure('android');
}
