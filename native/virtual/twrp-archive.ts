/**
 * What the virtual TWRP writes for a partition it backs up as files (system, data, cache): like
 * real TWRP (twrpTar.cpp) a tar of the mounted tree — for data without `media/` (internal storage,
 * which TWRP leaves out and warns about) — split into `.win000`, `.win001`… when it passes TWRP's
 * 1.5 GiB MAX_ARCHIVE_SIZE. Because the virtual phone keeps a partition's bytes apart from its file
 * tree, the tar also carries `.virtual/partition.img` (the stored bytes) and `.virtual/state.json`
 * (what the system partition decides: Android version, fingerprint, installed packages; for data
 * the installed apps), so a restore gives back exactly the state that was backed up.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix, relative } from 'node:path';
import tar from 'tar-stream';
import type { ServiceContext } from './adbd-service.js';
import type { InstalledPackage } from './mode-protocol.js';

export const VIRTUAL_IMAGE_ENTRY = '.virtual/partition.img';
export const VIRTUAL_STATE_ENTRY = '.virtual/state.json';
const CHUNK = 1024 * 1024;

interface SystemState {
    readonly androidVersion: string;
    readonly buildFingerprint: string;
    readonly installed: InstalledPackage[];
}

async function* walk(root: string, skip: (rel: string) => boolean, dir = root): AsyncGenerator<{ rel: string; path: string; size: number }> {
    const names = (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of names) {
        const path = join(dir, entry.name);
        const rel = relative(root, path).split('\\').join('/');
        if (skip(rel)) continue;
        if (entry.isDirectory()) yield* walk(root, skip, path);
        else if (entry.isFile()) yield { rel, path, size: (await stat(path)).size };
    }
}

/** Files written one after another, rolling over to the next `…winNNN` at `splitBytes`. */
class SplitFiles {
    readonly #base: string;
    readonly #splitBytes: number;
    readonly names: string[] = [];
    #handle: FileHandle | undefined;
    #inCurrent = 0;

    constructor(base: string, splitBytes: number) {
        this.#base = base;
        this.#splitBytes = splitBytes;
    }

