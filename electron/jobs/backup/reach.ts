/**
 * Bringing the phone to where a backup is made, through the upgrade's PhoneModes (never a copy of
 * it): TWRP for a full backup, the running Android for internal storage alone. The phone is left
 * unchanged wherever that is possible: a TWRP already in recovery is restarted into from Android; a
 * fastboot phone with an unlocked bootloader starts TWRP from RAM (`fastboot boot`), so its recovery
 * partition is never written. A phone whose bootloader is locked cannot start TWRP at all: the job
 * refuses before anything happens and says what is possible (internal storage from Android).
 */
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobContext } from '../../../native/jobs/progress.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { FoundPhone } from '../phone-link.js';
import type { PhoneModes } from '../upgrade/modes.js';
import type { TwrpWay } from './types.js';

export interface Reached {
    readonly phone: FoundPhone;
    readonly way: TwrpWay;
    readonly twrpVersion: string;
}

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

/** TWRP, reached the least changing way; refuses (nothing done to the phone) where that is impossible. */
export async function reachTwrp(modes: PhoneModes, recipe: Recipe, twrpImage: string | undefined, ctx: JobContext): Promise<Reached> {
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
            phone = await startFromRam(modes, recipe, await modes.tell(phone, 'bootloader'), twrpImage, ctx);
            way = 'fastboot-boot';
        } else {
            phone = await modes.tell(phone, 'recovery');
            way = 'adb-reboot';
        }
    } else if (phone.mode === 'bootloader') {
        if (!twrpImage) throw ReviveError.of('backup-needs-twrp', { variant: 'other', state: 'bootloader' });
        phone = await startFromRam(modes, recipe, phone, twrpImage, ctx);
        way = 'fastboot-boot';
    } else if (phone.mode === 'download') {
        phone = await modes.ensure('recovery');
        way = 'adb-reboot';
    }
    const adb = await modes.adb(phone);
    try {
        const twrpVersion = await adb.getprop('ro.twrp.version');
        if (!twrpVersion) throw ReviveError.of('recovery-not-twrp', {});
        return { phone, way, twrpVersion };
    } finally {
        await adb.close();
    }
}

/** The running Android, for a storage-only backup (from TWRP it is restarted over adb; otherwise the person starts it). */
export async function reachAndroid(modes: PhoneModes): Promise<FoundPhone> {
    const phone = await modes.anyMode();
    return phone.mode === 'android' ? phone : modes.ensure('android');
}
