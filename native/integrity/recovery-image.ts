/**
 * A recovery image in its own words: which phone it was built for. The boot image header (v0–v4)
 * says where the ramdisk is; the ramdisk is decompressed while it streams (gzip with node:zlib, LZ4
 * legacy or frame, or none) and walked as a newc cpio archive up to its property file
 * (`prop.default`, `default.prop`, `system/etc/prop.default`), whose device properties name the
 * phones the image is for. Samsung's TWRP often comes as a `.tar` for Odin: the image is then the
 * archive's `recovery.img` member, read where it lies. Bounded throughout: at most
 * MAX_RAMDISK_BYTES decompressed, MAX_PROP_BYTES per property file; damage is refused with a
 * ReviveError, a compression Revive does not read is reported as such (the checksum still stands).
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ByteReader } from '../../common/byte-reader.js';
import type { FactsOf } from '../../common/error-codes.js';
import { readHead } from '../files/read-head.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { decodeLz4, decodeLz4Legacy, LZ4_LEGACY_MAGIC, LZ4_MAGIC } from '../odin/lz4.js';
import { inspectFirmware, memberStream } from '../odin/firmware.js';
import { checkBootImageHeader, type BootImageCheck, type BootImageFacts } from './boot-image.js';
import { parseProperties } from './zip-inspect.js';

/** A TWRP ramdisk is 5–30 MiB unpacked; more is a decompression bomb, not a recovery. */
export const MAX_RAMDISK_BYTES = 256 * 1024 * 1024;
const MAX_PROP_BYTES = 1024 * 1024;
const MAX_NAME_BYTES = 4096;
const CPIO_HEADER = 110;

/** Where a device's own property files lie in a recovery ramdisk, most specific first. */
const PROP_FILES = ['prop.default', 'default.prop', 'system/etc/prop.default'];
/** Properties that name the device an image was built for (TWRP lists every accepted name in the first). */
const DEVICE_PROPS = ['ro.twrp.target.devices', 'ro.product.device', 'ro.build.product', 'ro.product.vendor.device', 'ro.product.system.device', 'ro.product.odm.device'];

export type RecoveryTarget =
    | { readonly kind: 'devices'; readonly devices: readonly string[]; readonly propFile: string }
    | { readonly kind: 'unknown'; readonly reason: RecoveryUnknownReason; readonly propFile?: string; readonly compression?: string };

/** Why an image does not say which phone it was built for (`errorFacts.recoveryUnknown`). */
export type RecoveryUnknownReason = 'no-device' | 'no-props' | 'no-ramdisk' | 'compression' | 'format';

/** The image bytes to check and flash: the file itself, or a member of the Odin tar holding it. */
export interface RecoveryImage {
    readonly path: string;
    readonly size: number;
    /** The tar member the image is, when the file is an Odin `.tar`/`.tar.md5`. */
    readonly member: string | undefined;
    bytes(): AsyncIterable<Uint8Array>;
}

type RamdiskProblem = Omit<FactsOf<'recovery-ramdisk-damaged'>, 'image'>;

/** `image` names the image: the file, or the member of an Odin tar and its file. */
function damaged(image: string, problem: RamdiskProblem): ReviveError {
    return ReviveError.of('recovery-ramdisk-damaged', { ...problem, image });
}

/** The file's bytes, opened on the first read: a reader closed before reading opens nothing. */
async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
    yield* createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>;
}

function isTar(head: Uint8Array): boolean {
    return head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar';
}

/**
 * The recovery image in a file: the file itself, or for an Odin tar (`twrp-….img.tar`) its
 * `recovery.img` (or `recovery.img.lz4`) member, after the archive was verified and indexed.
 */
export async function openRecoveryImage(path: string, ctx: JobContext = {}): Promise<RecoveryImage> {
    const { size, head } = readHead(path, 512, 'image');
    if (!isTar(head)) return { path, size, member: undefined, bytes: () => fileBytes(path) };
    const archive = await inspectFirmware(path, ctx);
    const member = archive.members.find((m) => /^recovery\.img(\.lz4)?$/i.test(basename(m.name)));
    if (!member) {
        const members = archive.members.map((m) => m.name).join(', ');
        throw ReviveError.of('recovery-tar-no-image', { file: basename(path), path, members, variant: members === '' ? 'empty' : 'others' });
    }
    return { path, size: member.size, member: member.name, bytes: () => memberStream(archive, member) };
}