    async write(data: Buffer): Promise<void> {
        let pos = 0;
        while (pos < data.length) {
            if (!this.#handle || this.#inCurrent >= this.#splitBytes) await this.#next();
            const take = Math.min(data.length - pos, this.#splitBytes - this.#inCurrent);
            await this.#handle?.write(data.subarray(pos, pos + take));
            pos += take;
            this.#inCurrent += take;
        }
    }

    async #next(): Promise<void> {
        await this.#handle?.close();
        const name = `${this.#base}${String(this.names.length).padStart(3, '0')}`;
        this.names.push(name);
        this.#handle = await open(name, 'w');
        this.#inCurrent = 0;
    }

    /** Close; a backup that fit in one file loses the number, as TWRP names it. */
    async close(): Promise<string[]> {
        if (!this.#handle) await this.#next();
        await this.#handle?.close();
        if (this.names.length === 1 && this.names[0]) {
            await rename(this.names[0], this.#base);
            return [this.#base];
        }
        return this.names;
    }
}

/** Write the tar of one file-system partition; returns the files written (one, or the split parts). */
export async function writeFilesystemBackup(context: ServiceContext, partition: { name: string; twrpName: string; mount: string }, base: string, splitBytes: number): Promise<string[]> {
    const { phone } = context;
    const pack = tar.pack();
    const out = new SplitFiles(base, splitBytes);
    const draining = (async () => {
        for await (const chunk of pack) await out.write(chunk as Buffer);
    })();
    const add = async (name: string, size: number, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> => {
        await new Promise<void>((resolve, reject) => {
            const entry = pack.entry({ name, size }, (error) => (error ? reject(error) : resolve()));
            (async () => {
                for await (const chunk of source) if (!entry.write(chunk)) await once(entry, 'drain');
                (entry as unknown as { end(): void }).end();
            })().catch(reject);
        });
    };
    const length = await phone.partitions.storedLength(partition.name);
    await add(VIRTUAL_IMAGE_ENTRY, length, (async function* () {
        for (let offset = 0; offset < length; offset += CHUNK) yield await phone.partitions.read(partition.name, offset, Math.min(CHUNK, length - offset));
    })());
    const state: Record<string, unknown> =
        partition.twrpName === 'system'
            ? ({ androidVersion: phone.state.androidVersion, buildFingerprint: phone.state.buildFingerprint, installed: phone.state.installed } satisfies SystemState)
            : partition.twrpName === 'data'
              ? { apps: phone.state.extra['apps'] ?? null }
              : {};
    const stateBytes = Buffer.from(JSON.stringify(state));
    await add(VIRTUAL_STATE_ENTRY, stateBytes.length, [stateBytes]);
    const root = context.fs.hostPath(partition.mount);
    const skip = (rel: string): boolean => partition.twrpName === 'data' && (rel === 'media' || rel.startsWith('media/'));
    for await (const file of walk(root, skip)) await add(file.rel, file.size, createReadStream(file.path));
    pack.finalize();
    await draining;
    return out.close();
}

/** Restore a partition from its tar (all split parts, in order), keeping data's media/ as TWRP does. */
export async function restoreFilesystemBackup(context: ServiceContext, partition: { name: string; twrpName: string; mount: string }, files: readonly string[]): Promise<void> {
    const { phone } = context;
    const root = context.fs.hostPath(partition.mount);
    const keep = partition.twrpName === 'data' ? ['media'] : [];
    for (const name of await readdir(root).catch(() => [] as string[])) if (!keep.includes(name)) await rm(join(root, name), { recursive: true, force: true });
    await phone.partitions.erase(partition.name);
    const extract = tar.extract();
    const feeding = (async () => {
        for (const file of files) for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) if (!extract.write(chunk as Buffer)) await once(extract, 'drain');
        (extract as unknown as { end(): void }).end();
    })();
    feeding.catch((error: unknown) => extract.destroy(error as Error));
    for await (const entry of extract) {
        const name = entry.header.name;
        if (entry.header.type !== 'file') {
            entry.resume();
            continue;
        }
        const chunks = entry as AsyncIterable<Buffer>;
        if (name === VIRTUAL_IMAGE_ENTRY) {
            let offset = 0;
            for await (const chunk of chunks) {
                await phone.partitions.write(partition.name, offset, chunk);
                offset += chunk.length;
            }
            await phone.partitions.truncate(partition.name, offset);
        } else if (name === VIRTUAL_STATE_ENTRY) {
            const parts: Buffer[] = [];
            for await (const chunk of chunks) parts.push(chunk);
            const state = JSON.parse(Buffer.concat(parts).toString('utf8')) as Partial<SystemState> & { apps?: unknown };
            if (partition.twrpName === 'system' && state.buildFingerprint !== undefined) {
                phone.state.androidVersion = state.androidVersion ?? phone.state.androidVersion;
                phone.state.buildFingerprint = state.buildFingerprint;
                phone.state.installed = state.installed ?? [];
            }
            if (partition.twrpName === 'data') {
                if (state.apps === null || state.apps === undefined) delete phone.state.extra['apps'];
                else phone.state.extra['apps'] = state.apps as never;
            }
            await phone.saveState();
        } else {
            const target = join(root, ...posix.normalize(name).split('/').filter((s) => s !== '..'));
            await mkdir(dirname(target), { recursive: true });
            const handle = await open(target, 'w');
            try {
                for await (const chunk of chunks) await handle.write(chunk);
            } finally {
                await handle.close();
            }
        }
    }
    await feeding;
    if (partition.twrpName === 'cache') await mkdir(join(root, 'recovery'), { recursive: true });
}
