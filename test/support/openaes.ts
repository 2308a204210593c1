/**
 * TWRP's openaes encryption written from its facts (see native/backup/twrp-openaes.ts), to make
 * encrypted TWRP files of any size in tests: 4064-byte pieces, each a frame of header, IV and
 * AES-CBC ciphertext, padded with 1, 2, … n only when not a multiple of 16; like the tool, each
 * frame's IV is the last ciphertext block of the frame before.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { openAesKey } from '../../native/backup/twrp-openaes.js';

const PIECE = 4064;

export function openAesEncrypt(plain: Uint8Array, password: string): Buffer {
    const key = openAesKey(password);
    const frames: Buffer[] = [];
    let iv = randomBytes(16);
    for (let at = 0; at < plain.length; at += PIECE) {
        const piece = Buffer.from(plain.subarray(at, Math.min(plain.length, at + PIECE)));
        const pad = piece.length % 16 === 0 ? 0 : 16 - (piece.length % 16);
        const header = Buffer.alloc(16);
        header.write('OAES', 0, 'latin1');
        header[4] = 1;
        header[5] = 2;
        header.writeUInt16LE(0x0a, 6);
        header[8] = pad > 0 ? 1 : 0;
        const padded = Buffer.concat([piece, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
        const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv).setAutoPadding(false);
        const body = Buffer.concat([cipher.update(padded), cipher.final()]);
        frames.push(header, iv, body);
        iv = body.subarray(body.length - 16);
    }
    return Buffer.concat(frames);
}
