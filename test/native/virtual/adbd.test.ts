import { describe, expect, it } from 'vitest';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { rsaSign } from '@yume-chan/adb';
import { adbPublicKeyText } from '../../../native/adb/credentials.js';
import { newAuthToken, parseAdbPublicKey, verifyTokenSignature } from '../../../native/virtual/adbd-auth.js';
import { parseCommandLine } from '../../../native/virtual/adbd-shell.js';
import { assertedDevices } from '../../../native/virtual/twrp-install.js';
import { AdbCmd, encodeHeader, joinPieces, MessageReader } from '../../../native/virtual/adbd-wire.js';
import { createPipePair } from '../../../native/virtual/pipe.js';

function newKey(): Uint8Array {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    return new Uint8Array(createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'der' }));
}

describe('virtual adbd pieces', () => {
    it('verifies a token signed the way adb signs it, and rejects another key or another token', () => {
        const key = newKey();
        const other = newKey();
        const pub = parseAdbPublicKey(`${adbPublicKeyText(key, 'me@host')}\0`);
        expect(pub?.bytes).toBe(256);
        expect(pub?.e).toBe(65537n);
        const token = newAuthToken();
        expect(verifyTokenSignature(pub!, token, rsaSign(key, token))).toBe(true);
        expect(verifyTokenSignature(pub!, token, rsaSign(other, token))).toBe(false);
        expect(verifyTokenSignature(pub!, newAuthToken(), rsaSign(key, token))).toBe(false);
        expect(parseAdbPublicKey('not base64 at all')).toBeUndefined();
    });

    it('cuts messages out of a byte stream however the transfers split it (ZLPs included)', async () => {
        const { device, host } = createPipePair();
        const payload = new TextEncoder().encode('host::features=shell_v2');
        const message = { command: AdbCmd.CNXN, arg0: 0x01000001, arg1: 4096, payload };
        const bytes = new Uint8Array([...encodeHeader(message, true), ...payload, ...encodeHeader({ ...message, command: AdbCmd.OKAY, payload: new Uint8Array(0) }, false)]);
        host.deliver(bytes.subarray(0, 10));
        host.deliver(new Uint8Array(0));
        host.deliver(bytes.subarray(10, 30));
        host.deliver(bytes.subarray(30));
        const reader = new MessageReader(device, new AbortController().signal);
        const first = await reader.next();
        expect(first.command).toBe(AdbCmd.CNXN);
        expect(new TextDecoder().decode(joinPieces(first.pieces))).toBe('host::features=shell_v2');
        expect((await reader.next()).command).toBe(AdbCmd.OKAY);
        const corrupt = encodeHeader(message, true);
        corrupt[20] = (corrupt[20] ?? 0) ^ 1;
        host.deliver(corrupt);
        await expect(reader.next()).rejects.toThrow(/magic/);
    });

    it('parses shell lists with quotes and joins', () => {
        expect(parseCommandLine(`rm -f '/sdcard/a b' </dev/null && echo "ok; done" || false; id`)).toEqual([
            { words: ['rm', '-f', '/sdcard/a b', '</dev/null'], join: '&&' },
            { words: ['echo', 'ok; done'], join: '||' },
            { words: ['false'], join: ';' },
            { words: ['id'], join: ';' },
        ]);
    });

    it('reads the LineageOS device assert of an updater-script', () => {
        const script = 'assert(getprop("ro.product.device") == "X00I" || getprop("ro.build.product") == "X00I" || abort("E3004: This package is for device: X00I; this device is " + getprop("ro.product.device") + "."););';
        expect(assertedDevices(script)).toEqual(['X00I']);
        expect(assertedDevices('ui_print("hello");')).toEqual([]);
    });
});
