/**
 * A repair shop's folder: its name, its Ed25519 signing key (0600) and public key, its age X25519
 * backup identity (0600) and recipient, and what it keeps (receipts/, deletions/). Receipts and
 * deletion records are signed with the signing key so a customer or an auditor can check them later
 * with only the public key; backups taken at the counter are encrypted to the backup recipient, so
 * only the shop's identity (or the `age` tool with it) opens them.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { readLimitedText, unreadableAs } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { writePrivateFile } from '../../native/jobs/private-files.js';
import { formatIdentityFile, generateIdentity, parseRecipient, type AgeIdentity, type AgeRecipient } from '../../native/backup/age/index.js';
import { readIdentityFile } from '../../native/backup/identity-file.js';

export const SHOP_FILE = 'shop.json';
export const PRIVATE_KEY_FILE = 'shop-key.pem';
export const PUBLIC_KEY_FILE = 'shop-key.pub.pem';
/** age-keygen's format: `age -d -i shop-backup-key.txt FILE.tar.age` opens a counter backup. */
export const BACKUP_IDENTITY_FILE = 'shop-backup-key.txt';
export const BACKUP_RECIPIENT_FILE = 'shop-backup-key.pub.txt';

// `backupRecipient` is absent in shop folders made before backups were encrypted to the shop.
const ShopFile = z.object({ version: z.literal(1), name: z.string().min(1), keyId: z.string(), createdAt: z.string(), backupRecipient: z.string().optional() });

export interface Shop {
    readonly dir: string;
    readonly name: string;
    /** The first 16 hex digits of the SHA-256 of the public key (SPKI DER): which key signed. */
    readonly keyId: string;
    readonly receiptsDir: string;
    readonly deletionsDir: string;
    /** The shop's age recipient (`age1…`) for counter backups; undefined for an older shop folder without one. */
    readonly backupRecipient: string | undefined;
    /** Its identity file (0600), which decrypts those backups. */
    readonly backupIdentityFile: string;
    sign(data: Uint8Array): string;
}

