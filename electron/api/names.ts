/**
 * The contract's command and event names and channel names, without zod: the sandboxed preload
 * and the browser client need the names at run time but must stay tiny. contract.ts checks at
 * compile time that these lists match its schemas exactly.
 */
export const COMMAND_NAMES = [
    'listDevices',
    'listRecipes',
    'startVirtualPhone',
    'unplugVirtualPhone',
    'replugVirtualPhone',
    'dataFolder',
    'verifyFile',
    'cancelVerification',
    'downloadFile',
    'releaseFile',
    'checkFiles',
    'startUpgrade',
    'listJobs',
    'attachJob',
    'resumeJob',
    'forgetJob',
    'answerConfirm',
    'pressVirtualButtons',
    'cancelJob',
    'saveLog',
    'createKeys',
    'rotateKeys',
    'createVpn',
    'listPhoneApps',
    'createFirewall',
    'pushPanelFiles',
    'removePushedFiles',
    'installApps',
    'listBackups',
    'backUpPhone',
    'verifyBackup',
    'deleteBackup',
    'restoreBackup',
    'makeTravelClean',
    'counterState',
    'counterSettings',
    'createShop',
    'startLane',
    'cancelLane',
    'dismissLane',
    'identifyPhone',
    'searchHistory',
] as const;

export const EVENT_NAMES = [
    'devicesChanged',
    'verifyProgress',
    'jobStarted',
    'jobStep',
    'jobProgress',
    'jobInstruction',
    'jobConfirm',
    'jobLog',
    'jobDone',
    'jobFailed',
    'jobCancelled',
    'counterChanged',
] as const;

export type CommandNameList = (typeof COMMAND_NAMES)[number];
export type EventNameList = (typeof EVENT_NAMES)[number];

/** IPC channel names (Electron): one per command, one for all events. */
export const IPC_COMMAND_PREFIX = 'revive:call:';
export const IPC_EVENT_CHANNEL = 'revive:event';
/** Preload → main: a token for a file the person dropped or picked (its path comes from the File itself). */
export const IPC_GRANT_FILE = 'revive:grant-file';
/** Preload → main: open a finished job's backup folder in the desktop's file manager (Electron only). */
export const IPC_OPEN_BACKUP_FOLDER = 'revive:open-backup-folder';

export function subscriptionName<K extends string>(event: K): `on${Capitalize<K>}` {
    return `on${event.charAt(0).toUpperCase()}${event.slice(1)}` as `on${Capitalize<K>}`;
}
