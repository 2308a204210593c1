/**
 * The files the page may refer to, each by a random id, never by path: uploads a browser streams
 * over the bridge into a private temp folder (never held in memory), and files Electron main grants
 * a token for when the person drops or picks them (main alone calls `grant`; the bridge never does).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { FileRef } from '../api/contract.js';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReviveError } from '../../native/jobs/errors.js';

/** Largest upload accepted: bigger than any ROM zip we know, small enough to stop a runaway client. */
export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

export interface UploadLimits {
    /** Uploads held at once (an upgrade needs four, the apps panel a few more). */
    readonly maxFiles?: number | undefined;
    /** Bytes held at once, uploads still arriving included. */
    readonly maxTotalBytes?: number | undefined;
}

/** Temp folders of every store in this process, removed however the process ends (exit, signal). */
const liveFolders = new Set<string>();
let exitHookInstalled = false;
function removeAtExit(dir: string): void {
    liveFolders.add(dir);
    if (exitHookInstalled) return;
    exitHookInstalled = true;
    process.once('exit', () => {
        for (const folder of liveFolders) rmSync(folder, { recursive: true, force: true });
    });
}

export class UploadStore {
    readonly #files = new Map<string, { readonly path: string; readonly bytes: number }>();
    readonly #granted = new Map<string, string>();
    readonly #maxFiles: number;
    readonly #maxTotalBytes: number;
    /** Bytes of uploads still arriving. */
    #inFlight = 0;
    #arriving = 0;
    #dir: Promise<string> | undefined;

    constructor(limits: UploadLimits = {}) {
        this.#maxFiles = limits.maxFiles ?? 32;
        this.#maxTotalBytes = limits.maxTotalBytes ?? 16 * 1024 ** 3;
    }

    #root(): Promise<string> {
        this.#dir ??= mkdtemp(join(tmpdir(), 'revive-uploads-')).then((dir) => {
            removeAtExit(dir);
            return dir;
        });
        return this.#dir;
    }

    #heldBytes(): number {
        let total = this.#inFlight;
        for (const file of this.#files.values()) total += file.bytes;
        return total;
    }

    #limitError(variant: 'files' | 'bytes', limit: number): ReviveError {
        return ReviveError.of('upload-limit', { variant, limit });
    }

    /** Stream one upload to disk; returns its id. `fileName` is kept (sanitised) so checks can see it. */
    async receive(fileName: string, body: Readable, signal?: AbortSignal): Promise<string> {
        const safeName = basename(fileName).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'upload.bin';
        if (this.#files.size + this.#arriving >= this.#maxFiles) throw this.#limitError('files', this.#maxFiles);
        const id = randomBytes(16).toString('hex');
        const dir = join(await this.#root(), id);
        await mkdir(dir, { mode: 0o700 });
        const path = join(dir, safeName);
        let received = 0;
        let overTotal = false;
        this.#arriving++;
        body.on('data', (chunk: Buffer) => {
            received += chunk.length;
            this.#inFlight += chunk.length;
            if (received > MAX_UPLOAD_BYTES) body.destroy(new Error(`the upload is larger than ${MAX_UPLOAD_BYTES} bytes`));
            else if (this.#heldBytes() > this.#maxTotalBytes) {
                overTotal = true;
                body.destroy(new Error('too many bytes held'));
            }
        });
        try {
            await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal });
        } catch (error) {
            await rm(dir, { recursive: true, force: true });
            if (overTotal) throw this.#limitError('bytes', this.#maxTotalBytes);
            throw ReviveError.of('upload-failed', { file: safeName, cause: (error as Error).message }, { cause: error });
        } finally {
            this.#arriving--;
            this.#inFlight -= received;
        }
        this.#files.set(id, { path, bytes: received });
        return id;
    }

    /** A token for a file the person chose in Electron (a regular file, by its full path). */
    async grant(path: string): Promise<FileRef> {
        const info = isAbsolute(path) ? await stat(path).catch(() => undefined) : undefined;
        if (!info?.isFile()) {
            throw ReviveError.of('not-a-file', { file: basename(path) });
        }
        const fileToken = randomBytes(16).toString('hex');
        this.#granted.set(fileToken, path);
        return { fileToken };
    }

    /** The path behind a reference the page sent. */
    async resolve(ref: FileRef): Promise<string> {
        if ('uploadId' in ref) return this.path(ref.uploadId);
        const path = this.#granted.get(ref.fileToken);
        if (path) return path;
        throw ReviveError.of('file-unknown', {});
    }

    /** True when the path is one of this store's uploads (they go when the backend closes). */
    holds(path: string): boolean {
        return [...this.#files.values()].some((file) => file.path === path);
    }

    /** The page let go of a file (replaced or removed): an upload is deleted from the disk at once. */
    async release(ref: FileRef): Promise<boolean> {
        if (!('uploadId' in ref)) return this.#granted.delete(ref.fileToken);
        const file = this.#files.get(ref.uploadId);
        if (!file) return false;
        this.#files.delete(ref.uploadId);
        await rm(dirname(file.path), { recursive: true, force: true });
        return true;
    }

    async path(uploadId: string): Promise<string> {
        const path = this.#files.get(uploadId)?.path;
        if (path) {
            const info = await stat(path).catch(() => undefined);
            if (info?.isFile()) return path;
        }
        throw ReviveError.of('upload-unknown', {});
    }

    async close(): Promise<void> {
        const dir = this.#dir;
        this.#dir = undefined;
        this.#files.clear();
        this.#granted.clear();
        if (!dir) return;
        const folder = await dir;
        await rm(folder, { recursive: true, force: true });
        liveFolders.delete(folder);
    }
}
