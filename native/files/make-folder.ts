/**
 * Creating a folder a person named (`--virtual-state DIR`), one level at a time. Node's recursive
 * mkdir loops forever where mkdir answers ENOENT for an existing parent (under /proc); this walks
 * up to the first existing ancestor and creates each missing level with a plain mkdir, so every
 * failure is a clear error naming the folder.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

/** What a folder is for; the message names it in the person's language (`errorFacts.folderKinds`). */
export type FolderKind = 'virtual-state';

function cannotCreate(folder: string, what: FolderKind, at: string, variant: FactsOf<'folder-unusable'>['variant'], error?: NodeJS.ErrnoException): ReviveError {
    return ReviveError.of('folder-unusable', { folder, kind: what, at, variant, problem: error ? (error.code ?? error.message) : '' }, { cause: error });
}

export async function makeFolder(folder: string, what: FolderKind): Promise<void> {
    const missing: string[] = [];
    let at = resolve(folder);
    for (;;) {
        const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
            if (error.code === 'ENOENT') return undefined;
            throw cannotCreate(folder, what, at, 'unreadable', error);
        });
        if (info) {
            if (!info.isDirectory()) throw cannotCreate(folder, what, at, 'not-folder');
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
            throw cannotCreate(folder, what, level, 'cannot-create', error);
        });
    }
}