/** The boot image header of a recovery image, checked against the partition it goes to. */
export async function checkRecoveryHeader(image: RecoveryImage, partitionBytes: number): Promise<BootImageCheck> {
    const reader = new ByteReader(image.bytes());
    try {
        const header = (await reader.read(Math.min(image.size, 4096))) ?? new Uint8Array(0);
        const check = checkBootImageHeader(header, image.size, partitionBytes);
        return check;
    } finally {
        await reader.close();
    }
}

async function* slice(reader: ByteReader, length: number): AsyncGenerator<Uint8Array> {
    let left = length;
    while (left > 0) {
        const piece = await reader.upTo(Math.min(left, 1024 * 1024));
        if (!piece) return;
        left -= piece.length;
        yield piece;
    }
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    yield* rest;
}

function gunzip(source: AsyncIterable<Uint8Array>, name: string): AsyncIterable<Uint8Array> {
    const inflate = createGunzip();
    // pipeline destroys the inflater with the source's error; iterating it then rejects with that error.
    pipeline(Readable.from(source, { objectMode: false }), inflate, () => undefined);
    return (async function* () {
        try {
            for await (const chunk of inflate as AsyncIterable<Buffer>) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        } catch (error) {
            if (error instanceof ReviveError) throw error;
            // zlib's own words say what is wrong.
            throw damaged(name, { problem: 'gzip', detail: (error as Error).message });
        }
    })();
}

const COMPRESSIONS: ReadonlyArray<{ readonly magic: readonly number[]; readonly name: string }> = [
    { magic: [0x5d, 0x00, 0x00], name: 'LZMA' },
    { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a], name: 'XZ' },
    { magic: [0x42, 0x5a, 0x68], name: 'bzip2' },
    { magic: [0x89, 0x4c, 0x5a, 0x4f], name: 'LZO' },
    { magic: [0x28, 0xb5, 0x2f, 0xfd], name: 'Zstandard' },
];

/** The ramdisk's bytes, decompressed; undefined (with the reason) for a compression Revive does not read. */
async function decompressed(ramdisk: ByteReader, size: number, name: string): Promise<{ stream: AsyncIterable<Uint8Array> } | { unknown: 'compression' | 'format'; compression?: string }> {
    const head = (await ramdisk.read(Math.min(6, size))) ?? new Uint8Array(0);
    const rest = prepend(head, slice(ramdisk, size - head.length));
    const u32 = head.length >= 4 ? new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true) : -1;
    if (head[0] === 0x1f && head[1] === 0x8b) return { stream: gunzip(rest, name) };
    if (u32 === LZ4_LEGACY_MAGIC) return { stream: decodeLz4Legacy(rest, name) };
    if (u32 === LZ4_MAGIC) return { stream: decodeLz4(rest, name) };
    if (Buffer.from(head.subarray(0, 5)).toString('latin1') === '07070') return { stream: rest };
    const known = COMPRESSIONS.find((c) => c.magic.every((b, i) => head[i] === b));
    return known ? { unknown: 'compression', compression: known.name } : { unknown: 'format' };
}

function hex(field: Uint8Array, name: string): number {
    const text = Buffer.from(field).toString('latin1');
    if (!/^[0-9a-fA-F]{8}$/.test(text)) throw damaged(name, { problem: 'cpio-hex', text: text.replace(/[^\x20-\x7e]/g, '?') });
    return Number.parseInt(text, 16);
}

function devicesIn(props: Readonly<Record<string, string>>): string[] {
    const names = new Set<string>();
    for (const key of DEVICE_PROPS) {
        for (const name of (props[key] ?? '').split(/[,\s]+/)) if (/^[A-Za-z0-9_.-]{1,64}$/.test(name)) names.add(name);
    }
    return [...names];
}

