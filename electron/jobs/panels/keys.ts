/** OpenPGP panel jobs: create, rotate and revoke keys, writing every file 0600. */
import { join } from 'node:path';
import { readLimitedText, unreadableAs } from '../../../native/files/read-limited.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import {
    REVOCATION_ADVICE,
    createKeyPair,
    createRevocation,
    rotateKey,
    type CreateKeyOptions,
    type KeyInfo,
    type RevocationReason,
} from '../../../native/panels/openpgp.js';
import type { PassphraseStrength } from '../../../native/panels/passphrase.js';
import { writePrivateFile } from '../../../native/jobs/private-files.js';
import { runPanelJob, type PanelJobOptions } from './job.js';

export interface KeyFiles {
    readonly publicKey: string;
    readonly secretKey: string;
    readonly revocation: string;
}

export interface CreateKeysResult {
    readonly jobId: string;
    readonly key: KeyInfo;
    readonly files: KeyFiles;
    readonly passphraseStrength: PassphraseStrength;
    /** Tell the person this, next to the revocation file's path. */
    readonly revocationAdvice: string;
}

export interface RotateKeysResult extends CreateKeysResult {
    readonly oldKey: KeyInfo;
    readonly oldKeyRevocation: string;
    readonly transitionStatement: string;
}

/** File names: `<base>.pub.asc`, `<base>.sec.asc`, `<base>.rev.asc`; base defaults to the long key ID. */
function keyFiles(outDir: string, base: string): KeyFiles {
    return { publicKey: join(outDir, `${base}.pub.asc`), secretKey: join(outDir, `${base}.sec.asc`), revocation: join(outDir, `${base}.rev.asc`) };
}

function keyFacts(key: KeyInfo): Record<string, string | string[] | null> {
    return { fingerprint: key.fingerprint, algorithm: key.algorithm, userIds: [...key.userIds], expiresAt: key.expiresAt };
}

/** An armored OpenPGP key, even one with many signatures, is far smaller. */
export const OPENPGP_KEY_MAX_BYTES = 1024 * 1024;

async function readKeyFile(path: string, what: 'secret' | 'old-secret'): Promise<string> {
    return unreadableAs(readLimitedText(path, { what: 'openpgp-key', maxBytes: OPENPGP_KEY_MAX_BYTES }), (cause) => ReviveError.of('key-file-unreadable', { variant: what, file: path }, { cause }));
}

export async function createKeysJob(input: CreateKeyOptions & { readonly outDir: string; readonly baseName?: string | undefined }, options: PanelJobOptions = {}): Promise<CreateKeysResult> {
    return runPanelJob('keys-create', { outDir: input.outDir, algorithm: input.algorithm ?? 'curve25519', expiresInDays: input.expiresInDays ?? 0, identities: input.userIds.length }, options, async (job) => {
        const bundle = await job.step('generate', 'Create the key pair', async () => {
            const value = await createKeyPair(input);
            return { value, detail: `Created ${value.algorithm} key ${value.fingerprint}.`, data: keyFacts(value) };
        });
        const files = keyFiles(input.outDir, input.baseName ?? bundle.keyId);
        await job.step('save', 'Save the keys and the revocation certificate', async () => {
            await writePrivateFile(files.publicKey, bundle.publicKeyArmored);
            await writePrivateFile(files.secretKey, bundle.secretKeyArmored);
            await writePrivateFile(files.revocation, bundle.revocationCertificate);
            return { value: undefined, detail: `Saved ${files.publicKey}, ${files.secretKey} and ${files.revocation} (readable only by you).`, data: { ...files } };
        });
        const key: KeyInfo = { fingerprint: bundle.fingerprint, keyId: bundle.keyId, userIds: bundle.userIds, algorithm: bundle.algorithm, createdAt: bundle.createdAt, expiresAt: bundle.expiresAt };
        return { jobId: job.jobId, key, files, passphraseStrength: bundle.passphraseStrength, revocationAdvice: REVOCATION_ADVICE };
    }, (r) => `Key ${r.key.fingerprint} created; revocation certificate at ${r.files.revocation}.`);
}

