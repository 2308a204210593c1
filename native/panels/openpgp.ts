/**
 * OpenPGP keys for OpenKeychain / K-9 Mail and GnuPG: create, revoke and rotate.
 *
 * Keys are v4 keys (EdDSA "ed25519Legacy" primary + ECDH "curve25519Legacy" subkey by default, or
 * RSA 4096), secret keys protected with iterated-salted S2K and no AEAD: that is what GnuPG 2.2 and
 * OpenKeychain read. The newer RFC 9580 Ed25519/X25519 key types are NOT used on purpose: GnuPG 2.2
 * rejects them.
 */
import * as openpgp from 'openpgp';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import { estimatePassphraseStrength, type PassphraseStrength } from './passphrase.js';

export const KEY_ALGORITHMS = ['curve25519', 'rsa4096'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export interface UserIdInput {
    readonly name?: string | undefined;
    readonly email?: string | undefined;
    readonly comment?: string | undefined;
}

export interface CreateKeyOptions {
    /** One or more identities; the first one is the primary user ID. */
    readonly userIds: readonly UserIdInput[];
    readonly passphrase: string;
    /** Default `curve25519`. */
    readonly algorithm?: KeyAlgorithm | undefined;
    /** Days until the key expires; 0 or undefined: never. */
    readonly expiresInDays?: number | undefined;
    /** Creation time (tests); default now. */
    readonly date?: Date | undefined;
}

export interface KeyInfo {
    /** 40 hex digits, upper case (as GnuPG prints it). */
    readonly fingerprint: string;
    /** The long key ID: last 16 hex digits of the fingerprint, upper case. */
    readonly keyId: string;
    readonly userIds: readonly string[];
    readonly algorithm: KeyAlgorithm;
    readonly createdAt: string;
    /** ISO date, or null when the key never expires. */
    readonly expiresAt: string | null;
}

export interface KeyBundle extends KeyInfo {
    readonly publicKeyArmored: string;
    /** Passphrase-protected. */
    readonly secretKeyArmored: string;
    /** Revokes the key when imported; keep it apart from the secret key. */
    readonly revocationCertificate: string;
    readonly passphraseStrength: PassphraseStrength;
}

export interface RotationResult {
    /** The new key; its public key carries certifications made by the old key on every user ID. */
    readonly newKey: KeyBundle;
    readonly oldKey: KeyInfo;
    /** The old key's revocation certificate with reason "superseded", naming the new fingerprint. */
    readonly oldKeyRevocation: string;
    /** A clear-signed text (signed by the old and the new key) to send to contacts. */
    readonly transitionStatement: string;
}

export const REVOCATION_ADVICE =
    'Store the revocation certificate apart from your secret key: print it, or put it on a USB stick kept somewhere else. ' +
    'If your phone or computer is lost or the passphrase is forgotten, importing this certificate tells everyone the key must no longer be used. ' +
    'Anyone who has it can revoke your key, so keep it private too.';

export const REVOCATION_REASONS = ['compromised', 'superseded', 'retired', 'unspecified'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

const REASON_FLAGS: Record<RevocationReason, openpgp.enums.reasonForRevocation> = {
    compromised: openpgp.enums.reasonForRevocation.keyCompromised,
    superseded: openpgp.enums.reasonForRevocation.keySuperseded,
    retired: openpgp.enums.reasonForRevocation.keyRetired,
    unspecified: openpgp.enums.reasonForRevocation.noReason,
};

const EMAIL = /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/;

// GnuPG 2.2 compatibility: v4 keys, no AEAD / SEIPDv2 features advertised, iterated S2K.
const KEY_CONFIG: openpgp.PartialConfig = { v6Keys: false, aeadProtect: false, s2kType: openpgp.enums.s2k.iterated };

function badInput(facts: FactsOf<'openpgp-input'>): ReviveError {
    return ReviveError.of('openpgp-input', facts);
}

/** Checks identities and renders them as `Name (comment) <email>`, the form GnuPG shows. */
export function normaliseUserIds(userIds: readonly UserIdInput[]): openpgp.UserID[] {
    if (userIds.length === 0) throw badInput({ variant: 'no-identity' });
    return userIds.map((input, index) => {
        const name = input.name?.trim() ?? '';
        const email = input.email?.trim() ?? '';
        const comment = input.comment?.trim() ?? '';
        if (!name && !email) throw badInput({ variant: 'empty-identity', index: index + 1 });
        if (email && !EMAIL.test(email)) throw badInput({ variant: 'bad-email', email, index: index + 1 });
        if (/[<>()]/.test(name) || /[<>()]/.test(comment)) {
            throw badInput({ variant: 'reserved-characters', index: index + 1 });
        }
        const id: openpgp.UserID = {};
        if (name) id.name = name;
        if (email) id.email = email;
        if (comment) id.comment = comment;
        return id;
    });
}

function checkPassphrase(passphrase: string): void {
    if (passphrase.length === 0) {
        throw badInput({ variant: 'no-passphrase' });
    }
}

function algorithmOf(key: openpgp.Key): KeyAlgorithm {
    const info = key.getAlgorithmInfo();
    return info.algorithm === 'rsaEncryptSign' || info.algorithm === 'rsaSign' ? 'rsa4096' : 'curve25519';
}

export async function describeKey(key: openpgp.Key): Promise<KeyInfo> {
    const fingerprint = key.getFingerprint().toUpperCase();
    const expiry = await key.getExpirationTime();
    return {
        fingerprint,
        keyId: fingerprint.slice(-16),
        userIds: key.getUserIDs(),
        algorithm: algorithmOf(key),
        createdAt: key.getCreationTime().toISOString(),
        expiresAt: expiry instanceof Date ? expiry.toISOString() : null,
    };
}

async function generate(options: CreateKeyOptions): Promise<{ privateKey: openpgp.PrivateKey; revocationCertificate: string }> {
    const userIDs = normaliseUserIds(options.userIds);
    checkPassphrase(options.passphrase);
    const days = options.expiresInDays ?? 0;
    if (!Number.isInteger(days) || days < 0 || days > 36500) throw badInput({ variant: 'expiry', days: String(days) });
    const algorithm = options.algorithm ?? 'curve25519';
    const common = {
        userIDs,
        passphrase: options.passphrase,
        keyExpirationTime: days * 86_400,
        format: 'object' as const,
        config: KEY_CONFIG,
        ...(options.date ? { date: options.date } : {}),
    };
    const { privateKey, revocationCertificate } =
        algorithm === 'rsa4096'
            ? await openpgp.generateKey({ ...common, type: 'rsa', rsaBits: 4096 })
            : await openpgp.generateKey({ ...common, type: 'ecc', curve: 'ed25519Legacy' });
    return { privateKey, revocationCertificate };
}

async function bundle(privateKey: openpgp.PrivateKey, revocationCertificate: string, passphrase: string): Promise<KeyBundle> {
    return {
        ...(await describeKey(privateKey)),
        publicKeyArmored: privateKey.toPublic().armor(),
        secretKeyArmored: privateKey.armor(),
        revocationCertificate,
        passphraseStrength: estimatePassphraseStrength(passphrase),
    };
}

/** Creates a passphrase-protected key pair and its revocation certificate. */
export async function createKeyPair(options: CreateKeyOptions): Promise<KeyBundle> {
    const { privateKey, revocationCertificate } = await generate(options);
    return bundle(privateKey, revocationCertificate, options.passphrase);
}

/** Reads an armored secret key and unlocks it; the errors say which of the two went wrong. */
export async function unlockSecretKey(armored: string, passphrase: string): Promise<openpgp.PrivateKey> {
    let key: openpgp.PrivateKey;
    try {
        key = await openpgp.readPrivateKey({ armoredKey: armored });
    } catch (error) {
        // OpenPGP.js says what it found wrong in the file.
        throw ReviveError.of('openpgp-not-a-secret-key', { problem: error instanceof Error ? error.message : String(error) }, { cause: error });
    }
    if (key.isDecrypted()) return key;
    try {
        return await openpgp.decryptKey({ privateKey: key, passphrase });
    } catch (error) {
        throw ReviveError.of('openpgp-wrong-passphrase', { fingerprint: key.getFingerprint().toUpperCase() }, { cause: error });
    }
}

/** A revocation certificate for an existing key, with the reason and an optional explanation. */
export async function createRevocation(secretKeyArmored: string, passphrase: string, reason: RevocationReason, text = ''): Promise<{ key: KeyInfo; revocationCertificate: string }> {
    const key = await unlockSecretKey(secretKeyArmored, passphrase);
    const revoked = await openpgp.revokeKey({ key, reasonForRevocation: { flag: REASON_FLAGS[reason], string: text }, format: 'object', config: KEY_CONFIG });
    const certificate = await revoked.privateKey.getRevocationCertificate();
    if (typeof certificate !== 'string') throw new Error('openpgp did not produce a revocation certificate');
    return { key: await describeKey(key), revocationCertificate: certificate };
}

export function transitionText(oldKey: KeyInfo, newKey: KeyInfo, date: Date = new Date()): string {
    const group = (fp: string): string => fp.replace(/(.{4})/g, '$1 ').trim();
    return [
        `Key transition statement, ${date.toISOString().slice(0, 10)}`,
        '',
        'I have moved to a new OpenPGP key. Please use the new key from now on and stop using the old one.',
        '',
        `Old key: ${group(oldKey.fingerprint)}`,
        `New key: ${group(newKey.fingerprint)}`,
        `New key's identities: ${newKey.userIds.join('; ')}`,
        '',
        'This message is signed by both keys, which shows the same person holds them. The new key also carries',
        'a certification made by the old key on each of its identities.',
        '',
        'What to do:',
        '1. Check the signatures on this message (gpg --verify, or open it in OpenKeychain).',
        '2. Import the new public key and compare its fingerprint with the one above.',
        '3. If you had certified my old key, please certify the new one after checking its fingerprint with me',
        '   in person or over a call.',
        '4. The old key is revoked (reason: superseded). Import the revocation so your software stops using it.',
        '',
    ].join('\n');
}

/**
 * Key rotation as done by hand with GnuPG: create the new key, certify each of its user IDs with
 * the old key, revoke the old key as superseded, and sign a transition statement with both keys.
 */
export async function rotateKey(options: { readonly oldSecretKeyArmored: string; readonly oldPassphrase: string; readonly newKey: CreateKeyOptions }): Promise<RotationResult> {
    const oldKey = await unlockSecretKey(options.oldSecretKeyArmored, options.oldPassphrase);
    const { privateKey: fresh, revocationCertificate } = await generate(options.newKey);
    const newUnlocked = await openpgp.decryptKey({ privateKey: fresh, passphrase: options.newKey.passphrase });
    // Certifications by the old key go into both halves, so a later export of either carries them.
    const certified = await fresh.signAllUsers([oldKey], options.newKey.date, { ...openpgp.config, ...KEY_CONFIG });
    const newKey = await bundle(certified, revocationCertificate, options.newKey.passphrase);
    const oldInfo = await describeKey(oldKey);
    const revoked = await openpgp.revokeKey({
        key: oldKey,
        reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keySuperseded, string: `Superseded by ${newKey.fingerprint}` },
        format: 'object',
        config: KEY_CONFIG,
    });
    const oldKeyRevocation = await revoked.privateKey.getRevocationCertificate();
    if (typeof oldKeyRevocation !== 'string') throw new Error('openpgp did not produce a revocation certificate');
    const message = await openpgp.createCleartextMessage({ text: transitionText(oldInfo, newKey, options.newKey.date) });
    const transitionStatement = await openpgp.sign({ message, signingKeys: [oldKey, newUnlocked], config: KEY_CONFIG });
    return { newKey, oldKey: oldInfo, oldKeyRevocation, transitionStatement };
}