/** Walk a newc cpio stream to the first property file that names a device. */
async function findDevices(stream: AsyncIterable<Uint8Array>, name: string): Promise<RecoveryTarget> {
    let produced = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of stream) {
            produced += chunk.length;
            if (produced > MAX_RAMDISK_BYTES) throw damaged(name, { problem: 'too-big', limit: MAX_RAMDISK_BYTES / 1024 / 1024 });
            yield chunk;
        }
    }
    const cpio = new ByteReader(counted());
    let propsWithoutDevice: string | undefined;
    try {
        for (let entries = 0; ; entries++) {
            const header = await cpio.read(CPIO_HEADER);
            if (!header) throw damaged(name, { problem: entries === 0 ? 'empty' : 'no-trailer' });
            const magic = Buffer.from(header.subarray(0, 6)).toString('latin1');
            if (magic !== '070701' && magic !== '070702') throw damaged(name, { problem: 'cpio-magic', text: magic.replace(/[^\x20-\x7e]/g, '?') });
            const mode = hex(header.subarray(14, 22), name);
            const fileSize = hex(header.subarray(54, 62), name);
            const nameSize = hex(header.subarray(94, 102), name);
            if (nameSize < 1 || nameSize > MAX_NAME_BYTES) throw damaged(name, { problem: 'name-size', size: nameSize });
            const rawName = await cpio.read(nameSize + ((4 - ((CPIO_HEADER + nameSize) % 4)) % 4));
            if (!rawName) throw damaged(name, { problem: 'ends-in-name' });
            const entry = Buffer.from(rawName.subarray(0, nameSize - 1)).toString('latin1').replace(/^(\.\/|\/)+/, '');
            if (entry === 'TRAILER!!!') break;
            const padded = fileSize + ((4 - (fileSize % 4)) % 4);
            const regular = (mode & 0o170000) === 0o100000;
            if (regular && PROP_FILES.includes(entry) && fileSize <= MAX_PROP_BYTES) {
                const data = await cpio.read(padded);
                if (!data) throw damaged(name, { problem: 'ends-in-entry', entry });
                const devices = devicesIn(parseProperties(Buffer.from(data.subarray(0, fileSize)).toString('utf8')));
                if (devices.length > 0) return { kind: 'devices', devices, propFile: entry };
                propsWithoutDevice ??= entry;
            } else if (!(await cpio.skip(padded))) {
                throw damaged(name, { problem: 'ends-in-entry', entry });
            }
        }
    } finally {
        await cpio.close();
    }
    return propsWithoutDevice ? { kind: 'unknown', reason: 'no-device', propFile: propsWithoutDevice } : { kind: 'unknown', reason: 'no-props' };
}

/** Which phones the recovery image says it was built for, from its ramdisk's properties. */
export async function readRecoveryTarget(image: RecoveryImage, facts: BootImageFacts): Promise<RecoveryTarget> {
    const name = image.member ? `${basename(image.path)}/${image.member}` : basename(image.path);
    if (facts.ramdiskSize === 0) return { kind: 'unknown', reason: 'no-ramdisk' };
    const reader = new ByteReader(image.bytes());
    try {
        if (!(await reader.skip(facts.ramdiskOffset))) throw damaged(name, { problem: 'ends-before-ramdisk' });
        const ramdisk = await decompressed(reader, facts.ramdiskSize, name);
        if ('unknown' in ramdisk) return { kind: 'unknown', reason: ramdisk.unknown, ...(ramdisk.compression ? { compression: ramdisk.compression } : {}) };
        return await findDevices(ramdisk.stream, name);
    } catch (error) {
        if (error instanceof ReviveError && error.code !== 'lz4-invalid') throw error;
        // An LZ4 format error's code and facts travel along, and its words go inside ours.
        if (error instanceof ReviveError) throw damaged(name, { ...error.facts, problem: 'lz4', cause: error.code });
        throw damaged(name, { problem: 'other', detail: String(error) });
    } finally {
        await reader.close();
    }
}
