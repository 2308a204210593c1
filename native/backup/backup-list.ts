/**
 * The backup archives in one folder, as far as they tell without a passphrase: the phone and time
 * from the file name (`CODENAME-SERIAL-TIME.tar.age`, archive-writer.ts), the size, how the archive
 * is locked (age's header is plain text: a passphrase or keys) and the last verification
 * (check-record.ts), which also brings the manifest's facts once the archive was opened.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { appHome } from '../jobs/journal.js';
import { parseHeader } from './age/header.js';
import { ARCHIVE_SUFFIX } from './archive-writer.js';
import { lastCheck, type CheckRecord } from './check-record.js';

export interface ListedBackup {
    /** The file's name in the folder (`FOLDER/NAME` one level down): what the app refers to it by. */
    readonly fileName: string;
    readonly path: string;
    readonly sizeBytes: number;
    readonly codename: string | null;
    readonly serial: string | null;
    /** When the backup was made: the manifest's time once verified, else the file name's, else the file's. */
    readonly createdAt: string;
    /** `passphrase` (age scrypt), `key` (X25519 recipients), `unknown` (not an age file we can read). */
    readonly lockedWith: 'passphrase' | 'key' | 'unknown';
    readonly lastCheck: CheckRecord | undefined;
}

const NAME = /^([^-]+)-(.+)-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.tar\.age$/;

async function lockedWith(path: string): Promise<ListedBackup['lockedWith']> {
    const handle = await open(path, 'r');
    try {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        const header = parseHeader(buffer.subarray(0, bytesRead));
        if (!header) return 'unknown';
        return header.stanzas.some((s) => s.type === 'scrypt') ? 'passphrase' : 'key';
    } catch {
        return 'unknown';
    } finally {
        await handle.close();
    }
}

/** One archive in `folder` by its file name (no path from outside: the name must be a listed one). */
export async function describeBackup(folder: string, fileName: string, home: string = appHome()): Promise<ListedBackup> {
    const path = join(folder, fileName);
    const info = await stat(path);
    const named = NAME.exec(basename(fileName));
    const check = await lastCheck(path, home);
    const fromName = named ? `${named[3]}T${named[4]}:${named[5]}:${named[6]}.000Z` : undefined;
    return {
        fileName,
        path,
        sizeBytes: info.size,
        codename: check?.device?.codename ?? named?.[1] ?? null,
        serial: check?.device?.serial ?? named?.[2] ?? null,
        createdAt: check?.device?.createdAt ?? fromName ?? info.mtime.toISOString(),
        lockedWith: await lockedWith(path),
        lastCheck: check,
    };
}

/**
 * Every finished archive in `folder` and in its folders one level down (an upgrade keeps its backup
 * in a folder of its own, `<date>-<model>-<serial>/`), newest first; `fileName` is then
 * `FOLDER/NAME.tar.age`. A `.partial` being written is not a backup yet.
 */
export async function listBackups(folder: string, home: string = appHome()): Promise<ListedBackup[]> {
    const entries = async (dir: string): Promise<Dirent[]> =>
        readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return [];
            throw error;
        });
    const isArchive = (e: Dirent): boolean => e.isFile() && e.name.endsWith(ARCHIVE_SUFFIX);
    const top = await entries(folder);
    const names = top.filter(isArchive).map((e) => e.name);
    for (const sub of top.filter((e) => e.isDirectory() && !e.name.startsWith('.'))) {
        names.push(...(await entries(join(folder, sub.name))).filter(isArchive).map((e) => `${sub.name}/${e.name}`));
    }
    const listed = await Promise.all(names.map((name) => describeBackup(folder, name, home)));
    return listed.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
