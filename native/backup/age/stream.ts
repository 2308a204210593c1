/**
 * age's payload: STREAM over ChaCha20-Poly1305 in 64 KiB chunks, nonce = 11-byte big-endian chunk
 * counter || last-chunk flag. One chunk is held back until more data (or the end) shows whether
 * it is the last, because a final chunk may be a full 64 KiB. Memory stays at a few chunks.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { AgeFormatError, AgeTruncatedError } from './errors.js';

export const CHUNK_SIZE = 64 * 1024;
export const TAG_SIZE = 16;
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;

/** Bytes waiting to be cut into chunks, without re-concatenating the whole queue on every write. */
export class ByteQueue {
    #parts: Buffer[] = [];
    #length = 0;

    get length(): number {
        return this.#length;
    }

    push(data: Buffer): void {
        if (data.length === 0) return;
        this.#parts.push(data);
        this.#length += data.length;
    }

    /** Remove and return the first `n` bytes (n <= length). */
    take(n: number): Buffer {
        const first = this.#parts[0];
        if (first && first.length >= n) {
            const out = first.subarray(0, n);
            if (first.length === n) this.#parts.shift();
            else this.#parts[0] = first.subarray(n);
            this.#length -= n;
            return out;
        }
        const out = Buffer.allocUnsafe(n);
        let filled = 0;
        while (filled < n) {
            const part = this.#parts[0] as Buffer;
            const use = Math.min(part.length, n - filled);
            part.copy(out, filled, 0, use);
            filled += use;
            if (use === part.length) this.#parts.shift();
            else this.#parts[0] = part.subarray(use);
        }
        this.#length -= n;
        return out;
    }

    takeAll(): Buffer {
        return this.take(this.#length);
    }
}

function chunkNonce(counter: bigint, last: boolean, nonce = Buffer.alloc(12)): Buffer {
    // 11-byte big-endian counter: the top 3 bytes stay zero for any file that fits on a disk.
    nonce.writeBigUInt64BE(counter, 3);
    nonce[11] = last ? 1 : 0;
    return nonce;
}

/**
 * The sending side of STREAM: plaintext in any slicing, sealed chunks out. Bytes are gathered in
 * one chunk-sized buffer (a copy far cheaper than the cipher) so each chunk is one cipher call;
 * a full chunk waits until more bytes (or the end) show whether it is the last.
 */
export class StreamSealer {
    readonly #key: Uint8Array;
    readonly #nonce = Buffer.alloc(12);
    readonly #chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    #filled = 0;
    #counter = 0n;

    constructor(key: Uint8Array) {
        this.#key = key;
    }

    #seal(last: boolean, out: (sealed: Buffer) => void): void {
        // createCipheriv copies key and nonce: the nonce buffer is reused for the next chunk.
        const cipher = createCipheriv('chacha20-poly1305', this.#key, chunkNonce(this.#counter++, last, this.#nonce), { authTagLength: TAG_SIZE });
        out(cipher.update(this.#chunk.subarray(0, this.#filled)));
        cipher.final();
        out(cipher.getAuthTag());
        this.#filled = 0;
    }

    /** Hand every chunk that is known not to be the last to `out` (ciphertext, then its tag). */
    update(plain: Uint8Array, out: (sealed: Buffer) => void): void {
        let offset = 0;
        while (offset < plain.length) {
            if (this.#filled === CHUNK_SIZE) this.#seal(false, out);
            const take = Math.min(CHUNK_SIZE - this.#filled, plain.length - offset);
            this.#chunk.set(plain.subarray(offset, offset + take), this.#filled);
            this.#filled += take;
            offset += take;
        }
    }

    /** Seal what is left as the last chunk (possibly empty, for an empty file). */
    final(out: (sealed: Buffer) => void): void {
        this.#seal(true, out);
    }
}

export class StreamOpener {
    readonly #key: Uint8Array;
    #counter = 0n;
    #plaintextBytes = 0;

    constructor(key: Uint8Array) {
        this.#key = key;
    }

    get plaintextBytes(): number {
        return this.#plaintextBytes;
    }

    #try(sealed: Buffer, counter: bigint, last: boolean): Buffer | undefined {
        const decipher = createDecipheriv('chacha20-poly1305', this.#key, chunkNonce(counter, last), { authTagLength: TAG_SIZE });
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_SIZE));
        try {
            return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_SIZE)), decipher.final()]);
        } catch {
            return undefined;
        }
    }

    /**
     * Open one sealed chunk. A chunk that fails is tried with the other last-flag so the error can
     * say what happened: a cut-short file (a middle chunk where the last should be), data after the
     * end, or changed bytes.
     */
    open(sealed: Buffer, last: boolean): Buffer {
        const counter = this.#counter;
        if (sealed.length < TAG_SIZE || (sealed.length === TAG_SIZE && !(last && counter === 0n))) {
            throw last ? new AgeTruncatedError(this.#plaintextBytes) : new AgeFormatError('payload', { variant: 'chunk-short' });
        }
        const plain = this.#try(sealed, counter, last);
        if (!plain) {
            const other = this.#try(sealed, counter, !last);
            const at = { chunk: Number(counter), plaintextOffset: this.#plaintextBytes };
            if (other && last) throw new AgeTruncatedError(this.#plaintextBytes + other.length);
            if (other) throw new AgeFormatError('payload', { variant: 'bytes-after-final', ...at });
            if (last) throw new AgeFormatError('payload', { variant: 'last-chunk-auth', ...at });
            throw new AgeFormatError('payload', { variant: 'chunk-auth', ...at, to: this.#plaintextBytes + sealed.length - TAG_SIZE });
        }
        if (last && plain.length === 0 && counter > 0n) throw new AgeFormatError('payload', { variant: 'final-empty' });
        this.#counter++;
        this.#plaintextBytes += plain.length;
        return plain;
    }
}
