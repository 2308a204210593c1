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
        return { ok: false, error: { code: 'backup-folder-unknown', message: 'Revive has no backup folder for this upgrade.', nextStep: 'Copy the path shown above and open it in your file manager.' } };
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) {
        return { ok: false, error: { code: 'backup-folder-gone', message: `The backup folder ${path} is no longer there.`, nextStep: 'Check whether it was moved or deleted.', facts: { path } } };
    }
    const problem = await open(path);
    if (problem) {
        return { ok: false, error: { code: 'backup-folder-not-opened', message: `The file manager could not open ${path}: ${problem}`, nextStep: 'Copy the path and open it in your file manager by hand.', facts: { path } } };
    }
    return { ok: true, value: { path } };
}
