/**
 * The age v1 text header (c2sp.org/age): version line, recipient stanzas (arguments plus a body in
 * unpadded base64 wrapped at 64 columns, ending with a line shorter than 64), and the MAC line
 * `--- <HMAC-SHA-256 over everything up to and including "---">`.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AgeFormatError } from './errors.js';

export const VERSION_LINE = 'age-encryption.org/v1';
/** Far beyond any real header; keeps a hostile file from making us buffer without end. */
export const MAX_HEADER_BYTES = 1 << 20;

export interface Stanza {
    readonly type: string;
    readonly args: readonly string[];
    readonly body: Uint8Array;
}

export function b64encode(data: Uint8Array): string {
    return Buffer.from(data).toString('base64').replace(/=+$/, '');
}

/** Which base64 field of the header a decoding error names (`errorFacts.ageFields`). */
export type Base64Field = 'mac' | 'stanza-body' | 'scrypt-salt' | 'x25519-share';

/** Canonical unpadded base64 only, as the spec requires of decoders. */
export function b64decode(text: string, what: Base64Field): Uint8Array {
    if (!/^[A-Za-z0-9+/]*$/.test(text)) throw new AgeFormatError('header', { variant: 'not-base64', field: what });
    const data = Buffer.from(text, 'base64');
    if (b64encode(data) !== text) throw new AgeFormatError('header', { variant: 'not-canonical', field: what });
    return new Uint8Array(data);
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32));
}

export function headerMac(fileKey: Uint8Array, headerUpToDashes: string): Uint8Array {
    const key = hkdf(fileKey, new Uint8Array(0), 'header');
    return new Uint8Array(createHmac('sha256', key).update(headerUpToDashes, 'latin1').digest());
}

export function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Uint8Array {
    return hkdf(fileKey, nonce, 'payload');
}

export { hkdf };

function stanzaText(stanza: Stanza): string {
    const body = b64encode(stanza.body);
    const lines: string[] = [];
    for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
    if (body.length % 64 === 0) lines.push('');
    return `-> ${[stanza.type, ...stanza.args].join(' ')}\n${lines.join('\n')}\n`;
}

/** The header's bytes, MAC'd with the file key. */
export function writeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Buffer {
    const upToDashes = `${VERSION_LINE}\n${stanzas.map(stanzaText).join('')}---`;
    return Buffer.from(`${upToDashes} ${b64encode(headerMac(fileKey, upToDashes))}\n`, 'latin1');
}

export interface ParsedHeader {
    readonly stanzas: readonly Stanza[];
    /** The header up to and including `---`: what the MAC covers. */
    readonly macInput: string;
    readonly mac: Uint8Array;
    /** Bytes the header took; the payload starts here. */
    readonly length: number;
}

/**
 * Parse a header from the start of `data`. Returns undefined when more bytes are needed (no MAC
 * line yet); throws AgeFormatError when the bytes cannot be an age v1 header.
 */
export function parseHeader(data: Buffer): ParsedHeader | undefined {
    const stanzas: Stanza[] = [];
    let pos = 0;
    const nextLine = (): string | undefined => {
        const end = data.indexOf(0x0a, pos);
        if (end < 0) {
            if (data.length - pos > MAX_HEADER_BYTES) throw new AgeFormatError('header', { variant: 'line-too-long' });
            return undefined;
        }
        const line = data.toString('latin1', pos, end);
        pos = end + 1;
        return line;
    };
    const version = nextLine();
    if (version === undefined) {
        if (data.length > 0 && !VERSION_LINE.startsWith(data.toString('latin1', 0, Math.min(data.length, VERSION_LINE.length)))) {
            throw new AgeFormatError('header', { variant: 'not-age' });
        }
        return undefined;
    }
    if (version !== VERSION_LINE) throw new AgeFormatError('header', version.startsWith('age-encryption.org/') ? { variant: 'version', version } : { variant: 'not-age' });
    for (;;) {
        const line = nextLine();
        if (line === undefined) return undefined;
        if (line.startsWith('--- ')) {
            if (stanzas.length === 0) throw new AgeFormatError('header', { variant: 'no-stanza' });
            const mac = b64decode(line.slice(4), 'mac');
            if (mac.length !== 32) throw new AgeFormatError('header', { variant: 'mac-size' });
            const macInput = data.toString('latin1', 0, pos - line.length - 1) + '---';
            return { stanzas, macInput, mac, length: pos };
        }
        if (!line.startsWith('-> ')) throw new AgeFormatError('header', { variant: 'bad-line' });
        const [type, ...args] = line.slice(3).split(' ');
        if (!type || args.some((a) => a === '') || ![type, ...args].every((a) => /^[\x21-\x7e]+$/.test(a))) throw new AgeFormatError('header', { variant: 'bad-arguments' });
        const bodyLines: string[] = [];
        for (;;) {
            const bodyLine = nextLine();
            if (bodyLine === undefined) return undefined;
            if (bodyLine.length > 64) throw new AgeFormatError('header', { variant: 'body-line-long' });
            bodyLines.push(bodyLine);
            if (bodyLine.length < 64) break;
        }
        stanzas.push({ type, args, body: b64decode(bodyLines.join(''), 'stanza-body') });
        if (pos > MAX_HEADER_BYTES) throw new AgeFormatError('header', { variant: 'header-too-long' });
    }
}

export function macMatches(header: ParsedHeader, fileKey: Uint8Array): boolean {
    return timingSafeEqual(headerMac(fileKey, header.macInput), header.mac);
}
