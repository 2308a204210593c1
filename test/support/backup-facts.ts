/** Facts of a Galaxy S4 as a backup records them, for archive tests that need no phone. */
import type { DeviceFacts } from '../../native/backup/manifest.js';

export const S4_FACTS: DeviceFacts = {
    codename: 'ks01ltexx',
    model: 'GT-I9506',
    serial: 'R31D400TEST',
    fingerprint: 'samsung/ks01ltexx/ks01lte:5.0.1/LRX22C/I9506XXUDRB1:user/release-keys',
    androidVersion: '5.0.1',
    twrpVersion: '3.7.0_9-0',
    dataEncrypted: false,
    partitions: [{ name: 'BOOT', twrpName: 'boot', filesystem: 'emmc' }],
};
