/** Which protocol the virtual phone speaks in each mode. Each protocol module adds its entry here. */
import type { PhoneMode } from '../manifests/schema.js';
import type { ModeProtocol } from './mode-protocol.js';
import { adbdProtocol } from './adbd.js';

export const modeProtocols: Partial<Record<PhoneMode, ModeProtocol>> = {
    // download: (Odin, native/virtual/odin-device.ts)
    // bootloader: (fastboot, native/virtual/fastboot-device.ts)
    android: adbdProtocol,
    recovery: adbdProtocol,
    sideload: adbdProtocol,
};
