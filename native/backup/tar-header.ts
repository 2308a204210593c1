/**
 * The tar framing of a backup archive: a ustar header per file (a pax header first where ustar
 * cannot hold the name), the data padded to 512 bytes, two zero blocks at the end — byte for byte
 * as tar-stream's pack wrote it, so archives read the same by `tar x`, by tar-stream's extract
 * (archive-reader.ts) and by the tests. Written here rather than through tar-stream's pack, whose
 * streams held every chunk until it had passed through them: with the bytes handed straight to
 * the sealer, which copies them before returning, the reader's buffers can be reused.
 */

export const TAR_BLOCK = 512;
/** The end of an archive: two zero blocks. */
export const TAR_END: Uint8Array = new Uint8Array(2 * TAR_BLOCK);

/** ustar's header fields: offset and length in bytes. */
const FIELD = {
    name: { at: 0, length: 100 },
    mode: { at: 100, length: 8 },
    uid: { at: 108, length: 8 },
    gid: { at: 116, length: 8 },
    size: { at: 124, length: 12 },
    mtime: { at: 136, length: 12 },
    checksum: { at: 148, length: 8 },
    typeflag: { at: 156, length: 1 },
    magic: { at: 257, length: 6 },
    version: { at: 263, length: 2 },
    devmajor: { at: 329, length: 8 },
    devminor: { at: 337, length: 8 },
    prefix: { at: 345, length: 155 },
} as const;
type Field = (typeof FIELD)[keyof typeof FIELD];

const TYPE_FILE = '0';
const TYPE_PAX = 'x';
const MAGIC = 'ustar\0';
const VERSION = '00';
/** The name tar-stream gives a pax header and the entry after it (the real name is in the pax record). */
const PAX_NAME = 'PaxHeader';
const MODE_BITS = 0o7777;

export interface TarFile {
    /** Path inside the archive, with `/`. */
    readonly name: string;
    readonly size: number;
    readonly mode: number;
    readonly mtime: Date;
}

function put(block: Uint8Array, field: Field, text: string): void {
    block.set(Buffer.from(text, 'latin1').subarray(0, field.length), field.at);
}

/** `digits` octal digits and a space, as tar-stream writes numbers (all sevens when it does not fit). */
function octal(block: Uint8Array, field: Field, value: number, digits = field.length - 2): void {
    const text = value.toString(8);
    put(block, field, text.length > digits ? `${'7'.repeat(digits)} ` : `${text.padStart(digits, '0')} `);
}

/** A size past 11 octal digits (8 GiB) in base-256: 0x80, then the number big-endian. */
function size(block: Uint8Array, value: number): void {
    if (value.toString(8).length <= 11) {
        octal(block, FIELD.size, value, 11);
        return;
    }
    block[FIELD.size.at] = 0x80;
    let rest = value;
    for (let i = FIELD.size.length - 1; i > 0; i--) {
        block[FIELD.size.at + i] = rest % 256;
        rest = Math.floor(rest / 256);
    }
}

/** The name split into ustar's prefix and name at a `/`, or undefined where ustar cannot hold it. */
function ustarName(name: string): { prefix: string; name: string } | undefined {
    // Only ASCII in a ustar field; anything else goes into a pax record, as UTF-8.
    if (Buffer.byteLength(name) !== name.length) return undefined;
    let rest = name;
    let prefix = '';
    while (rest.length > FIELD.name.length) {
        const slash = rest.indexOf('/');
        if (slash === -1) return undefined;
        prefix += prefix ? `/${rest.slice(0, slash)}` : rest.slice(0, slash);
        rest = rest.slice(slash + 1);
    }
    return prefix.length > FIELD.prefix.length ? undefined : { prefix, name: rest };
}

function ustarHeader(file: TarFile, type: string, name: { prefix: string; name: string }): Uint8Array {
    const block = new Uint8Array(TAR_BLOCK);
    put(block, FIELD.name, name.name);
    octal(block, FIELD.mode, file.mode & MODE_BITS);
    octal(block, FIELD.uid, 0);
    octal(block, FIELD.gid, 0);
    size(block, file.size);
    octal(block, FIELD.mtime, Math.trunc(file.mtime.getTime() / 1000), 11);
    put(block, FIELD.typeflag, type);
    put(block, FIELD.magic, MAGIC);
    put(block, FIELD.version, VERSION);
    octal(block, FIELD.devmajor, 0);
    octal(block, FIELD.devminor, 0);
    if (name.prefix) put(block, FIELD.prefix, name.prefix);
    // The checksum counts its own field as spaces.
    let sum = FIELD.checksum.length * 0x20;
    for (let i = 0; i < TAR_BLOCK; i++) if (i < FIELD.checksum.at || i >= FIELD.checksum.at + FIELD.checksum.length) sum += block[i] as number;
    octal(block, FIELD.checksum, sum);
    return block;
}

/** A pax record: its own length in decimal, a space, `key=value`, a newline. */
function paxRecord(key: string, value: string): Buffer {
    const body = ` ${key}=${value}\n`;
    const length = Buffer.byteLength(body);
    let digits = String(length).length;
    if (length + digits >= 10 ** digits) digits++;
    return Buffer.from(`${length + digits}${body}`);
}

/** Zero bytes after `size` bytes of data, up to the next block. */
export function tarPadding(size: number): number {
    return (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
}

/** The header (one block, or a pax header, its record and a ustar block) that goes before a file's data. */
export function tarFileHeader(file: TarFile): Uint8Array {
    const name = ustarName(file.name);
    if (name) return ustarHeader(file, TYPE_FILE, name);
    const record = paxRecord('path', file.name);
    const pax = { prefix: '', name: PAX_NAME };
    return Buffer.concat([ustarHeader({ ...file, size: record.length }, TYPE_PAX, pax), record, new Uint8Array(tarPadding(record.length)), ustarHeader(file, TYPE_FILE, pax)]);
}
