/**
 * What the rest of Revive calls to use download mode: flash files into partitions, download the
 * PIT, reboot. Every check that can fail (files readable, partitions known, sizes fit, >4 GiB
 * support) runs before the first byte of a file is sent; on error or cancel the session is ended
 * when the phone still answers, and the error says which partition and how far it got.
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { findByFlashFilename, findPartition, parsePit, partitionSizeBytes, type Pit, type PitEntry } from '../pit/pit.js';
import { UsbError, type UsbTransport } from '../usb/transport.js';
import { OdinSession } from './session.js';
import { describeSource, openSource, type ChunkReader, type FlashSource } from './source.js';

export type { FlashSource } from './source.js';

export interface OdinFlashFile {
    /** PIT partition name, exact (e.g. `RECOVERY`). */
    readonly partition?: string | undefined;
    /** Or the file name the PIT maps to a partition (e.g. `recovery.img`, `boot.img.lz4`). */
    readonly fileName?: string | undefined;
    readonly source: FlashSource;
    /** A firmware archive member: when the phone's PIT maps no partition to it, skip it (reported) instead of failing. */
    readonly optional?: boolean | undefined;
}

export interface OdinSessionOptions {
    /** Leave the phone in download mode, session open (`--no-reboot`); the next run must `resume`. */
    readonly reboot: boolean;
    /** The phone is still in a session from a `reboot: false` run: skip the ODIN/LOKE handshake. */
    readonly resume: boolean;
}

export interface OdinFlashOptions extends OdinSessionOptions {
    readonly files: readonly OdinFlashFile[];
    /** A new PIT to write before the files (repartition). Refused unless `expertRepartition` is true. */
    readonly repartitionPit?: Uint8Array | undefined;
    readonly expertRepartition?: boolean | undefined;
    /** Called with the phone's PIT before anything is sent; throw to refuse (e.g. the wrong phone model). */
    readonly checkPit?: ((pit: Pit) => void) | undefined;
}

export interface OdinFlashResult {
    readonly flashed: ReadonlyArray<{ readonly partition: string; readonly bytes: number }>;
    /** Optional files the phone has no partition for (not sent). */
    readonly skipped: readonly string[];
    readonly rebooted: boolean;
    /** The bootloader's protocol answer (0 on old bootloaders) and the part size used. */
    readonly bootloaderVersion: number;
    readonly partSize: number;
}

const FOUR_GIB = 2 ** 32;

