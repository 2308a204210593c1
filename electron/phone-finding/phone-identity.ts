/**
 * Reading who a phone is while it can talk (Android or recovery over adb), so the counter can keep
 * it attached to the phone's port through download mode and the bootloader, where USB says nothing.
 */
import type { PhoneIdentity } from '../../native/usb/port-identity.js';
import type { AdbLink } from '../jobs/phone-link.js';

/** A 15-digit IMEI whose Luhn check digit is right; anything else is not an IMEI. */
export function isImei(text: string): boolean {
    if (!/^\d{15}$/.test(text)) return false;
    let sum = 0;
    for (let i = 0; i < 15; i++) {
        let digit = Number(text[14 - i]);
        if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
    }
    return sum % 10 === 0;
}

/** `dumpsys iphonesubinfo` (Android ≤ 5): "Device ID = 35…". Newer Androids keep the IMEI from adb. */
export function imeiFromSubscriberInfo(output: string): string | undefined {
    const id = /Device ID\s*=\s*(\d{15})\b/.exec(output)?.[1];
    return id && isImei(id) ? id : undefined;
}

export async function readPhoneIdentity(adb: AdbLink, now: Date = new Date()): Promise<PhoneIdentity> {
    const inAndroid = adb.mode() === 'android';
    const [model, codename, serial] = [await adb.getprop('ro.product.model'), await adb.getprop('ro.product.device'), await adb.getprop('ro.serialno')];
    // In recovery the running build is TWRP's, not the phone's system: leave the fingerprint out.
    const fingerprint = inAndroid ? await adb.getprop('ro.build.fingerprint') : '';
    const androidVersion = inAndroid ? await adb.getprop('ro.build.version.release') : '';
    const imei = inAndroid ? imeiFromSubscriberInfo(await adb.shell('dumpsys iphonesubinfo').catch(() => '')) : undefined;
    return { model, codename, serial, imei, fingerprint, androidVersion, readAt: now.toISOString() };
}
