/**
 * Samsung firmware archives (`AP_…tar.md5`, `BL_…`, `CP_…`, `CSC_…`, plain `.tar`): one pass over the
 * file verifies the MD5 trailer (over every byte before its last line) and indexes the ustar members;
 * nothing is sent to a phone before that pass succeeds. Members then stream straight from the file
 * (`.lz4` ones through the frame decoder) into the Odin transfer.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { openRegularFile } from '../files/read-limited.js';
import type { ErrorFacts, FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { ByteReader } from '../../common/byte-reader.js';
import type { OdinFlashFile } from './flash.js';
import { decodeLz4, readLz4FrameInfo } from './lz4.js';

const BLOCK = 512;
/** No partition of a phone Revive supports is this large; a header claiming more is damage or an attack. */
export const MAX_MEMBER_SIZE = 64 * 1024 ** 3;
const TRAILER_SCAN = 4096;

export interface FirmwareMember {
    /** Name inside the archive, e.g. `boot.img.lz4`. */
    readonly name: string;
    readonly dataOffset: number;
    readonly storedSize: number;
    readonly lz4: boolean;
    /** Bytes that will be flashed (decompressed size for `.lz4`). */
    readonly size: number;
}

export interface FirmwareArchive {
    readonly path: string;
    readonly members: readonly FirmwareMember[];
    /** Entries that are not flashable files (directories, links, metadata), with why. */
    readonly ignored: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
    /** The MD5 from the trailer when it was checked; undefined for a plain `.tar`. */
    readonly md5: string | undefined;
}

/** A small format error: what is wrong with the archive, as a code and facts; the locale words it. */
function archiveError<C extends 'firmware-md5-missing' | 'firmware-unsafe-path' | 'firmware-truncated' | 'firmware-damaged' | 'firmware-absurd-size' | 'firmware-md5-mismatch'>(
    code: C,
    path: string,
    facts: Omit<FactsOf<C>, 'file'>,
): ReviveError {
    return new ReviveError(code, { file: basename(path), ...(facts as ErrorFacts) });
}

/** Where the MD5 line starts and what it says, from the last bytes of a `.tar.md5`. */
async function readMd5Trailer(path: string, size: number): Promise<{ hashEnd: number; md5: string }> {
    const handle = await open(path, 'r');
    try {
        const length = Math.min(size, TRAILER_SCAN);
        const tail = new Uint8Array(length);
        await handle.read(tail, 0, length, size - length);
        let end = tail.length;
        if (tail[end - 1] === 0x0a) end--;
        // Samsung's build appends `md5sum -t AP.tar` straight after the tar's zero padding, so the
        // line may follow a NUL instead of a newline (build-information lines, when present, end in one).
        const separator = Math.max(tail.lastIndexOf(0x0a, end - 1), tail.lastIndexOf(0x00, end - 1));
        const lineStart = separator + 1;
        const line = Buffer.from(tail.subarray(lineStart, end)).toString('latin1');
        const match = /^([0-9a-fA-F]{32}) [ *]?(\S.*)$/.exec(line);
        if (!match || (separator < 0 && size > TRAILER_SCAN)) {
            throw archiveError('firmware-md5-missing', path, {});
        }
        return { hashEnd: size - length + lineStart, md5: match[1]!.toLowerCase() };
    } finally {
        await handle.close();
    }
}

function octal(header: Uint8Array, offset: number, length: number): number {
    const field = header.subarray(offset, offset + length);
    if ((field[0] ?? 0) & 0x80) {
        // GNU base-256 for sizes ≥ 8 GiB.
        let value = (field[0]! & 0x7f);
        for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
        return value;
    }
    const text = Buffer.from(field).toString('latin1').replace(/\0.*$/s, '').trim();
    if (text === '') return 0;
    if (!/^[0-7]+$/.test(text)) return Number.NaN;
    return parseInt(text, 8);
}

