import { afterEach, describe, expect, it } from 'vitest';
import { ownerAction, parseFaultWord } from '../../../native/virtual/fault-words.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

const phones: VirtualPhone[] = [];
afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
});

describe('fault words', () => {
    it('reads each fault the serve command takes', () => {
        expect(parseFaultWord('unplug-after-bytes=65536')).toEqual({ kind: 'unplug-after-bytes', bytes: 65536 });
        expect(parseFaultWord('unplug-after-device-bytes=4096')).toEqual({ kind: 'unplug-after-device-bytes', bytes: 4096 });
        expect(parseFaultWord('stall-after-bytes=0')).toEqual({ kind: 'stall-after-bytes', bytes: 0 });
        expect(parseFaultWord('fail-next=sideload')).toEqual({ kind: 'fail-next', command: 'sideload' });
        expect(parseFaultWord('battery=5')).toEqual({ kind: 'battery', percent: 5 });
        expect(parseFaultWord('change-after-pull=/sdcard/DCIM/IMG_1.jpg')).toEqual({ kind: 'change-after-pull', path: '/sdcard/DCIM/IMG_1.jpg' });
    });

    it('refuses what is not a fault, saying what would be', () => {
        for (const bad of ['unplug-after-bytes=lots', 'battery=101', 'fail-next=reboot', 'explode=1', 'unplug', 'change-after-pull=DCIM/IMG_1.jpg']) {
            expect(() => parseFaultWord(bad)).toThrow(expect.objectContaining({ code: 'fault-invalid', nextStep: expect.stringMatching(/unplug-after-bytes=N/) }));
        }
    });

    it("does what the phone's owner types: keys for a mode, the cable, a fault", async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', enumerationDelayMs: 10 });
        phones.push(phone);
        expect(ownerAction(phone, 'download')).toMatch(/download/);
        await phone.waitForDevice({ mode: 'download', timeoutMs: 5000 });
        ownerAction(phone, 'unplug');
        expect(phone.isUnplugged).toBe(true);
        ownerAction(phone, 'replug');
        expect(phone.isUnplugged).toBe(false);
        ownerAction(phone, 'fail-next=flash');
        expect(phone.faults.failNext).toBe('flash');
        ownerAction(phone, 'unplug-after-bytes=100');
        expect(phone.faults.unplugAfterBytes).toBe(100);
        ownerAction(phone, 'change-after-pull=/sdcard/DCIM/IMG_1.jpg');
        expect(phone.faults.changeAfterPull).toBe('/sdcard/DCIM/IMG_1.jpg');
        ownerAction(phone, 'battery=0');
        expect(phone.mode).toBe('off');
        expect(() => ownerAction(phone, 'recovery')).toThrow(/battery is empty/);
    });
});
