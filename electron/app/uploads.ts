/**
 * The files the page may refer to, each by a random id, never by path: uploads a browser streams
 * over the bridge into a private temp folder (never held in memory), and files Electron main grants
 * a token for when the person drops or picks them (main alone calls `grant`; the bridge never does).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join } from 'node:path';
import type { FileRef } from '../api/contract.js';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReviveError } from '../../native/jobs/errors.js';

/** Largest upload accepted: bigger than any ROM zip we know, small enough to stop a runaway client. */
export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

export class UploadStore {
    readonly #files = new Map<string, string>();
    readonly #granted = new Map<string, string>();
    #dir: Promise<string> | undefined;

    #root(): Promise<string> {
        this.#dir ??= mkdtemp(join(tmpdir(), 'revive-uploads-'));
        return this.#dir;
    }

    /** Stream one upload to disk; returns its id. `fileName` is kept (sanitised) so checks can see it. */
    async receive(fileName: string, body: Readable, signal?: AbortSignal): Promise<string> {
        const safeName = basename(fileName).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || 'upload.bin';
        const id = randomBytes(16).toString('hex');
        const dir = join(await this.#root(), id);
        await mkdir(dir, { mode: 0o700 });
        const path = join(dir, safeName);
        let received = 0;
        body.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_UPLOAD_BYTES) body.destroy(new Error(`the upload is larger than ${MAX_UPLOAD_BYTES} bytes`));
        });
        try {
            await pipeline(body, createWriteStream(path, { mode: 0o600 }), { signal });
        } catch (error) {
            await rm(dir, { recursive: true, force: true });
            throw new ReviveError(
                { code: 'upload-failed', message: `The file ${safeName} did not arrive completely: ${(error as Error).message}.`, nextStep: 'Add the file again.' },
                { cause: error },
            );
        }
        this.#files.set(id, path);
        return id;
    }

    /** A token for a file the person chose in Electron (a regular file, by its full path). */
    async grant(path: string): Promise<FileRef> {
        const info = isAbsolute(path) ? await stat(path).catch(() => undefined) : undefined;
        if (!info?.isFile()) {
            throw new ReviveError({ code: 'not-a-file', message: `${basename(path)} is not a file Revive can read (a folder, a device or gone).`, nextStep: 'Choose the downloaded file itself.' });
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
        throw new ReviveError({ code: 'file-unknown', message: 'Revive does not know this file (it was not chosen in this window, or Revive was restarted).', nextStep: 'Add the file again.' });
    }

    /** True when the path is one of this store's uploads (they go when the backend closes). */
    holds(path: string): boolean {
        return [...this.#files.values()].includes(path);
    }

    async path(uploadId: string): Promise<string> {
        const path = this.#files.get(uploadId);
        if (path) {
            const info = await stat(path).catch(() => undefined);
            if (info?.isFile()) return path;
        }
        throw new ReviveError({
            code: 'upload-unknown',
            message: 'The uploaded file is no longer there (the backend was restarted or the upload was removed).',
            nextStep: 'Add the file again.',
        });
    }

    async close(): Promise<void> {
        const dir = this.#dir;
        this.#dir = undefined;
        this.#files.clear();
        this.#granted.clear();
        if (dir) await rm(await dir, { recursive: true, force: true });
    }
}
