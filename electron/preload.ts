/**
 * The preload: exposes exactly the API contract as `window.revive` (a frozen object, one function
 * per command, one `on<Event>` per event returning an unsubscribe). Never ipcRenderer itself.
 * Bundled to one CommonJS file (vite --mode preload) because a sandboxed preload loads no modules.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { COMMAND_NAMES, EVENT_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, IPC_GRANT_FILE, IPC_OPEN_BACKUP_FOLDER, subscriptionName } from './api/names.js';

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: unknown, payload: unknown) => {
    if (typeof name !== 'string') return;
    for (const listener of listeners.get(name) ?? []) listener(payload);
});

const api: Record<string, unknown> = { host: 'electron' };
for (const command of COMMAND_NAMES) {
    api[command] = (request: unknown) => ipcRenderer.invoke(`${IPC_COMMAND_PREFIX}${command}`, request);
}
for (const event of EVENT_NAMES) {
    api[subscriptionName(event)] = (listener: Listener) => {
        if (typeof listener !== 'function') throw new TypeError('listener must be a function');
        const set = listeners.get(event) ?? new Set<Listener>();
        listeners.set(event, set);
        set.add(listener);
        return () => void set.delete(listener);
    };
}
// A dropped or picked file: main hands out a token for it. The path comes from the File object
// (only a person's drop or pick makes one with a path), so the page cannot name a path itself.
api.fileRef = async (file: File) => {
    const path = webUtils.getPathForFile(file);
    if (!path) return { ok: false, error: { code: 'file-no-path', message: `Revive cannot read ${file.name} from where it is.`, nextStep: 'Save the file to a folder on this computer first, then add it again.' } };
    return ipcRenderer.invoke(IPC_GRANT_FILE, path);
};

// Main opens only the folder of a job it ran, never a path the page names.
api.openBackupFolder = (jobId: string) => ipcRenderer.invoke(IPC_OPEN_BACKUP_FOLDER, jobId);

contextBridge.exposeInMainWorld('revive', Object.freeze(api));
