/**
 * Writes one backup archive: tar (tar-header.ts) → age → a file created 0600 in a folder made (or
 * tightened to) 0700. Parts stream through, hashed on the way; nothing holds a whole part in
 * memory. The tar bytes go straight to archive-file.ts, which seals (copying them), hashes and
 * writes them.
 * The file is written as `<name>.partial` and renamed only when complete; on any error (a full
 * disk, a phone unplugged mid-part, cancel) the partial file is removed.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { reviveVersion } from '../resources.js';
import { beginAgeFile, type AgeRecipient } from './age/index.js';
import { ArchiveFile } from './archive-file.js';
import { TAR_END, tarFileHeader, tarPadding } from './tar-header.js';
import { ARCHIVE_FORMAT, DEVICE_ENTRY, MANIFEST_ENTRY, PART_PREFIX, assertSafeEntryName, type DeviceEntry, type DeviceFacts, type Manifest, type Part, type PartKind } from './manifest.js';

export const ARCHIVE_SUFFIX = '.tar.age';

export interface ArchiveTarget {
    /** The folder on the computer; created 0700, or tightened to 0700 when it exists. */
    readonly folder: string;
    /** File name without folder, ending in .tar.age. */
    readonly fileName: string;
    readonly recipients: readonly AgeRecipient[];
    /** Told of each part once it is in the archive (a job journals it). */
    readonly onPart?: ((part: Part) => void) | undefined;
}

export interface FinishedArchive {
    readonly path: string;
    readonly sizeBytes: number;
    /** SHA-256 of the archive file as written. */
    readonly sha256: string;
    readonly manifest: Manifest;
}

function diskError(error: unknown, folder: string): ReviveError {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
        return ReviveError.of('backup-disk-full', { folder }, { cause: error });
    }
    if (error instanceof ReviveError) return error;
    // The system's own words for what went wrong (EIO, a removed disk …).
    return ReviveError.of('backup-write-failed', { folder, problem: error instanceof Error ? error.message : String(error) }, { cause: error });
}

/** A default file name: codename, serial and time, so a folder of backups sorts by phone and date. */
export function archiveFileName(device: Pick<DeviceFacts, 'codename' | 'serial'>, at = new Date()): string {
    const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
    return `${safe(device.codename)}-${safe(device.serial)}-${at.toISOString().slice(0, 19).replace(/:/g, '-')}${ARCHIVE_SUFFIX}`;
}

export class BackupArchiveWriter {
    readonly path: string;
    readonly #partial: string;
    readonly #folder: string;
    readonly #file: ArchiveFile;
    readonly #device: DeviceEntry;
    readonly #parts: Part[] = [];
    readonly #onPart: ((part: Part) => void) | undefined;
    #failure: unknown;
    #closed = false;

    private constructor(target: ArchiveTarget, file: ArchiveFile, failed: Promise<never>, device: DeviceEntry) {
        this.#folder = target.folder;
        this.#onPart = target.onPart;
        this.path = join(target.folder, target.fileName);
        this.#partial = `${this.path}.partial`;
        this.#device = device;
        this.#file = file;
        failed.catch((error: unknown) => {
            this.#failure ??= error;
        });
    }

    static async create(target: ArchiveTarget, device: DeviceFacts): Promise<BackupArchiveWriter> {
        if (!target.fileName.endsWith(ARCHIVE_SUFFIX) || target.fileName.includes('/') || target.fileName.includes('\\')) {
            throw ReviveError.of('backup-bad-name', { name: target.fileName, suffix: ARCHIVE_SUFFIX });
        }
        try {
            await mkdir(target.folder, { recursive: true, mode: 0o700 });
            await chmod(target.folder, 0o700);
        } catch (error) {
            throw diskError(error, target.folder);
        }
        const finalPath = join(target.folder, target.fileName);
        if (await stat(finalPath).then(() => true, () => false)) {
            throw ReviveError.of('backup-exists', { file: finalPath });
        }
        const start = await beginAgeFile(target.recipients);
        const entry: DeviceEntry = { format: ARCHIVE_FORMAT, revive: reviveVersion(), createdAt: new Date().toISOString(), device };
        let fail: (error: unknown) => void = () => undefined;
        const failed = new Promise<never>((_, reject) => (fail = reject));
        failed.catch(() => undefined);
        let file: ArchiveFile;
        try {
            file = await ArchiveFile.create(`${finalPath}.partial`, start, fail);
        } catch (error) {
            throw diskError(error, target.folder);
        }
        const writer = new BackupArchiveWriter(target, file, failed, entry);
        try {
            await writer.#writeJson(DEVICE_ENTRY, entry);
        } catch (error) {
            await writer.abort();
            throw diskError(writer.#failure ?? error, target.folder);
        }
        return writer;
    }

    get parts(): readonly Part[] {
        return this.#parts;
    }

    #check(): void {
        if (this.#failure !== undefined) throw diskError(this.#failure, this.#folder);
    }

    async #writeJson(name: string, value: unknown): Promise<void> {
        const data = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
        await this.#entry(name, data.length, [data]);
    }

