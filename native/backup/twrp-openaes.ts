/**
 * TWRP's own encrypted backups ("Encrypt backup" with a password). Facts, from TeamWin
 * android_bootable_recovery (twrpTar.cpp, twrp-functions.cpp Try_Decrypting_File, openaes/src/oaes.c
 * and oaes_lib.c, OpenAES 0.7.0):
 *
 * - TWRP pipes a backup's tar (or its pigz output) through `openaes enc --key PASSWORD`; with data
 *   encryption on, app/ and dalvik/ stay in a plain `.win000` and the rest goes to encrypted parts.
 * - The key is the password's bytes written over a 32-byte buffer that holds 1, 2, … 32, cut to 16
 *   bytes for a password of up to 16 bytes (AES-128), 24 up to 24 (AES-192), else 32 (AES-256; a
 *   longer password is cut to its first 32 bytes). No key derivation, no salt.
 * - The tool encrypts its input 4064 bytes at a time; each piece is a frame of its own: a 16-byte
 *   header (`OAES`, version 1, type 2, the options as a little-endian u16 — CBC 0x02, with the
 *   library's STEP_OFF bit 0x08 set in TWRP's build —, flags: 0x01 when padded, 7 zero bytes), a
 *   16-byte IV, then the AES-CBC ciphertext. So every frame but the last is 4096 bytes.
 * - A piece that is not a multiple of 16 is padded with the bytes 1, 2, … n (n ≤ 15), flag 0x01; an
 *   aligned piece is not padded.
 * - There is no integrity check. TWRP tells a right password from a wrong one by the first frame:
 *   it must decrypt to gzip's magic (1f 8b, a compressed backup) or to a tar header (`ustar` at 257).
 *   TWRP's .sha2/.md5 digest files are of the encrypted file as stored.
 */
import { createDecipheriv } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { ReviveError } from '../jobs/errors.js';

export const OAES_MAGIC = Buffer.from('OAES', 'latin1');
const BLOCK = 16;
const HEADER = 2 * BLOCK;
/** A full frame: header, IV and 4064 bytes of ciphertext (the tool's read size). */
export const OAES_FRAME = 4096;
const OPTION_ECB = 0x01;
const OPTION_CBC = 0x02;
const OPTION_DEBUG_STEPS = 0x04 | 0x08;
const FLAG_PAD = 0x01;

/** Whether a file starts as an openaes frame does (TWRP checks only `OA`; the whole magic is surer). */
export function isOpenAes(start: Uint8Array): boolean {
    return start.length >= OAES_MAGIC.length && OAES_MAGIC.equals(start.subarray(0, OAES_MAGIC.length));
}

/** The AES key TWRP's openaes makes of a password. */
export function openAesKey(password: string): Buffer {
    const bytes = Buffer.from(password, 'utf8');
    const buffer = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1));
    bytes.copy(buffer, 0, 0, Math.min(32, bytes.length));
    return buffer.subarray(0, bytes.length <= 16 ? 16 : bytes.length <= 24 ? 24 : 32);
}

function damagedFrame(file: string, offset: number, variant: 'header' | 'length' | 'padding'): ReviveError {
    return ReviveError.of('twrp-encrypted-damaged', { variant, file, offset });
}

/** One frame's plaintext; `offset` (of the frame in the file) names the place of damage. */
export function decryptFrame(frame: Buffer, key: Buffer, file: string, offset: number): Buffer {
    if (frame.length < HEADER + BLOCK || (frame.length - HEADER) % BLOCK !== 0) throw damagedFrame(file, offset, 'length');
    const options = frame.readUInt16LE(6);
    const flags = frame[8] ?? 0;
    if (!isOpenAes(frame) || frame[4] !== 1 || frame[5] !== 2 || (options & OPTION_CBC) === 0 || (options & ~(OPTION_ECB | OPTION_CBC | OPTION_DEBUG_STEPS)) !== 0 || (options & OPTION_ECB) !== 0 || (flags & ~FLAG_PAD) !== 0) {
        throw damagedFrame(file, offset, 'header');
    }
    const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, frame.subarray(BLOCK, HEADER)).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(frame.subarray(HEADER)), decipher.final()]);
    if ((flags & FLAG_PAD) === 0) return plain;
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > 15) throw damagedFrame(file, offset, 'padding');
    for (let i = 0; i < pad; i++) if (plain[plain.length - 1 - i] !== pad - i) throw damagedFrame(file, offset, 'padding');
    return plain.subarray(0, plain.length - pad);
}

/** TWRP's own password check: the first frame must decrypt to gzip's magic or a tar header. */
export function looksDecrypted(plain: Uint8Array): boolean {
    if (plain.length >= 2 && plain[0] === 0x1f && plain[1] === 0x8b) return true;
    return plain.length >= 262 && Buffer.from(plain.subarray(257, 262)).toString('latin1') === 'ustar';
}

/**
 * The plaintext size of an encrypted TWRP file, and whether the password opens it: the first and
 * the last frame are decrypted (each frame stands alone), every frame between is 4064 bytes.
 */
export async function openAesPlainSize(path: string, name: string, password: string): Promise<number> {
    const key = openAesKey(password);
    const handle = await open(path, 'r');
    try {
        const { size } = await handle.stat();
        const read = async (at: number, length: number): Promise<Buffer> => {
            const buffer = Buffer.alloc(length);
            const { bytesRead } = await handle.read(buffer, 0, length, at);
            return buffer.subarray(0, bytesRead);
        };
        if (size === 0) return 0;
        const lastStart = Math.floor((size - 1) / OAES_FRAME) * OAES_FRAME;
        let first: Buffer;
        try {
            first = decryptFrame(await read(0, Math.min(OAES_FRAME, size)), key, name, 0);
        } catch (error) {
            // A wrong key garbles the padding of a short only frame: that is the password, not damage.
            if (error instanceof ReviveError && error.code === 'twrp-encrypted-damaged' && error.facts['variant'] === 'padding') throw ReviveError.of('twrp-password-wrong', { file: name });
            throw error;
        }
        if (!looksDecrypted(first)) throw ReviveError.of('twrp-password-wrong', { file: name });
        const last = lastStart === 0 ? first : decryptFrame(await read(lastStart, size - lastStart), key, name, lastStart);
        return (lastStart / OAES_FRAME) * (OAES_FRAME - HEADER) + last.length;
    } finally {
        await handle.close();
    }
}

/** A stream of openaes frames in, their plaintext out (one frame in memory at a time). */
export function openAesDecryptor(password: string, name: string): Transform {
    const key = openAesKey(password);
    let pending: Buffer = Buffer.alloc(0);
    let offset = 0;
    let first = true;
    const emit = (self: Transform, frame: Buffer): void => {
        const plain = decryptFrame(frame, key, name, offset);
        if (first && !looksDecrypted(plain)) throw ReviveError.of('twrp-password-wrong', { file: name });
        first = false;
        offset += frame.length;
        self.push(plain);
    };
    return new Transform({
        transform(chunk: Buffer, _encoding, done: TransformCallback) {
            try {
                pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
                let at = 0;
                while (pending.length - at >= OAES_FRAME) {
                    emit(this, pending.subarray(at, at + OAES_FRAME));
                    at += OAES_FRAME;
                }
                pending = pending.subarray(at);
                done();
            } catch (error) {
                done(error as Error);
            }
        },
        flush(done: TransformCallback) {
            try {
                if (pending.length > 0) emit(this, pending);
                done();
            } catch (error) {
                done(error as Error);
            }
        },
    });
}
