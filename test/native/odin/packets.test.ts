import { describe, expect, it } from 'vitest';
import { COMMAND_SIZE, decodeCommand, decodeReply, encodeCommand, encodeReply, isFailureReply, type OdinCommand } from '../../../native/odin/packets.js';

describe('Odin packets', () => {
    const commands: OdinCommand[] = [
        { kind: 'begin-session', protocolVersion: 0 },
        { kind: 'total-bytes', totalBytes: 41943043n },
        { kind: 'file-part-size', partSize: 1048576 },
        { kind: 'pit-dump' },
        { kind: 'pit-part', value: 9 },
        { kind: 'pit-end', size: 4096 },
        { kind: 'file-flash' },
        { kind: 'file-sequence', byteCount: 31457280 },
        { kind: 'file-end', destination: 0, byteCount: 1048579, unknown1: 0, deviceType: 2, identifier: 8, endOfFile: true },
        { kind: 'file-end', destination: 1, byteCount: 5, unknown1: 0, deviceType: 2, identifier: 0, endOfFile: false },
        { kind: 'end-session' },
        { kind: 'reboot' },
    ];

    it.each(commands)('$kind encodes to 1024 bytes and decodes back', (command) => {
        const bytes = encodeCommand(command);
        expect(bytes.length).toBe(COMMAND_SIZE);
        expect(decodeCommand(bytes)).toEqual(command);
    });

    it('lays out the AP end-of-sequence packet as Heimdall does', () => {
        const bytes = encodeCommand({ kind: 'file-end', destination: 0, byteCount: 1048579, unknown1: 0, deviceType: 2, identifier: 8, endOfFile: true });
        const view = new DataView(bytes.buffer);
        expect([0, 4, 8, 12, 16, 20, 24, 28].map((at) => view.getUint32(at, true))).toEqual([0x66, 3, 0, 1048579, 0, 2, 8, 1]);
        expect(bytes.subarray(32).every((b) => b === 0)).toBe(true);
    });

    it('puts the end-of-file flag at 24 for the modem destination', () => {
        const view = new DataView(encodeCommand({ kind: 'file-end', destination: 1, byteCount: 7, unknown1: 0, deviceType: 2, identifier: 0, endOfFile: true }).buffer);
        expect([8, 12, 24, 28].map((at) => view.getUint32(at, true))).toEqual([1, 7, 1, 0]);
    });

    it('sends totals past 4 GiB as u64 (identical to Heimdall u32 below 4 GiB)', () => {
        const big = new DataView(encodeCommand({ kind: 'total-bytes', totalBytes: 5n * 2n ** 30n }).buffer);
        expect(big.getUint32(8, true)).toBe(0x40000000);
        expect(big.getUint32(12, true)).toBe(1);
        const small = new DataView(encodeCommand({ kind: 'total-bytes', totalBytes: 1234n }).buffer);
        expect(small.getUint32(8, true)).toBe(1234);
        expect(small.getUint32(12, true)).toBe(0);
    });

    it('encodes 8-byte replies and spots failure replies', () => {
        expect(decodeReply(encodeReply({ type: 0x66, value: 3 }))).toEqual({ type: 0x66, value: 3 });
        expect(isFailureReply(decodeReply(encodeReply({ type: 0x66ff, value: -4 >>> 0 })))).toBe(true);
        expect(() => decodeReply(new Uint8Array(7))).toThrow(/8 bytes/);
        expect(() => decodeCommand(new Uint8Array(1024).fill(1))).toThrow(/Unknown command/);
    });
});