function cString(bytes: Uint8Array): string {
    const end = bytes.indexOf(0);
    return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

function checksumOk(header: Uint8Array): boolean {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    return octal(header, 148, 8) === sum;
}

/** A member name that is safe to act on: relative, no `..`, no backslashes or NULs. */
function safeName(name: string, path: string): string {
    const clean = name.replace(/^(\.\/)+/, '');
    if (clean.startsWith('/') || clean.split('/').includes('..') || /[\\\0]/.test(clean) || /^[A-Za-z]:/.test(clean)) {
        throw archiveError('firmware-unsafe-path', path, { member: name });
    }
    return clean;
}

function parsePax(data: Uint8Array): Record<string, string> {
    const records: Record<string, string> = {};
    const text = Buffer.from(data).toString('utf8');
    let at = 0;
    while (at < text.length) {
        const space = text.indexOf(' ', at);
        const length = parseInt(text.slice(at, space), 10);
        if (!(length > 0) || space < 0) break;
        const record = text.slice(space + 1, at + length - 1);
        const eq = record.indexOf('=');
        if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
        at += length;
    }
    return records;
}

/**
 * Verify (for `.md5`) and index a firmware archive in one read. Refuses damaged, truncated or unsafe
 * archives with a ReviveError; reports progress as `firmware:verify`.
 */
export async function inspectFirmware(path: string, ctx: JobContext = {}): Promise<FirmwareArchive> {
    // A device or pipe (`--tar /dev/zero`) has no end to hash: only regular files are archives.
    const opened = await openRegularFile(path, 'firmware');
    const { size } = opened;
    await opened.handle.close();
    const withMd5 = /\.md5$/i.test(path);
    const trailer = withMd5 ? await readMd5Trailer(path, size) : undefined;
    const hashEnd = trailer?.hashEnd ?? size;
    const md5 = createHash('md5');
    let hashed = 0;
    async function* hashedChunks(): AsyncGenerator<Uint8Array> {
        for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
            ctx.signal?.throwIfAborted();
            const inHash = Math.max(0, Math.min(chunk.length, hashEnd - hashed));
            if (inHash > 0) md5.update(chunk.subarray(0, inHash));
            hashed += chunk.length;
            ctx.onProgress?.({ step: 'firmware:verify', bytesDone: Math.min(hashed, size), bytesTotal: size, cancellable: true });
            // The tar parser only ever sees the archive, never the trailer text.
            if (inHash > 0) yield chunk.subarray(0, inHash);
        }
    }
    const input = new ByteReader(hashedChunks());
    const members: FirmwareMember[] = [];
    const ignored: Array<{ name: string; reason: string }> = [];
    let nextName: string | undefined;
    let ended = false;
    try {
        while (!ended) {
            const header = await input.read(BLOCK);
            if (!header) throw archiveError('firmware-truncated', path, { variant: 'no-end', byte: input.position });
            if (header.every((b) => b === 0)) {
                ended = true;
                break;
            }
            if (!checksumOk(header)) throw archiveError('firmware-damaged', path, { byte: input.position - BLOCK });
            const storedSize = octal(header, 124, 12);
            if (!Number.isFinite(storedSize) || storedSize < 0 || storedSize > MAX_MEMBER_SIZE || input.position + storedSize > hashEnd) {
                throw archiveError('firmware-absurd-size', path, { variant: 'member', byte: input.position - BLOCK, size: storedSize });
            }
            const type = String.fromCharCode(header[156] ?? 0);
            const prefix = Buffer.from(header.subarray(257, 263)).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
            const rawName = nextName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
            nextName = undefined;
            const padded = Math.ceil(storedSize / BLOCK) * BLOCK;
            if (type === 'L' || type === 'x') {
                if (storedSize > 1024 * 1024) throw archiveError('firmware-absurd-size', path, { variant: 'extended', byte: input.position - BLOCK, size: storedSize });
                const data = await input.read(padded);
                if (!data) throw archiveError('firmware-truncated', path, { variant: 'extended', byte: input.position });
                nextName = type === 'L' ? cString(data.subarray(0, storedSize)) : parsePax(data.subarray(0, storedSize)).path;
                continue;
            }
            const name = safeName(rawName, path);
            const dataOffset = input.position;
            if (type === '0' || type === '\0' || type === '7') {
                let head = new Uint8Array(0);
                let left = padded;
                while (left > 0) {
                    const piece = await input.read(Math.min(left, 1024 * 1024));
                    if (!piece) throw archiveError('firmware-truncated', path, { variant: 'member', byte: input.position, member: name });
                    if (head.length < 32 && left === padded) head = piece.slice(0, Math.min(32, storedSize));
                    left -= piece.length;
                }
                const lz4 = /\.lz4$/i.test(name);
                // Exact for frames that announce it; the LZ4 pass below measures the others.
                const flashSize = lz4 ? readLz4FrameInfo(head, name).contentSize ?? 0 : storedSize;
                if (storedSize === 0) ignored.push({ name, reason: 'empty file' });
                else members.push({ name, dataOffset, storedSize, lz4, size: flashSize });
            } else {
                if (padded > 0 && !(await input.read(padded))) throw archiveError('firmware-truncated', path, { variant: 'member', byte: input.position, member: name });
                ignored.push({ name, reason: type === '5' ? 'directory' : type === '1' || type === '2' ? 'link' : `tar entry type "${type}"` });
            }
        }
        // Everything up to the MD5 line is hashed, including padding and the "build information" lines.
        while (!(await input.atEnd())) await input.read(Math.min(1024 * 1024, Math.max(1, hashEnd - input.position)));
    } finally {
        await input.close();
    }
    if (trailer) {
        const found = md5.digest('hex');
        if (found !== trailer.md5) {
            throw archiveError('firmware-md5-mismatch', path, { expected: trailer.md5, found });
        }
    }
    // Odin3 checks everything before the first write: each LZ4 member is decoded once here (every
    // sequence, offset and checksum), so a damaged frame is refused before the session starts.
    for (const [index, member] of members.entries()) {
        if (!member.lz4) continue;
        let total = 0;
        for await (const block of decodeLz4(memberBytes(path, member), `${member.name} in ${basename(path)}`)) {
            ctx.signal?.throwIfAborted();
            total += block.length;
            ctx.onProgress?.({ step: 'firmware:lz4', bytesDone: total, bytesTotal: Math.max(total, member.size), cancellable: true });
        }
        members[index] = { ...member, size: total };
    }
    return { path, members, ignored, md5: trailer?.md5 };
}

async function* memberBytes(path: string, member: FirmwareMember): AsyncGenerator<Uint8Array> {
    yield* createReadStream(path, { start: member.dataOffset, end: member.dataOffset + member.storedSize - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
}

/** The bytes to flash for one member (decompressed while streaming for `.lz4`). */
export function memberStream(archive: FirmwareArchive, member: FirmwareMember): AsyncIterable<Uint8Array> {
    return member.lz4 ? decodeLz4(memberBytes(archive.path, member), member.name) : memberBytes(archive.path, member);
}

/**
 * Odin flash files for every member, mapped by the phone's PIT flash file names (`recovery.img` →
 * RECOVERY, `modem.bin` → MODEM; `.lz4` ignored); members the PIT does not know are skipped and reported.
 */
export function firmwareFlashFiles(archive: FirmwareArchive): OdinFlashFile[] {
    return archive.members.map((member) => ({
        fileName: member.name,
        optional: true,
        source: { stream: memberStream(archive, member), size: member.size, name: `${member.name} in ${basename(archive.path)}` },
    }));
}
