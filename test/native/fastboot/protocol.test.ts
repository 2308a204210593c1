import { describe, expect, it } from 'vitest';
import { decodeResponse, downloadCommand, encodeResponse, FastbootProtocolError, parseNumericVariable, parseVariableLine } from '../../../native/fastboot/protocol.js';
import { encodeFrameHeader, FrameDecoder, parseHandshake } from '../../../native/tcp/fastboot-frames.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('fastboot packets', () => {
    it('decodes every status kind and rejects unknown ones', () => {
        expect(decodeResponse(text('OKAY0.4'))).toEqual({ kind: 'OKAY', text: '0.4' });
        expect(decodeResponse(text('INFOerasing'))).toEqual({ kind: 'INFO', text: 'erasing' });
        expect(decodeResponse(text('TEXTraw'))).toEqual({ kind: 'TEXT', text: 'raw' });
        expect(decodeResponse(text('FAILno'))).toEqual({ kind: 'FAIL', text: 'no' });
        expect(decodeResponse(text('DATA0012a000'))).toEqual({ kind: 'DATA', size: 0x12a000 });
        expect(() => decodeResponse(text('DATA12'))).toThrow(FastbootProtocolError);
        expect(() => decodeResponse(text('WHAT?'))).toThrow(/unknown status/);
        expect(new TextDecoder().decode(encodeResponse({ kind: 'DATA', size: 0x12a000 }))).toBe('DATA0012a000');
    });

    it('announces downloads as 8 lowercase hex digits and refuses sizes outside 32 bits', () => {
        expect(downloadCommand(0x12a000)).toBe('download:0012a000');
        expect(() => downloadCommand(2 ** 32)).toThrow(FastbootProtocolError);
        expect(() => downloadCommand(0)).toThrow(FastbootProtocolError);
    });

    it('parses getvar all lines, keyed variables included', () => {
        expect(parseVariableLine('partition-size:boot: 0x1000000')).toEqual(['partition-size:boot', '0x1000000']);
        expect(parseVariableLine('has-slot:system:yes')).toEqual(['has-slot:system', 'yes']);
        expect(parseVariableLine('version-bootloader:moto-apq8084-72.04')).toEqual(['version-bootloader', 'moto-apq8084-72.04']);
        expect(parseVariableLine('fingerprint:google/x/x:7.1.1/N/1:user')).toEqual(['fingerprint', 'google/x/x:7.1.1/N/1:user']);
        expect(parseNumericVariable('0x20000000')).toBe(0x20000000);
        expect(parseNumericVariable('536870912')).toBe(536870912);
        expect(parseNumericVariable('1000', { bareHex: true })).toBe(0x1000);
        expect(parseNumericVariable('lots')).toBeUndefined();
    });
});

describe('fastboot TCP framing', () => {
    it('checks the FB01 handshake', () => {
        expect(parseHandshake(text('FB01'))).toBe(1);
        expect(parseHandshake(text('FB1x'))).toBeUndefined();
        expect(parseHandshake(text('XX01'))).toBeUndefined();
    });

    it('splits a byte stream into whole small frames and streams large ones in segments', () => {
        const decoder = new FrameDecoder(16);
        const small = Buffer.concat([encodeFrameHeader(14), text('getvar:version'), encodeFrameHeader(0)]);
        const big = Buffer.concat([encodeFrameHeader(40), Buffer.alloc(40, 7)]);
        const stream = Buffer.concat([small, big]);
        const segments = [];
        // Feed it in awkward 5-byte pieces, as TCP may.
        for (let at = 0; at < stream.length; at += 5) segments.push(...decoder.push(stream.subarray(at, at + 5)));
        expect(new TextDecoder().decode(segments[0]?.data)).toBe('getvar:version');
        expect(segments[1]?.data.length).toBe(0);
        const rest = segments.slice(2);
        expect(rest[0]?.first).toBe(true);
        expect(rest[rest.length - 1]?.last).toBe(true);
        expect(rest.reduce((sum, s) => sum + s.data.length, 0)).toBe(40);
    });
});
