/**
 * The one wiring of the adb state probe for watchers that list phones for people (`revive devices`,
 * the app), and the phone mode a listed device is in. Light on purpose: `revive devices` loads it.
 */
import type { PhoneMode } from '../../native/manifests/schema.js';
import { setAdbStateRefiner } from '../../native/usb/classify.js';
import { DeviceWatcher, type DetectedDevice, type DeviceWatcherOptions } from '../../native/usb/watcher.js';

/** A phone that never answers the probe must not hold up the list. */
const PROBE_TIMEOUT_MS = 5000;
let probeInstalled = false;

/**
 * adb phones are listed with the state their adbd reports (recovery, sideload, or unauthorized:
 * "waiting for you to tap Allow"), asked with keys the phone already trusts, never prompting.
 */
export function installAdbStateProbe(): void {
    if (probeInstalled) return;
    probeInstalled = true;
    // The adb stack is loaded with the first adb phone, so listing no phones stays quick.
    setAdbStateRefiner(async (device, signal) => {
        const { probeAdbState } = await import('../../native/adb/probe.js');
        return probeAdbState(device, signal ? AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) : AbortSignal.timeout(PROBE_TIMEOUT_MS));
    });
}

/** A DeviceWatcher whose adb phones show their probed state. */
export function listingWatcher(options: DeviceWatcherOptions = {}): DeviceWatcher {
    installAdbStateProbe();
    return new DeviceWatcher(options);
}

/** The phone mode a detected device is in, as far as USB (and the probe) tell. */
export function modeOfDetected(device: DetectedDevice): PhoneMode | undefined {
    switch (device.state) {
        case 'download':
            return 'download';
        case 'bootloader':
            return 'bootloader';
        case 'recovery':
            return 'recovery';
        case 'sideload':
            return 'sideload';
        case 'device':
        case 'unauthorized':
            return 'android';
        default:
            return device.mode === 'samsung-download' ? 'download' : device.mode === 'fastboot' ? 'bootloader' : device.mode === 'adb' ? 'android' : undefined;
    }
}
