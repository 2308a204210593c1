/**
 * The first step of the backup and the restore job: which phone is this, in whatever mode it is.
 * Android and TWRP say their codename, model, serial and whether /data is encrypted; the bootloader
 * names its product (PhoneModes.fastboot refuses another model); download mode says nothing more
 * than the recipe already knows.
 */
import { ReviveError } from '../../../native/jobs/errors.js';
import type { PhoneMode, Recipe } from '../../../native/manifests/schema.js';
import type { PhoneModes } from '../upgrade/modes.js';

export interface RecognisedPhone {
    readonly mode: PhoneMode;
    readonly codename: string;
    readonly model: string;
    /** The serial adb reports; in download mode and the bootloader only the USB serial is known. */
    readonly serial: string;
    readonly serialFromAdb: boolean;
    /** Whether /data is encrypted, where the mode can say (null: it cannot). */
    readonly dataEncrypted: boolean | null;
}

export async function recognisePhone(modes: PhoneModes, recipe: Recipe): Promise<RecognisedPhone> {
    const phone = await modes.anyMode();
    let codename = recipe.codenames[0] ?? recipe.id;
    let model = recipe.models[0] ?? recipe.name;
    let serial = phone.serial;
    let serialFromAdb = false;
    let dataEncrypted: boolean | null = null;
    if (phone.mode === 'android' || phone.mode === 'recovery' || phone.mode === 'sideload') {
        const adb = await modes.adb(phone);
        try {
            codename = (await adb.getprop('ro.product.device')) || codename;
            model = (await adb.getprop('ro.product.model')) || model;
            const adbSerial = await adb.getprop('ro.serialno');
            if (adbSerial) [serial, serialFromAdb] = [adbSerial, true];
            const crypto = await adb.getprop('ro.crypto.state');
            dataEncrypted = crypto === 'encrypted' ? true : crypto === 'unencrypted' ? false : null;
        } finally {
            await adb.close();
        }
    } else if (phone.mode === 'bootloader') {
        // The bootloader names its product; modes.fastboot refuses another model.
        await (await modes.fastboot(phone)).close();
    }
    if (!recipe.codenames.some((c) => c.toLowerCase() === codename.toLowerCase())) {
        throw ReviveError.of('phone-mismatch', { variant: 'android', phone: recipe.name, expected: recipe.codenames.join(', '), found: codename });
    }
    return { mode: phone.mode, codename, model, serial, serialFromAdb, dataEncrypted };
}
