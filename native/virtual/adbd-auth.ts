/**
 * adbd's side of the key check: parse Android's adbkey.pub encoding and verify a token signature.
 * The host signs the 20-byte token as if it were a SHA-1 digest (PKCS#1 v1.5 with the SHA-1
 * DigestInfo, no hashing), so verification is done by hand with BigInt: s^e mod n must equal
 * 00 01 FF… 00 || DigestInfo(SHA-1) || token.
 */
import { randomBytes } from 'node:crypto';

const SHA1_DIGEST_INFO = Uint8Array.from([0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]);

export interface AdbPublicKey {
    readonly n: bigint;
    readonly e: bigint;
    readonly bytes: number;
    /** The adbkey.pub text (base64 and comment) as the host sent it. */
    readonly text: string;
}

function littleEndianToBigInt(data: Uint8Array): bigint {
    let value = 0n;
    for (let i = data.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[i] ?? 0);
    return value;
}

function bigEndianToBigInt(data: Uint8Array): bigint {
    let value = 0n;
    for (const byte of data) value = (value << 8n) | BigInt(byte);
    return value;
}

function powMod(base: bigint, exponent: bigint, modulus: bigint): bigint {
    let result = 1n;
    let b = base % modulus;
    let e = exponent;
    while (e > 0n) {
        if (e & 1n) result = (result * b) % modulus;
        b = (b * b) % modulus;
        e >>= 1n;
    }
    return result;
}

/** Parse `<base64 of the 524-byte struct> user@host` (a trailing NUL or newline is allowed). */
export function parseAdbPublicKey(text: string): AdbPublicKey | undefined {
    const cleaned = text.replace(/\0+$/, '').trim();
    const base64 = cleaned.split(/\s+/)[0] ?? '';
    const raw = Buffer.from(base64, 'base64');
    if (raw.length < 12) return undefined;
    const words = raw.readUInt32LE(0);
    const bytes = words * 4;
    if (words < 16 || words > 256 || raw.length < 8 + bytes * 2 + 4) return undefined;
    const n = littleEndianToBigInt(raw.subarray(8, 8 + bytes));
    const e = BigInt(raw.readUInt32LE(8 + bytes * 2));
    if (n === 0n || e === 0n) return undefined;
    return { n, e, bytes, text: cleaned };
}

export function verifyTokenSignature(key: AdbPublicKey, token: Uint8Array, signature: Uint8Array): boolean {
    if (signature.length !== key.bytes) return false;
    const s = bigEndianToBigInt(signature);
    if (s >= key.n) return false;
    const m = powMod(s, key.e, key.n);
    const expected = new Uint8Array(key.bytes);
    expected[0] = 0;
    expected[1] = 1;
    const tail = SHA1_DIGEST_INFO.length + token.length;
    expected.fill(0xff, 2, key.bytes - tail - 1);
    expected[key.bytes - tail - 1] = 0;
    expected.set(SHA1_DIGEST_INFO, key.bytes - tail);
    expected.set(token, key.bytes - token.length);
    return m === bigEndianToBigInt(expected);
}

export function newAuthToken(): Uint8Array {
    return new Uint8Array(randomBytes(20));
}
