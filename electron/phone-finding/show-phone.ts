/**
 * "Which phone is this?": make the phone itself show that it is the one on this port, harmlessly —
 * in Android it opens its About phone screen (model, serial number, IMEI for the technician to
 * compare); nothing is changed on the phone. In download mode, the bootloader or recovery there is
 * nothing harmless to show, so the answer is only where it is plugged in.
 */
import { ReviveError } from '../../native/jobs/errors.js';
import type { PhoneMode } from '../../native/manifests/schema.js';
import type { DeviceSession } from './device-session.js';

export interface ShownPhone {
    readonly mode: PhoneMode;
    readonly port: string | undefined;
    /** What the phone now shows; undefined when it cannot show anything in this mode. */
    readonly shows: 'about-phone' | undefined;
}

export async function showPhone(session: DeviceSession, signal: AbortSignal): Promise<ShownPhone> {
    const found = session.locator.current() ?? (await session.locator.waitFor(['android', 'recovery', 'sideload', 'download', 'bootloader'], { signal, timeoutMs: 30_000 }));
    if (found.mode !== 'android') return { mode: found.mode, port: found.port, shows: undefined };
    const adb = await session.links.adb(found, { signal });
    try {
        await showAboutPhone(adb);
        return { mode: found.mode, port: found.port, shows: 'about-phone' };
    } finally {
        await adb.close();
    }
}

/**
 * The About phone screen, opened over adb on a phone in Android: the one action both `revive
 * identify` and the app's counter use. Chosen over a vibration (needs a permission adb's shell lacks
 * on old Androids) or a reboot into a visible mode (interrupts whatever the customer's phone is
 * doing): opening a settings screen changes nothing and is undone with the Back button.
 */
export async function showAboutPhone(adb: { shell(command: string): Promise<string> }): Promise<void> {
    const out = await adb.shell('am start -a android.settings.DEVICE_INFO_SETTINGS');
    if (!/Starting: Intent/.test(out)) throw ReviveError.of('show-failed', { phoneSaid: out.trim() });
}
