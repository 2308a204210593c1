/** The backups' store (renderer/src/backups-store.ts): which phone's name the backup and restore screens keep. */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Device } from '../../electron/api/contract.js';
import { openBackupFlow, openRestore, useBackups } from '../../renderer/src/backups-store.js';
import { useUi } from '../../renderer/src/store.js';

const phone = (id: string, name: string): Device => ({ id, serial: null, name, recipeId: null, mode: 'android', state: 'ready', batteryPercent: 80, virtual: false });
const listed = (...devices: Device[]): void => useUi.setState({ snapshot: { devices, virtualPhone: null } });

beforeEach(() => {
    listed();
    useBackups.setState({ deviceId: null, deviceName: null });
});

describe('the restore screen\'s phone name', () => {
    it('is the listed phone\'s name', () => {
        listed(phone('usb:1-1', 'Samsung Galaxy S4 LTE-A'));
        openRestore('usb:1-1', null);
        expect(useBackups.getState()).toMatchObject({ deviceId: 'usb:1-1', deviceName: 'Samsung Galaxy S4 LTE-A' });
        expect(useUi.getState().screen).toBe('restore');
    });

    it('is kept for the same phone while it is not listed (restarting after its backup)', () => {
        listed(phone('usb:1-1', 'Samsung Galaxy S4 LTE-A'));
        openBackupFlow('usb:1-1', 'backup');
        listed();
        openRestore('usb:1-1', null);
        expect(useBackups.getState().deviceName).toBe('Samsung Galaxy S4 LTE-A');
    });

    it('is never another phone\'s: an unlisted phone after another has no name yet', () => {
        listed(phone('usb:1-1', 'Samsung Galaxy S4 LTE-A'), phone('usb:1-2', 'Google Pixel 3a'));
        openRestore('usb:1-1', null);
        listed(phone('usb:1-1', 'Samsung Galaxy S4 LTE-A'));
        openRestore('usb:1-2', null);
        expect(useBackups.getState()).toMatchObject({ deviceId: 'usb:1-2', deviceName: null });
    });
});
