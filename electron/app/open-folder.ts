/**
 * "Open the folder" on the done screen, for Electron main: the page names a job, never a path; main
 * opens that job's own verified backup folder with the desktop shell, and only if it is a folder
 * (shell.openPath would run an executable file).
 */
import { stat } from 'node:fs/promises';
import type { ApiResult } from '../api/contract.js';
import type { Backend } from './backend.js';

export async function openBackupFolder(backend: Pick<Backend, 'backupFolderOf'>, jobId: unknown, open: (path: string) => Promise<string>): Promise<ApiResult<{ path: string }>> {
    const path = typeof jobId === 'string' ? backend.backupFolderOf(jobId) : undefined;
    if (!path) {
        return { ok: false, error: { code: 'backup-folder-unknown', facts: {} } };
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) {
        return { ok: false, error: { code: 'backup-folder-gone', facts: { path } } };
    }
    const problem = await open(path);
    if (problem) {
        // The desktop shell's own words say why.
        return { ok: false, error: { code: 'backup-folder-not-opened', facts: { path, problem } } };
    }
    return { ok: true, value: { path } };
}
