import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDeviceRef, parseDeviceRef, splitHostPort, type DeviceRef } from '../../../native/devices/ref.js';
import { ReviveError } from '../../../native/jobs/errors.js';

function rejects(text: string): ReviveError {
    try {
        parseDeviceRef(text);
    } catch (error) {
        expect(error).toBeInstanceOf(ReviveError);
        return error as ReviveError;
    }
    throw new Error(`"${text}" was accepted`);
}

describe('parseDeviceRef: the words of adb, fastboot and Revive for a phone', () => {
    it.each<[string, DeviceRef]>([
        ['ABC123', { kind: 'serial', serial: 'ABC123' }],
        ['  0123456789ABCDEF ', { kind: 'serial', serial: '0123456789ABCDEF' }],
        ['emulator-5554', { kind: 'serial', serial: 'emulator-5554' }],
        ['usb:1-4.2', { kind: 'port', port: 'usb:1-4.2' }],
        ['3-1', { kind: 'port', port: 'usb:3-1' }],
        ['usbip:127.0.0.1:3240', { kind: 'usbip', host: '127.0.0.1', port: 3240 }],
        ['usbip:127.0.0.1:3240/1-1', { kind: 'usbip', host: '127.0.0.1', port: 3240, busid: '1-1' }],
        ['usbip:[::1]:3240', { kind: 'usbip', host: '::1', port: 3240 }],
        ['tcp:127.0.0.1:5555', { kind: 'tcp', host: '127.0.0.1', port: 5555 }],
        ['tcp:localhost:1', { kind: 'tcp', host: 'localhost', port: 1 }],
        ['192.168.1.20:5555', { kind: 'tcp', host: '192.168.1.20', port: 5555 }],
        ['virtual:ks01ltexx', { kind: 'virtual', codename: 'ks01ltexx', stateDir: undefined }],
    ])('%s', (text, ref) => {
        expect(parseDeviceRef(text)).toEqual(ref);
    });

    it('gives a virtual phone the state folder it was told', () => {
        expect(parseDeviceRef('virtual:shamu', { virtualStateDir: '/tmp/x' })).toEqual({ kind: 'virtual', codename: 'shamu', stateDir: '/tmp/x' });
    });

    it.each(['', '   ', 'usbip:', 'usbip:host', 'usbip:host:0', 'usbip:host:65536', 'usbip:host:3240/x', 'tcp:host', 'tcp::5555', 'tcp:a b:1', 'virtual:', 'virtual:a/b', 'usb:', 'usb:1', 'usb:abc', 'two words', 'foo:bar'])(
        'refuses "%s" with the forms it takes',
        (text) => {
            const error = rejects(text);
            expect(error.code).toBe('device-ref-invalid');
            expect(error.nextStep).toContain('usbip:HOST:PORT');
        },
    );

    const host = fc.oneof(
        fc.ipV4(),
        fc.domain(),
        fc.ipV6(),
    );
    const port = fc.integer({ min: 1, max: 65535 });
    const pathPart = fc.integer({ min: 0, max: 127 });
    const portPath = fc.tuple(fc.integer({ min: 1, max: 127 }), fc.array(pathPart, { minLength: 1, maxLength: 6 })).map(([bus, ports]) => `${bus}-${ports.join('.')}`);
    const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/);
    const ref: fc.Arbitrary<DeviceRef> = fc.oneof(
        word.filter((s) => !/^\d+-[\d.]+$/.test(s)).map((serial) => ({ kind: 'serial' as const, serial })),
        portPath.map((path) => ({ kind: 'port' as const, port: `usb:${path}` })),
        fc.record({ kind: fc.constant('usbip' as const), host, port }),
        fc.record({ kind: fc.constant('usbip' as const), host, port, busid: portPath }),
        fc.record({ kind: fc.constant('tcp' as const), host, port }),
        word.map((codename) => ({ kind: 'virtual' as const, codename, stateDir: undefined })),
    );

    it('reads back every DeviceRef it writes (property)', () => {
        fc.assert(
            fc.property(ref, (r) => {
                expect(parseDeviceRef(describeDeviceRef(r))).toEqual(r);
            }),
            { numRuns: 500 },
        );
    });

    it('either returns a DeviceRef or throws device-ref-invalid, for any text (property)', () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 60 }), (text) => {
                try {
                    const parsed = parseDeviceRef(text);
                    expect(['serial', 'port', 'usbip', 'tcp', 'virtual']).toContain(parsed.kind);
                } catch (error) {
                    expect(error).toBeInstanceOf(ReviveError);
                    expect((error as ReviveError).code).toBe('device-ref-invalid');
                }
            }),
            { numRuns: 1000 },
        );
    });

    it('splits HOST:PORT and [IPv6]:PORT, nothing else', () => {
        expect(splitHostPort('127.0.0.1:3240')).toEqual({ host: '127.0.0.1', port: 3240 });
        expect(splitHostPort('[fe80::1]:22')).toEqual({ host: 'fe80::1', port: 22 });
        expect(splitHostPort('fe80::1:22')).toBeUndefined();
        expect(splitHostPort('host:99999')).toBeUndefined();
        expect(splitHostPort('host')).toBeUndefined();
    });
});