export async function rotateKeysJob(
    input: { readonly oldSecretKeyPath: string; readonly oldPassphrase: string; readonly newKey: CreateKeyOptions; readonly outDir: string },
    options: PanelJobOptions = {},
): Promise<RotateKeysResult> {
    return runPanelJob('keys-rotate', { oldSecretKeyPath: input.oldSecretKeyPath, outDir: input.outDir, algorithm: input.newKey.algorithm ?? 'curve25519' }, options, async (job) => {
        const oldArmored = await readKeyFile(input.oldSecretKeyPath, 'old-secret');
        const rotation = await job.step('rotate', 'Create the new key, certify it with the old key, revoke the old key', async () => {
            const value = await rotateKey({ oldSecretKeyArmored: oldArmored, oldPassphrase: input.oldPassphrase, newKey: input.newKey });
            return { value, detail: `New key ${value.newKey.fingerprint} certified by old key ${value.oldKey.fingerprint}; old key revoked as superseded.`, data: { old: keyFacts(value.oldKey), new: keyFacts(value.newKey) } };
        });
        const files = keyFiles(input.outDir, rotation.newKey.keyId);
        const oldKeyRevocation = join(input.outDir, `${rotation.oldKey.keyId}.superseded.rev.asc`);
        const transitionStatement = join(input.outDir, `${rotation.newKey.keyId}.transition.txt.asc`);
        await job.step('save', 'Save the new key, the old key\'s revocation and the statement for contacts', async () => {
            await writePrivateFile(files.publicKey, rotation.newKey.publicKeyArmored);
            await writePrivateFile(files.secretKey, rotation.newKey.secretKeyArmored);
            await writePrivateFile(files.revocation, rotation.newKey.revocationCertificate);
            await writePrivateFile(oldKeyRevocation, rotation.oldKeyRevocation);
            await writePrivateFile(transitionStatement, rotation.transitionStatement);
            return { value: undefined, detail: `Saved the new key files, ${oldKeyRevocation} and ${transitionStatement}.`, data: { ...files, oldKeyRevocation, transitionStatement } };
        });
        return {
            jobId: job.jobId,
            key: rotation.newKey,
            oldKey: rotation.oldKey,
            files,
            oldKeyRevocation,
            transitionStatement,
            passphraseStrength: rotation.newKey.passphraseStrength,
            revocationAdvice: REVOCATION_ADVICE,
        };
    }, (r) => `Rotated ${r.oldKey.fingerprint} to ${r.key.fingerprint}.`);
}

export async function revokeKeyJob(
    input: { readonly secretKeyPath: string; readonly passphrase: string; readonly reason: RevocationReason; readonly text?: string | undefined; readonly outDir: string },
    options: PanelJobOptions = {},
): Promise<{ readonly jobId: string; readonly key: KeyInfo; readonly revocation: string }> {
    return runPanelJob('keys-revoke', { secretKeyPath: input.secretKeyPath, reason: input.reason, outDir: input.outDir }, options, async (job) => {
        const armored = await readKeyFile(input.secretKeyPath, 'secret');
        const { key, revocationCertificate } = await job.step('revoke', 'Make the revocation certificate', async () => {
            const value = await createRevocation(armored, input.passphrase, input.reason, input.text ?? '');
            return { value, detail: `Revocation (${input.reason}) made for ${value.key.fingerprint}.`, data: { fingerprint: value.key.fingerprint, reason: input.reason } };
        });
        const revocation = join(input.outDir, `${key.keyId}.${input.reason}.rev.asc`);
        await job.step('save', 'Save the revocation certificate', async () => {
            await writePrivateFile(revocation, revocationCertificate);
            return { value: undefined, detail: `Saved ${revocation}.`, data: { revocation } };
        });
        return { jobId: job.jobId, key, revocation };
    }, (r) => `Revocation for ${r.key.fingerprint} saved at ${r.revocation}.`);
}
