/**
 * The ids the upgrade speaks in: its steps, its questions and its instructions. The page words
 * each one from its locale files, and tests import these lists instead of reading source text.
 */
import type { FileRole } from '../../../native/manifests/schema.js';

export const STEP_IDS = {
    identify: 'identify',
    gate: 'gate',
    saveStorage: 'save-storage',
    unlock: 'unlock',
    flashRecovery: 'flash-recovery',
    enterRecovery: 'enter-recovery',
    backup: 'backup',
    wipe: 'wipe',
    reboot: 'reboot',
    verify: 'verify-system',
} as const;

export const installStepId = (role: FileRole): string => `install:${role}`;

export const CONFIRM_IDS = {
    battery: 'battery',
    storageNotAndroid: 'storage-not-android',
    oemUnlockToggle: 'oem-unlock-toggle',
    unlock: 'unlock',
    noBackup: 'no-backup',
    erase: 'erase',
    /** A backup or restore writes TWRP to a Samsung phone's recovery partition, which still holds Samsung's own. */
    writeTwrp: 'write-twrp',
} as const;

/** `no-raw-backup:<partition>`: a partition nothing can give back was not found on the phone. */
export const noRawBackupId = (partition: string): string => `no-raw-backup:${partition}`;

export const INSTRUCTION_IDS = {
    connect: 'connect',
    confirmUnlock: 'confirm-unlock',
    enterDownload: 'enter-download',
    enterBootloader: 'enter-bootloader',
    enterRecovery: 'enter-recovery',
    enterAndroid: 'enter-android',
    /** Out of a stock recovery (no adb) by its own menu: "reboot system now". */
    leaveRecovery: 'leave-recovery',
} as const;
