/**
 * The native recipient types Revive writes and reads: X25519 (shops, several recipients) and scrypt
 * (a passphrase, alone in its header). Each wraps the 16-byte file key with ChaCha20-Poly1305 under
 * a zero nonce.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { AgeFormatError } from './errors.js';
import { b64decode, b64encode, hkdf, type Stanza } from './header.js';
import { publicKeyOf, x25519 } from './keys.js';

export type AgeRecipient = { readonly kind: 'x25519'; readonly publicKey: Uint8Array } | { readonly kind: 'scrypt'; readonly passphrase: string; readonly logN?: number };
export type AgeIdentity = { readonly kind: 'x25519'; readonly secretKey: Uint8Array } | { readonly kind: 'scrypt'; readonly passphrase: string; readonly maxLogN?: number };

/** age's own default work factor (2^18, about half a second here). */
export const DEFAULT_SCRYPT_LOG_N = 18;
/** age's own limit when decrypting (scrypt then needs 128·r·N bytes = 4 GiB). */
const MAX_SCRYPT_LOG_N = 22;
const X25519_INFO = 'age-encryption.org/v1/X25519';
const SCRYPT_LABEL = 'age-encryption.org/v1/scrypt';
const ZERO_NONCE = new Uint8Array(12);

export function seal(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
    return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** undefined when the tag does not verify (wrong key). */
export function open(key: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    if (sealed.length < 16) return undefined;
    const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 });
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
        return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]));
    } catch {
        return undefined;
    }
}

function scryptKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
    const N = 2 ** logN;
    return new Promise((resolve, reject) => {
        scryptCallback(passphrase.normalize('NFC'), Buffer.concat([Buffer.from(SCRYPT_LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 128 * 8 * N + (1 << 20) }, (error, key) =>
            error ? reject(error) : resolve(new Uint8Array(key)),
        );
    });
}

export async function wrapFileKey(recipient: AgeRecipient, fileKey: Uint8Array): Promise<Stanza> {
    if (recipient.kind === 'scrypt') {
        const logN = recipient.logN ?? DEFAULT_SCRYPT_LOG_N;
        const salt = randomBytes(16);
        return { type: 'scrypt', args: [b64encode(salt), String(logN)], body: seal(await scryptKey(recipient.passphrase, salt, logN), fileKey) };
    }
    const ephemeral = randomBytes(32);
    const share = publicKeyOf(ephemeral);
    const shared = x25519(ephemeral, recipient.publicKey);
    if (!shared) throw new AgeFormatError('header', { variant: 'recipient-low-order' });
    const wrapKey = hkdf(shared, Buffer.concat([share, recipient.publicKey]), X25519_INFO);
    return { type: 'X25519', args: [b64encode(share)], body: seal(wrapKey, fileKey) };
}

/** The file key if this identity opens this stanza; undefined when the stanza is not for it. */
export async function unwrapFileKey(identity: AgeIdentity, stanza: Stanza): Promise<Uint8Array | undefined> {
    if (identity.kind === 'scrypt') {
        if (stanza.type !== 'scrypt') return undefined;
        const [saltText, logText, ...extra] = stanza.args;
        if (saltText === undefined || logText === undefined || extra.length > 0) throw new AgeFormatError('header', { variant: 'scrypt-arguments' });
        const salt = b64decode(saltText, 'scrypt-salt');
        if (salt.length !== 16) throw new AgeFormatError('header', { variant: 'scrypt-salt' });
        if (!/^[1-9][0-9]*$/.test(logText)) throw new AgeFormatError('header', { variant: 'scrypt-work-factor' });
        const logN = Number(logText);
        if (logN > Math.min(identity.maxLogN ?? MAX_SCRYPT_LOG_N, MAX_SCRYPT_LOG_N)) throw new AgeFormatError('header', { variant: 'scrypt-too-costly', logN, max: MAX_SCRYPT_LOG_N });
        if (stanza.body.length !== 32) throw new AgeFormatError('header', { variant: 'scrypt-body' });
        return open(await scryptKey(identity.passphrase, salt, logN), stanza.body);
    }
    if (stanza.type !== 'X25519') return undefined;
    if (stanza.args.length !== 1 || stanza.args[0] === undefined) throw new AgeFormatError('header', { variant: 'x25519-arguments' });
    const share = b64decode(stanza.args[0], 'x25519-share');
    if (share.length !== 32) throw new AgeFormatError('header', { variant: 'x25519-share' });
    if (stanza.body.length !== 32) throw new AgeFormatError('header', { variant: 'x25519-body' });
    const shared = x25519(identity.secretKey, share);
    if (!shared) throw new AgeFormatError('header', { variant: 'x25519-low-order' });
    const wrapKey = hkdf(shared, Buffer.concat([share, publicKeyOf(identity.secretKey)]), X25519_INFO);
    return open(wrapKey, stanza.body);
}
