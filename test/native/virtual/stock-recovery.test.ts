/**
 * A virtual Galaxy S4 with Samsung's own recovery, as faithful as the real one: Android reports the
 * KNOX fuse still intact (`ro.boot.warranty_bit` 0), and the stock recovery — a user build, which
 * starts no adbd — shows nothing on USB or the network until a key combination takes the phone on.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { shellCommand } from '../../../native/adb/shell-words.js';
import { useVirtualAdb } from '../../support/virtual-adb.js';

const virtual = useVirtualAdb('stock-recovery');

const getprop = async (adb: { shell(command: string): Promise<{ stdout: string }> }, name: string): Promise<string> => (await adb.shell(shellCommand('getprop', name))).stdout.trim();

describe('a Galaxy S4 with its stock recovery', () => {
    it('reports an intact KNOX fuse in Android, and a blown one once it runs TWRP', async () => {
        const phone = await virtual.phone('android');
        phone.state.extra['recovery'] = 'stock';
        const adb = await virtual.adb(phone);
        expect(await getprop(adb, 'ro.boot.warranty_bit')).toBe('0');
        expect(await getprop(adb, 'ro.warranty_bit')).toBe('0');
        // Without the key the phone has TWRP, which was written to it once: the fuse is blown.
        delete phone.state.extra['recovery'];
        expect(await getprop(adb, 'ro.boot.warranty_bit')).toBe('1');
    });

    it('starts no adbd in recovery: nothing on USB or TCP until the person leaves its menu', async () => {
        const phone = await virtual.phone('android');
        phone.state.extra['recovery'] = 'stock';
        const silent = new Promise<void>((resolve) => phone.on('log', (line) => (line.startsWith("recovery: Samsung's own recovery starts no adbd") ? resolve() : undefined)));
        phone.pressKeys('recovery');
        await silent;
        expect(phone.mode).toBe('recovery');
        expect(phone.usbDevice).toBeUndefined();
        expect(phone.openProtocolConnection()).toBeUndefined();
        // "reboot system now" in its menu: Android comes back on USB.
        const attached = once(phone, 'attach');
        phone.pressKeys('android');
        await attached;
        expect(phone.mode).toBe('android');
        expect(phone.usbDevice).toBeDefined();
    });
});