    /**
     * One file of the tar: header, bytes, padding. Each chunk is hashed and copied into the sealer
     * before the next is asked for, so a source may hand over the same buffer again; the only wait
     * is for the disk.
     */
    async #entry(name: string, size: number, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx: JobContext = {}): Promise<{ sha256: string; sizeBytes: number }> {
        this.#check();
        const hash = createHash('sha256');
        let written = 0;
        this.#file.push(tarFileHeader({ name, size, mode: 0o600, mtime: new Date() }));
        for await (const chunk of source) {
            if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
            this.#check();
            if (written + chunk.length > size) throw ReviveError.of('backup-size-changed', { variant: 'grew', name, size });
            hash.update(chunk);
            this.#file.push(chunk);
            written += chunk.length;
            ctx.onProgress?.({ step: `backup:${name}`, bytesDone: written, bytesTotal: size, cancellable: true });
            if (this.#file.backlogged) await this.#file.room();
        }
        if (written !== size) throw ReviveError.of('backup-size-changed', { variant: 'short', name, size, written });
        this.#file.push(TAR_END.subarray(0, tarPadding(size)));
        this.#check();
        return { sha256: hash.digest('hex'), sizeBytes: written };
    }

    /** Stream one part in; `sizeBytes` must be exact (tar needs it before the bytes). */
    async addPart(kind: PartKind, name: string, sizeBytes: number, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, ctx?: JobContext): Promise<Part> {
        const path = `${PART_PREFIX[kind]}${name}`;
        assertSafeEntryName(path);
        if (this.#parts.some((p) => p.path === path)) throw ReviveError.of('backup-duplicate-part', { name: path });
        const { sha256 } = await this.#entry(path, sizeBytes, source, ctx);
        const part: Part = { path, kind, sizeBytes, sha256 };
        this.#parts.push(part);
        this.#onPart?.(part);
        return part;
    }

    /** Write the manifest, close the file and give it its final name. */
    async finish(): Promise<FinishedArchive> {
        const manifest: Manifest = { ...this.#device, finishedAt: new Date().toISOString(), parts: [...this.#parts] };
        try {
            await this.#writeJson(MANIFEST_ENTRY, manifest);
            this.#file.push(TAR_END);
            const written = await this.#file.finish();
            this.#closed = true;
            await chmod(this.#partial, 0o600);
            await rename(this.#partial, this.path);
            return { path: this.path, sizeBytes: written.sizeBytes, sha256: written.sha256, manifest };
        } catch (error) {
            await this.abort();
            throw diskError(this.#failure ?? error, this.#folder);
        }
    }

    /** Stop and remove the unfinished file. Safe to call more than once. */
    async abort(): Promise<void> {
        if (!this.#closed) {
            this.#closed = true;
            await this.#file.close();
        }
        await rm(this.#partial, { force: true });
    }

    /** Run `fill` and finish; on any error remove the partial file and rethrow (a full disk named as such). */
    static async write(target: ArchiveTarget, device: DeviceFacts, fill: (writer: BackupArchiveWriter) => Promise<void>): Promise<FinishedArchive> {
        const writer = await BackupArchiveWriter.create(target, device);
        try {
            await fill(writer);
        } catch (error) {
            const failure = writer.#failure ?? error;
            await writer.abort();
            throw diskError(failure, target.folder);
        }
        return writer.finish();
    }
}
