/**
 * age's X25519 identities (`AGE-SECRET-KEY-1…`) and recipients (`age1…`), on node:crypto's X25519.
 * Raw 32-byte keys enter and leave node:crypto through the fixed DER prefixes of PKCS#8 and SPKI
 * for the X25519 OID (1.3.101.110).
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ReviveError } from '../../jobs/errors.js';
import { bech32Decode, bech32Encode } from './bech32.js';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const IDENTITY_HRP = 'age-secret-key-';
const RECIPIENT_HRP = 'age';

export interface X25519Identity {
    readonly secretKey: Uint8Array;
    readonly recipient: string;
}

export function privateKeyObject(secret: Uint8Array): KeyObject {
    return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

export function rawPublicKey(key: KeyObject): Uint8Array {
    return new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
}

export function rawPrivateKey(key: KeyObject): Uint8Array {
    return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length));
}

/** X25519(secret, public); undefined for the all-zero result of a low-order point (the spec's abort). */
export function x25519(secret: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
    let shared: Buffer;
    try {
        shared = diffieHellman({ privateKey: privateKeyObject(secret), publicKey: publicKeyObject(publicKey) });
    } catch {
        return undefined;
    }
    return shared.every((b) => b === 0) ? undefined : new Uint8Array(shared);
}

export function publicKeyOf(secret: Uint8Array): Uint8Array {
    return rawPublicKey(createPublicKey(privateKeyObject(secret)));
}

export function encodeRecipient(publicKey: Uint8Array): string {
    return bech32Encode(RECIPIENT_HRP, publicKey);
}

export function encodeIdentity(secret: Uint8Array): string {
    return bech32Encode(IDENTITY_HRP, secret, true);
}

export function generateIdentity(): X25519Identity {
    const { privateKey } = generateKeyPairSync('x25519');
    const secretKey = rawPrivateKey(privateKey);
    return { secretKey, recipient: encodeRecipient(publicKeyOf(secretKey)) };
}

/** An `age1…` recipient as its 32-byte public key. */
export function parseRecipient(text: string): Uint8Array {
    const decoded = bech32Decode(text.trim());
    if (!decoded || decoded.hrp !== RECIPIENT_HRP || decoded.data.length !== 32) {
        throw ReviveError.of('age-bad-recipient', { text: text.trim().slice(0, 80) });
    }
    return decoded.data;
}

/**
 * The identities in an age identity file (age-keygen's format: `#` comments, one
 * `AGE-SECRET-KEY-1…` per line). Throws naming the line when one is not an identity.
 */
export function parseIdentityFile(text: string): X25519Identity[] {
    const identities: X25519Identity[] = [];
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) return;
        const decoded = bech32Decode(line);
        if (!decoded || decoded.hrp !== IDENTITY_HRP || decoded.data.length !== 32) {
            throw ReviveError.of('age-bad-identity', { variant: 'line', line: index + 1 });
        }
        identities.push({ secretKey: decoded.data, recipient: encodeRecipient(publicKeyOf(decoded.data)) });
    });
    if (identities.length === 0) {
        throw ReviveError.of('age-bad-identity', { variant: 'empty' });
    }
    return identities;
}

/** age-keygen's file layout, so `age -d -i` reads what we write. */
export function formatIdentityFile(identity: X25519Identity, created = new Date()): string {
    return `# created: ${created.toISOString().slice(0, 19)}Z\n# public key: ${identity.recipient}\n${encodeIdentity(identity.secretKey)}\n`;
}
