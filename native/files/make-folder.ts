/**
 * Creating a folder a person named (`--virtual-state DIR`), one level at a time. Node's recursive
 * mkdir loops forever where mkdir answers ENOENT for an existing parent (under /proc); this walks
 * up to the first existing ancestor and creates each missing level with a plain mkdir, so every
 * failure is a clear error naming the folder.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ReviveError } from '../jobs/errors.js';

function cannotCreate(folder: string, what: string, why: string, cause?: unknown): ReviveError {
    return new ReviveError(
        { code: 'folder-unusable', message: `Cannot use ${folder} as the ${what}: ${why}.`, nextStep: 'Name a folder in your home or temp folder that you can write to.', details: { folder } },
        { cause },
    );
}

export async function makeFolder(folder: string, what: string): Promise<void> {
    const missing: string[] = [];
    let at = resolve(folder);
    for (;;) {
        const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return undefined;
            throw cannotCreate(folder, what, `${at} cannot be read (${error.code ?? error.message})`, error);
        });
        if (info) {
            if (!info.isDirectory()) throw cannotCreate(folder, what, `${at} is not a folder`);
            break;
        }
        missing.unshift(at);
        const parent = dirname(at);
        if (parent === at) break;
        at = parent;
    }
    for (const level of missing) {
        await mkdir(level).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'EEXIST') return;
            throw cannotCreate(folder, what, `${level} cannot be created (${error.code ?? error.message})`, error);
        });
    }
}
