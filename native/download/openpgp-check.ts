/** A publisher's detached OpenPGP signature (`.asc`), checked with openpgp against a pinned fingerprint. */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import type { OpenPgpSigner } from './signers.js';

/** Read an armored public key and return it only if its primary fingerprint is the pinned one. */
export async function pinnedKey(armored: string, signer: OpenPgpSigner): Promise<openpgp.PublicKey | string> {
    let key: openpgp.PublicKey;
    try {
        key = await openpgp.readKey({ armoredKey: armored });
    } catch {
        return `the key served for ${signer.name} is not an OpenPGP key`;
    }
    const fingerprint = key.getFingerprint().toLowerCase();
    return fingerprint === signer.fingerprint ? key : `the key served for ${signer.name} has fingerprint ${fingerprint}, not the pinned ${signer.fingerprint}`;
}

/** Verify `signatureArmored` over the file at `path` with `key`. Returns null when good, else why not. */
export async function checkDetachedSignature(path: string, signatureArmored: string, key: openpgp.PublicKey): Promise<string | null> {
    let signature: openpgp.Signature;
    try {
        signature = await openpgp.readSignature({ armoredSignature: signatureArmored });
    } catch {
        return 'the signature file is not an OpenPGP signature';
    }
    const data = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
    const message = await openpgp.createMessage({ binary: data });
    const result = await openpgp.verify({ message, signature, verificationKeys: key, format: 'binary', expectSigned: false });
    // With a streamed message the data must be read through before the verdict is known.
    const reader = (result.data as ReadableStream<Uint8Array>).getReader();
    while (!(await reader.read()).done) {
        /* drain */
    }
    const first = result.signatures[0];
    if (!first) return 'the signature file holds no signature';
    try {
        await first.verified;
        return null;
    } catch (error) {
        return `the signature does not match the file (${error instanceof Error ? error.message : String(error)})`;
    }
}