export function keyIdOf(publicKey: KeyObject): string {
    return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

/** Check an Ed25519 signature (base64) over data with a shop's public key. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signature: string): boolean {
    try {
        return verify(null, data, publicKey, Buffer.from(signature, 'base64'));
    } catch {
        return false;
    }
}

export async function initShop(dir: string, name: string, now: Date = new Date()): Promise<Shop> {
    if (name.trim() === '') throw ReviveError.of('shop-name-missing', {});
    if (existsSync(join(dir, SHOP_FILE)) || existsSync(join(dir, PRIVATE_KEY_FILE))) throw ReviveError.of('shop-exists', { dir });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const backupKey = generateIdentity();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writePrivateFile(join(dir, PRIVATE_KEY_FILE), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await writeFile(join(dir, PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
    await writePrivateFile(join(dir, BACKUP_IDENTITY_FILE), formatIdentityFile(backupKey, now));
    await writeFile(join(dir, BACKUP_RECIPIENT_FILE), `${backupKey.recipient}\n`);
    const info: z.infer<typeof ShopFile> = { version: 1, name: name.trim(), keyId: keyIdOf(publicKey), createdAt: now.toISOString(), backupRecipient: backupKey.recipient };
    await writeFile(join(dir, SHOP_FILE), `${JSON.stringify(info, null, 2)}\n`);
    await mkdir(join(dir, 'receipts'), { recursive: true });
    return openShop(dir);
}

export async function readPublicKey(path: string): Promise<KeyObject> {
    const text = await unreadableAs(readLimitedText(path, { what: 'public-key', maxBytes: 64 * 1024 }), (cause) => ReviveError.of('key-missing', { file: path, keyFile: PUBLIC_KEY_FILE }, { cause }));
    try {
        const key = createPublicKey(text);
        if (key.asymmetricKeyType !== 'ed25519') throw new Error(key.asymmetricKeyType);
        return key;
    } catch {
        throw ReviveError.of('key-invalid', { file: path, keyFile: PUBLIC_KEY_FILE });
    }
}

export async function openShop(dir: string): Promise<Shop> {
    let info: z.infer<typeof ShopFile>;
    try {
        info = ShopFile.parse(JSON.parse(await readFile(join(dir, SHOP_FILE), 'utf8')));
    } catch {
        throw ReviveError.of('shop-invalid', { dir, variant: 'file' });
    }
    let privateKey: KeyObject;
    try {
        privateKey = createPrivateKey(await readFile(join(dir, PRIVATE_KEY_FILE), 'utf8'));
    } catch {
        throw ReviveError.of('shop-invalid', { dir, variant: 'key' });
    }
    if (keyIdOf(createPublicKey(privateKey)) !== info.keyId) throw ReviveError.of('shop-invalid', { dir, variant: 'key-other', keyId: info.keyId });
    if (info.backupRecipient !== undefined) {
        try {
            parseRecipient(info.backupRecipient);
        } catch {
            throw ReviveError.of('shop-invalid', { dir, variant: 'recipient' });
        }
    }
    return {
        dir,
        name: info.name,
        keyId: info.keyId,
        receiptsDir: join(dir, 'receipts'),
        deletionsDir: join(dir, 'deletions'),
        backupRecipient: info.backupRecipient,
        backupIdentityFile: join(dir, BACKUP_IDENTITY_FILE),
        sign: (data) => sign(null, data, privateKey).toString('base64'),
    };
}

/** JSON with object keys sorted at every depth: the exact bytes a signature covers. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, inner: unknown) =>
        inner !== null && typeof inner === 'object' && !Array.isArray(inner)
            ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : inner,
    );
}

/** A signed document as stored: `{"document":…,"signature":{…}}` in canonical form, one line. */
export interface SignedDocument<T> {
    readonly document: T;
    readonly signature: { readonly alg: 'Ed25519'; readonly keyId: string; readonly value: string };
}

export function signDocument<T>(shop: Shop, document: T): string {
    const signed: SignedDocument<T> = { document, signature: { alg: 'Ed25519', keyId: shop.keyId, value: shop.sign(Buffer.from(canonicalJson(document))) } };
    return `${canonicalJson(signed)}\n`;
}

export type VerifyOutcome<T> = { readonly ok: true; readonly document: T } | { readonly ok: false; readonly reason: string };

/**
 * Whether the file's bytes are exactly a document signed by this key. The whole file must be in its
 * signed canonical form, so changing any byte (even whitespace) fails.
 */
export function verifyDocument<T>(bytes: Buffer, publicKey: KeyObject): VerifyOutcome<T> {
    let parsed: SignedDocument<T>;
    try {
        parsed = JSON.parse(bytes.toString('utf8')) as SignedDocument<T>;
    } catch {
        return { ok: false, reason: 'it is not valid JSON (it was changed or damaged).' };
    }
    if (!parsed || typeof parsed !== 'object' || !parsed.signature || typeof parsed.signature.value !== 'string') return { ok: false, reason: 'it carries no signature.' };
    if (`${canonicalJson(parsed)}\n` !== bytes.toString('utf8') || !Buffer.from(`${canonicalJson(parsed)}\n`).equals(bytes)) return { ok: false, reason: 'it is not in the exact form it was signed in (it was changed).' };
    if (parsed.signature.keyId !== keyIdOf(publicKey)) return { ok: false, reason: `it was signed by another key (${parsed.signature.keyId}), not this shop's (${keyIdOf(publicKey)}).` };
    if (!verifySignature(publicKey, Buffer.from(canonicalJson(parsed.document)), parsed.signature.value)) return { ok: false, reason: 'the signature does not match its contents (it was changed).' };
    return { ok: true, document: parsed.document };
}

/**
 * The keys a counter backup is encrypted with when the customer gives no passphrase: the shop's
 * recipient, and its identity to read the archive back before anything on the phone is erased.
 */
export async function shopBackupKeys(shop: Shop): Promise<{ readonly recipients: readonly AgeRecipient[]; readonly verifyWith: readonly AgeIdentity[] }> {
    if (!shop.backupRecipient) throw ReviveError.of('shop-no-backup-key', { variant: 'none', dir: shop.dir });
    let identities;
    try {
        identities = await readIdentityFile(shop.backupIdentityFile);
    } catch (error) {
        throw ReviveError.of('shop-no-backup-key', { variant: 'unreadable', dir: shop.dir }, { cause: error });
    }
    if (!identities.some((identity) => identity.recipient === shop.backupRecipient)) throw ReviveError.of('shop-no-backup-key', { variant: 'unreadable', dir: shop.dir });
    return {
        recipients: [{ kind: 'x25519', publicKey: parseRecipient(shop.backupRecipient) }],
        verifyWith: identities.map((identity): AgeIdentity => ({ kind: 'x25519', secretKey: identity.secretKey })),
    };
}
