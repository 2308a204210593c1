/** Which protocol the virtual phone speaks in each mode. Each protocol module adds its entry here. */
import type { PhoneMode } from '../manifests/schema.js';
import type { ModeProtocol } from './mode-protocol.js';
import { adbdProtocol } from './adbd.js';
import { fastbootProtocol } from './fastboot-device.js';
import { odinDevice } from './odin-device.js';

export const modeProtocols: Partial<Record<PhoneMode, ModeProtocol>> = {
    download: odinDevice,
    bootloader: fastbootProtocol,
    android: adbdProtocol,
    recovery: adbdProtocol,
    sideload: adbdProtocol,
};
