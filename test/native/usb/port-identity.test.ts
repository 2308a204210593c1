import { describe, expect, it } from 'vitest';
import { localPortPath, PortIdentities, type PhoneIdentity } from '../../../native/usb/port-identity.js';

const s4: PhoneIdentity = { model: 'GT-I9506', codename: 'ks01ltexx', serial: '4d00aa', imei: '356938035643809', fingerprint: 'samsung/ks01ltexx/…', androidVersion: '5.0.1', readAt: '2026-11-28T00:00:00.000Z' };

describe('port paths', () => {
    it('names a local port as Linux does under /sys/bus/usb', () => {
        expect(localPortPath(1, [3, 4])).toBe('usb:1-3.4');
        expect(localPortPath('002', [1])).toBe('usb:2-1');
        expect(localPortPath(1, [])).toBeUndefined();
        expect(localPortPath(undefined, [1])).toBeUndefined();
    });
});

describe('PortIdentities', () => {
    it('keeps a phone on its port while it is briefly away (a mode change)', () => {
        let now = 0;
        const ports = new PortIdentities({ graceMs: 1000, now: () => now });
        ports.remember('usb:1-3', s4);
        ports.left('usb:1-3');
        now = 900;
        ports.arrived('usb:1-3', undefined); // download mode: no serial
        expect(ports.lookup('usb:1-3')).toEqual(s4);
        expect(ports.lookup('usb:1-4')).toBeUndefined();
    });

    it('forgets it after a long absence (someone may have put another phone there)', () => {
        let now = 0;
        const ports = new PortIdentities({ graceMs: 1000, now: () => now });
        ports.remember('usb:1-3', s4);
        ports.left('usb:1-3');
        now = 1001;
        ports.arrived('usb:1-3', undefined);
        expect(ports.lookup('usb:1-3')).toBeUndefined();
    });

    it('forgets it at once when the port shows another serial', () => {
        const ports = new PortIdentities();
        ports.remember('usb:1-3', s4);
        ports.left('usb:1-3');
        ports.arrived('usb:1-3', '4d00aa');
        expect(ports.lookup('usb:1-3')).toEqual(s4);
        ports.left('usb:1-3');
        ports.arrived('usb:1-3', 'ffff00');
        expect(ports.lookup('usb:1-3')).toBeUndefined();
    });
});