function mib(bytes: number): string {
    return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** MiB with one decimal, as a number the words format in the reader's language. */
function tenthsOfMiB(bytes: number): number {
    return Math.round(bytes / 104857.6) / 10;
}

function targetLabel(file: OdinFlashFile): string {
    return file.partition ?? file.fileName ?? describeSource(file.source);
}

function resolveEntry(pit: Pit, file: OdinFlashFile): PitEntry {
    const entry = file.partition !== undefined ? findPartition(pit, file.partition) : file.fileName !== undefined ? findByFlashFilename(pit, file.fileName) : undefined;
    if (entry) return entry;
    const known = pit.entries.filter((e) => e.partitionName !== '').map((e) => e.partitionName).join(', ');
    throw file.partition !== undefined
        ? ReviveError.of('odin-partition-unknown', { variant: 'name', partition: file.partition, known })
        : ReviveError.of('odin-partition-unknown', { variant: 'file-name', partition: targetLabel(file), fileName: file.fileName ?? describeSource(file.source), known });
}

/** Best effort: end the session so the phone is not left waiting; a phone that no longer answers is fine. */
async function endQuietly(session: OdinSession): Promise<void> {
    try {
        await session.endSession(false);
    } catch {
        // The phone is gone or mid-transfer; the caller's error already says so.
    }
}

async function openSession(transport: UsbTransport, options: OdinSessionOptions, ctx: JobContext): Promise<OdinSession> {
    const session = new OdinSession(transport, ctx);
    try {
        if (!options.resume) await session.handshake();
        await session.beginSession();
    } catch (error) {
        throw usbToRevive(error, 'start');
    }
    return session;
}

/** What the session was doing when USB failed: the variant of the words. */
type SessionMoment = 'start' | 'pit' | 'pit-end' | 'reboot' | 'prepare' | 'end';

function usbToRevive(error: unknown, moment: SessionMoment, finished = ''): ReviveError {
    if (error instanceof ReviveError) return error;
    if (error instanceof UsbError) {
        if (error.code === 'disconnected' || error.code === 'timeout') {
            return ReviveError.of(error.code === 'disconnected' ? 'odin-disconnected' : 'odin-timeout', { variant: moment, finished }, { cause: error });
        }
        return ReviveError.of('odin-usb-failed', { variant: moment, problem: error.message, finished }, { cause: error });
    }
    return ReviveError.from(error);
}

export async function odinDownloadPit(transport: UsbTransport, options: OdinSessionOptions, ctx: JobContext = {}): Promise<Uint8Array> {
    const session = await openSession(transport, options, ctx);
    let pit: Uint8Array;
    try {
        pit = await session.downloadPit();
    } catch (error) {
        await endQuietly(session);
        throw usbToRevive(error, 'pit');
    }
    try {
        await session.endSession(options.reboot);
    } catch (error) {
        throw usbToRevive(error, 'pit-end');
    }
    return pit;
}

/** Restart the phone out of download mode (into its system). */
export async function odinReboot(transport: UsbTransport, options: { resume: boolean } = { resume: false }, ctx: JobContext = {}): Promise<void> {
    const session = await openSession(transport, { resume: options.resume, reboot: true }, ctx);
    try {
        await session.endSession(true);
    } catch (error) {
        throw usbToRevive(error, 'reboot');
    }
}

export async function odinFlash(transport: UsbTransport, options: OdinFlashOptions, ctx: JobContext = {}): Promise<OdinFlashResult> {
    if (options.files.length === 0 && !options.repartitionPit) {
        throw ReviveError.of('odin-nothing-to-flash', { variant: 'no-files', skipped: '' });
    }
    if (options.repartitionPit && options.expertRepartition !== true) {
        throw ReviveError.of('odin-repartition-unconfirmed', {});
    }
    const localPit = options.repartitionPit ? parsePit(options.repartitionPit, 'The new PIT') : undefined;
    const readers: ChunkReader[] = [];
    try {
        // Every file is opened and checked before the session starts: a bad second file must not
        // leave the first one written.
        for (const file of options.files) {
            const reader = await openSource(file.source).catch((error: unknown) => {
                throw unusableImage(error);
            });
            readers.push(reader);
            if (reader.size === 0) {
                throw ReviveError.of('odin-file-empty', { file: describeSource(file.source), partition: targetLabel(file) });
            }
        }
        const totalBytes = readers.reduce((sum, reader) => sum + reader.size, 0) + (options.repartitionPit?.length ?? 0);
        const session = await openSession(transport, options, ctx);
        return await flashInSession(session, options, { readers, totalBytes, localPit }, ctx);
    } finally {
        await Promise.allSettled(readers.map((reader) => reader.close()));
    }
}

interface Prepared {
    readonly readers: readonly ChunkReader[];
    readonly totalBytes: number;
    readonly localPit: Pit | undefined;
}

async function flashInSession(session: OdinSession, options: OdinFlashOptions, prepared: Prepared, ctx: JobContext): Promise<OdinFlashResult> {
    const { readers, totalBytes, localPit } = prepared;
    // Heimdall sends a 32-bit total and old (protocol 0) bootloaders read only those bits: a file past
    // 4 GiB would be silently truncated there. Bootloaders that negotiate (v2+) take the 64-bit total
    // Odin and Thor send; per-sequence fields stay ≤ 30 MiB, so they are 32-bit safe either way.
    const largest = Math.max(0, ...readers.map((reader) => reader.size));
    if ((totalBytes >= FOUR_GIB || largest >= FOUR_GIB) && session.bootloaderVersion === 0) {
        await endQuietly(session);
        throw ReviveError.of('odin-too-large', largest >= FOUR_GIB ? { variant: 'one-file', size: tenthsOfMiB(largest) } : { variant: 'all-files', size: tenthsOfMiB(totalBytes) });
    }
    // Thor's order (PIT, then TotalBytes): the total then counts exactly what will be sent, and every
    // refusal below happens before the phone is told a transfer is coming. Bootloaders accept either.
    let pit: Pit;
    try {
        pit = localPit ?? parsePit(await session.downloadPit(), "The phone's partition table");
    } catch (error) {
        await endQuietly(session);
        throw usbToRevive(error, 'pit');
    }
    try {
        options.checkPit?.(pit);
    } catch (error) {
        await endQuietly(session);
        throw error;
    }

    const plan: Array<{ entry: PitEntry; reader: ChunkReader }> = [];
    const skipped: string[] = [];
    try {
        options.files.forEach((file, i) => {
            const reader = readers[i]!;
            if (file.optional && !(file.partition !== undefined ? findPartition(pit, file.partition) : findByFlashFilename(pit, file.fileName ?? ''))) {
                skipped.push(file.fileName ?? file.partition ?? describeSource(file.source));
                ctx.onLog?.(`Skipping ${file.fileName ?? file.partition}: this phone has no partition for it.`);
                return;
            }
            const entry = resolveEntry(pit, file);
            const limit = partitionSizeBytes(entry);
            if (entry.blockCount > 0 && reader.size > limit) {
                throw ReviveError.of('odin-file-too-large', { file: describeSource(file.source), size: reader.size, partition: entry.partitionName, limit });
            }
            plan.push({ entry, reader });
        });
        if (plan.length === 0 && !options.repartitionPit) {
            throw ReviveError.of('odin-nothing-to-flash', { variant: 'none-fit', skipped: skipped.join(', ') });
        }
    } catch (error) {
        await endQuietly(session);
        throw error;
    }

    try {
        const total = plan.reduce((sum, item) => sum + item.reader.size, 0) + (options.repartitionPit?.length ?? 0);
        await session.sendTotalBytes(BigInt(total));
        if (options.repartitionPit) await session.uploadPit(options.repartitionPit);
    } catch (error) {
        await endQuietly(session);
        throw usbToRevive(error, 'prepare');
    }

    const flashed: Array<{ partition: string; bytes: number }> = [];
    for (const { entry, reader } of plan) {
        const step = `flash:${entry.partitionName}`;
        let done = 0;
        const report = (bytes: number): void => {
            done = bytes;
            // sendFile calls this after the phone acknowledged each part.
            ctx.onProgress?.({ step, bytesDone: bytes, bytesTotal: reader.size, toPhone: true, cancellable: false });
        };
        report(0);
        ctx.onLog?.(`Flashing ${entry.partitionName} (${mib(reader.size)}).`);
        try {
            await session.sendFile(entry, reader, report, ctx.signal);
        } catch (error) {
            throw await flashFailure(session, error, { entry, done, size: reader.size, flashed }, ctx);
        }
        flashed.push({ partition: entry.partitionName, bytes: reader.size });
        ctx.onLog?.(`${entry.partitionName}: ${reader.size} bytes written.`);
    }
    try {
        await session.endSession(options.reboot);
    } catch (error) {
        throw usbToRevive(error, 'end', flashed.map((f) => f.partition).join(', '));
    }
    return { flashed, skipped, rebooted: options.reboot, bootloaderVersion: session.bootloaderVersion, partSize: session.geometry.partSize };
}

interface FailurePoint {
    readonly entry: PitEntry;
    readonly done: number;
    readonly size: number;
    readonly flashed: ReadonlyArray<{ partition: string }>;
}

async function flashFailure(session: OdinSession, error: unknown, point: FailurePoint, ctx: JobContext): Promise<ReviveError> {
    const { entry, done, size, flashed } = point;
    const name = entry.partitionName;
    const cancelled = ctx.signal?.aborted === true;
    const gone = error instanceof UsbError && error.code === 'disconnected';
    if (!gone) await endQuietly(session);
    const facts = { partition: name, done: tenthsOfMiB(done), total: tenthsOfMiB(size), bytesDone: done, bytesTotal: size, finished: flashed.map((f) => f.partition).join(', ') };
    const after = flashed.length > 0 ? 'after' : 'first';
    if (cancelled) return ReviveError.of('odin-cancelled', { ...facts, variant: after }, { cause: error });
    if (gone || (error instanceof UsbError && error.code === 'timeout')) {
        return ReviveError.of(gone ? 'odin-disconnected' : 'odin-timeout', { ...facts, variant: flashed.length > 0 ? 'flash-after' : 'flash' }, { cause: error });
    }
    // The cause's own words go inside ours: its code and facts travel along (`errors.<cause>.message`).
    const cause = ReviveError.from(error);
    const wrapped: FactsOf<'odin-flash-failed'> = { ...cause.facts, ...facts, cause: cause.code, before: after };
    return ReviveError.of('odin-flash-failed', wrapped, { cause: error });
}

/** A file that cannot be opened for flashing: the reason, and that nothing was sent. */
function unusableImage(error: unknown): ReviveError {
    const failure = ReviveError.from(error);
    const file = String(failure.facts['file'] ?? '');
    if (failure.code === 'file-not-regular' || failure.code === 'file-unreadable') {
        return ReviveError.of('odin-image-unusable', { file, variant: String(failure.facts['variant']) as FactsOf<'odin-image-unusable'>['variant'], problem: String(failure.facts['problem'] ?? '') }, { cause: error });
    }
    return failure;
}
