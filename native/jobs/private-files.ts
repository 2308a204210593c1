/**
 * Files Revive writes on the computer from what a phone says: backups and key material. A phone
 * names its files, so a name is taken only when it is plain (no separator, not `.`/`..`) and the
 * path it makes stays inside the chosen folder; files are new (never an existing file or a link
 * someone planted) and private (0600 in a 0700 folder), whatever the umask or what was there.
 */
import { constants } from 'node:fs';
import { chmod, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ReviveError } from './errors.js';
import { isPlainFileName } from './names.js';

/** `dir/name` for a name the phone gave, or a refusal when it is not a plain name inside `dir`. */
export function fileInside(dir: string, name: string): string {
    const base = resolve(dir);
    const full = resolve(base, name);
    if (!isPlainFileName(name) || dirname(full) !== base || basename(full) !== name) {
        throw ReviveError.of('unsafe-file-name', { file: name.slice(0, 200), folder: base });
    }
    return full;
}

/** A folder only its owner can enter (0700), also when it already existed. */
export async function ensurePrivateDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
}

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Create a new 0600 file; an existing file or link at `path` is an error, never followed or overwritten. */
export async function createPrivateFile(path: string): Promise<FileHandle> {
    try {
        const handle = await open(path, NEW_FILE, 0o600);
        await handle.chmod(0o600);
        return handle;
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
            throw ReviveError.of('file-exists', { file: path }, { cause: error });
        }
        throw error;
    }
}

/**
 * Replace `path` with `data` as a private file (key material, digests): written to a new file
 * beside it, then renamed over it, so a link at `path` is replaced, not followed. A missing folder
 * is made 0700; an existing one (the person's own choice) is left as it is.
 */
export async function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.new`);
    const handle = await createPrivateFile(temporary);
    try {
        await handle.writeFile(data);
        await handle.sync();
    } catch (error) {
        await handle.close();
        await rm(temporary, { force: true });
        throw error;
    }
    await handle.close();
    await rename(temporary, path);
}
