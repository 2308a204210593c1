/**
 * age v1 (c2sp.org/age) as Node streams: `ageEncryptor` turns plaintext into an age file for
 * X25519 recipients or one passphrase, `ageDecryptor` turns an age file back into plaintext and
 * fails — naming the header or the payload — on a wrong key, a cut-short file or a changed byte.
 * Files interoperate with the `age`/`rage` tools (`age -d -i key.txt`, `age -d` with a passphrase).
 */
import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ReviveError } from '../../jobs/errors.js';
import { AgeFormatError, AgeTruncatedError, noMatchingKey } from './errors.js';
import { macMatches, parseHeader, payloadKey, writeHeader, type ParsedHeader } from './header.js';
import { unwrapFileKey, wrapFileKey, type AgeIdentity, type AgeRecipient } from './stanzas.js';
import { ByteQueue, CHUNK_SIZE, SEALED_CHUNK_SIZE, StreamOpener, StreamSealer } from './stream.js';

export type { AgeIdentity, AgeRecipient } from './stanzas.js';
export { AgeFormatError, AgeTruncatedError } from './errors.js';
export { encodeIdentity, formatIdentityFile, generateIdentity, parseIdentityFile, parseRecipient, type X25519Identity } from './keys.js';

const NONCE_SIZE = 16;

/** A Transform from plaintext to an age file. The header (scrypt can take a second) is made first. */
export async function ageEncryptor(recipients: readonly AgeRecipient[]): Promise<Transform> {
    if (recipients.length === 0) throw new ReviveError({ code: 'age-no-recipient', message: 'No recipient and no passphrase to encrypt the backup to.', nextStep: 'Give a passphrase (file) or at least one age1… recipient.' });
    if (recipients.some((r) => r.kind === 'scrypt') && recipients.length > 1) {
        throw new ReviveError({ code: 'age-passphrase-alone', message: 'A passphrase cannot be combined with other recipients in one age file.', nextStep: 'Use either one passphrase or one or more age1… recipients.' });
    }
    const fileKey = randomBytes(16);
    const stanzas = await Promise.all(recipients.map((r) => wrapFileKey(r, fileKey)));
    const nonce = randomBytes(NONCE_SIZE);
    const sealer = new StreamSealer(payloadKey(fileKey, nonce));
    const pending = new ByteQueue();
    const transform = new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
            pending.push(chunk);
            // Strictly more than a chunk: the held-back chunk might be the last one.
            while (pending.length > CHUNK_SIZE) this.push(sealer.seal(pending.take(CHUNK_SIZE), false));
            callback();
        },
        flush(callback: TransformCallback) {
            this.push(sealer.seal(pending.takeAll(), true));
            callback();
        },
    });
    transform.push(Buffer.concat([writeHeader(stanzas, fileKey), nonce]));
    return transform;
}

async function fileKeyFor(header: ParsedHeader, identities: readonly AgeIdentity[]): Promise<Uint8Array> {
    const hasScrypt = header.stanzas.some((s) => s.type === 'scrypt');
    if (hasScrypt && header.stanzas.length > 1) throw new AgeFormatError('header', 'a passphrase stanza is mixed with other stanzas');
    for (const identity of identities) {
        for (const stanza of header.stanzas) {
            const fileKey = await unwrapFileKey(identity, stanza);
            if (!fileKey) continue;
            if (fileKey.length !== 16) throw new AgeFormatError('header', 'the file key is not 16 bytes');
            if (!macMatches(header, fileKey)) throw new AgeFormatError('header', 'its MAC does not match (the header was changed)');
            return fileKey;
        }
    }
    const wantsPassphrase = identities.some((i) => i.kind === 'scrypt');
    const isPassphrase = hasScrypt;
    throw noMatchingKey(wantsPassphrase && isPassphrase ? 'passphrase' : !wantsPassphrase && !isPassphrase ? 'identity' : 'mixed');
}

/** A Transform from an age file to its plaintext; errors are ReviveErrors (AgeFormatError, AgeTruncatedError, wrong key). */
export function ageDecryptor(identities: readonly AgeIdentity[]): Transform {
    const pending = new ByteQueue();
    let opener: StreamOpener | undefined;
    let headerBytes: Buffer = Buffer.alloc(0);
    let fileKey: Uint8Array | undefined;

    const drain = (stream: Transform): void => {
        if (!opener && fileKey && pending.length >= NONCE_SIZE) opener = new StreamOpener(payloadKey(fileKey, pending.take(NONCE_SIZE)));
        if (!opener) return;
        while (pending.length > SEALED_CHUNK_SIZE) stream.push(opener.open(pending.take(SEALED_CHUNK_SIZE), false));
    };

    return new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
            if (fileKey) {
                pending.push(chunk);
                try {
                    drain(this);
                    callback();
                } catch (error) {
                    callback(error as Error);
                }
                return;
            }
            headerBytes = headerBytes.length === 0 ? chunk : Buffer.concat([headerBytes, chunk]);
            let header: ParsedHeader | undefined;
            try {
                header = parseHeader(headerBytes);
            } catch (error) {
                callback(error as Error);
                return;
            }
            if (!header) {
                callback();
                return;
            }
            const parsed = header;
            fileKeyFor(parsed, identities).then(
                (key) => {
                    fileKey = key;
                    pending.push(headerBytes.subarray(parsed.length));
                    headerBytes = Buffer.alloc(0);
                    try {
                        drain(this);
                        callback();
                    } catch (error) {
                        callback(error as Error);
                    }
                },
                (error: unknown) => callback(error as Error),
            );
        },
        flush(callback: TransformCallback) {
            try {
                if (!fileKey) throw new AgeFormatError('header', 'the file ends inside its header');
                if (!opener) throw new AgeTruncatedError(0);
                this.push(opener.open(pending.takeAll(), true));
                callback();
            } catch (error) {
                callback(error as Error);
            }
        },
    });
}
