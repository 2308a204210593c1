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
import { ByteQueue, SEALED_CHUNK_SIZE, StreamOpener, StreamSealer } from './stream.js';

export type { AgeIdentity, AgeRecipient } from './stanzas.js';
export { AgeFormatError, AgeTruncatedError } from './errors.js';
export { encodeIdentity, formatIdentityFile, generateIdentity, parseIdentityFile, parseRecipient, type X25519Identity } from './keys.js';

const NONCE_SIZE = 16;
/** Bytes buffered on either side of the encryptor: several chunks, so data moves in batches. */
const STREAM_BUFFER = 1 << 20;

/** The start of a new age file: its header (with the payload nonce) and the key its payload is sealed with. */
export interface AgeFileStart {
    readonly header: Buffer;
    readonly payloadKey: Uint8Array;
}

/** A new file key wrapped for every recipient (scrypt can take a second). */
export async function beginAgeFile(recipients: readonly AgeRecipient[]): Promise<AgeFileStart> {
    if (recipients.length === 0) throw ReviveError.of('age-no-recipient', {});
    if (recipients.some((r) => r.kind === 'scrypt') && recipients.length > 1) {
        throw ReviveError.of('age-passphrase-alone', {});
    }
    const fileKey = randomBytes(16);
    const stanzas = await Promise.all(recipients.map((r) => wrapFileKey(r, fileKey)));
    const nonce = randomBytes(NONCE_SIZE);
    return { header: Buffer.concat([writeHeader(stanzas, fileKey), nonce]), payloadKey: payloadKey(fileKey, nonce) };
}

/** A Transform from plaintext to an age file. The header (scrypt can take a second) is made first. */
export async function ageEncryptor(recipients: readonly AgeRecipient[]): Promise<Transform> {
    const start = await beginAgeFile(recipients);
    const sealer = new StreamSealer(start.payloadKey);
    const transform = new Transform({
        // Node's default 16 KiB is less than one chunk: every write would wait for a drain.
        writableHighWaterMark: STREAM_BUFFER,
        readableHighWaterMark: STREAM_BUFFER,
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
            sealer.update(chunk, (sealed) => this.push(sealed));
            callback();
        },
        flush(callback: TransformCallback) {
            sealer.final((sealed) => this.push(sealed));
            callback();
        },
    });
    transform.push(start.header);
    return transform;
}

async function fileKeyFor(header: ParsedHeader, identities: readonly AgeIdentity[]): Promise<Uint8Array> {
    const hasScrypt = header.stanzas.some((s) => s.type === 'scrypt');
    if (hasScrypt && header.stanzas.length > 1) throw new AgeFormatError('header', { variant: 'passphrase-mixed' });
    for (const identity of identities) {
        for (const stanza of header.stanzas) {
            const fileKey = await unwrapFileKey(identity, stanza);
            if (!fileKey) continue;
            if (fileKey.length !== 16) throw new AgeFormatError('header', { variant: 'file-key-size' });
            if (!macMatches(header, fileKey)) throw new AgeFormatError('header', { variant: 'mac-mismatch' });
            return fileKey;
        }
    }
    const wantsPassphrase = identities.some((i) => i.kind === 'scrypt');
    const isPassphrase = hasScrypt;
    throw noMatchingKey(wantsPassphrase && isPassphrase ? 'passphrase' : !wantsPassphrase && !isPassphrase ? 'identity' : 'mixed');
}

/**
 * Incremental decryption: `update` hands every chunk that authenticates to `out` before it throws
 * on the first one that does not, so a reader knows exactly how far the good bytes went.
 */
export class AgeDecryption {
    readonly #identities: readonly AgeIdentity[];
    readonly #pending = new ByteQueue();
    #headerBytes: Buffer = Buffer.alloc(0);
    #fileKey: Uint8Array | undefined;
    #opener: StreamOpener | undefined;

    constructor(identities: readonly AgeIdentity[]) {
        this.#identities = identities;
    }

    #drain(out: (plain: Buffer) => void): void {
        if (!this.#opener && this.#fileKey && this.#pending.length >= NONCE_SIZE) this.#opener = new StreamOpener(payloadKey(this.#fileKey, this.#pending.take(NONCE_SIZE)));
        if (!this.#opener) return;
        while (this.#pending.length > SEALED_CHUNK_SIZE) out(this.#opener.open(this.#pending.take(SEALED_CHUNK_SIZE), false));
    }

    async update(chunk: Buffer, out: (plain: Buffer) => void): Promise<void> {
        if (this.#fileKey) {
            this.#pending.push(chunk);
            this.#drain(out);
            return;
        }
        this.#headerBytes = this.#headerBytes.length === 0 ? chunk : Buffer.concat([this.#headerBytes, chunk]);
        const header = parseHeader(this.#headerBytes);
        if (!header) return;
        this.#fileKey = await fileKeyFor(header, this.#identities);
        this.#pending.push(this.#headerBytes.subarray(header.length));
        this.#headerBytes = Buffer.alloc(0);
        this.#drain(out);
    }

    final(out: (plain: Buffer) => void): void {
        if (!this.#fileKey) throw new AgeFormatError('header', { variant: 'ends-in-header' });
        if (!this.#opener) throw new AgeTruncatedError(0);
        out(this.#opener.open(this.#pending.takeAll(), true));
    }
}

/** A Transform from an age file to its plaintext; errors are ReviveErrors (AgeFormatError, AgeTruncatedError, wrong key). */
export function ageDecryptor(identities: readonly AgeIdentity[]): Transform {
    const decryption = new AgeDecryption(identities);
    return new Transform({
        transform(chunk: Buffer, _encoding, callback: TransformCallback) {
            decryption.update(chunk, (plain) => this.push(plain)).then(() => callback(), (error: unknown) => callback(error as Error));
        },
        flush(callback: TransformCallback) {
            try {
                decryption.final((plain) => this.push(plain));
                callback();
            } catch (error) {
                callback(error as Error);
            }
        },
    });
}
