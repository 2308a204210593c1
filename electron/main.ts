/**
 * Electron main: one window, locked down (context isolation, sandbox, no Node in the page, the
 * renderer from app:// with a strict CSP header, no navigation, no new windows, every permission denied), and the API
 * contract over IPC with every call checked for its sender frame and validated by the backend.
 * The device layer runs here, in main, never in the renderer.
 */
import { app, BrowserWindow, ipcMain, protocol, session, shell, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMAND_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, IPC_GRANT_FILE, IPC_OPEN_BACKUP_FOLDER } from './api/names.js';
import { toApiError } from './app/dispatch.js';
import { APP_INDEX_URL, APP_SCHEME, serveAppRequest } from './app/app-protocol.js';
import { createBackend } from './app/backend.js';
import { openBackupFolder } from './app/open-folder.js';
import { usbipSourcesFromEnv } from './phone-finding/usbip-sources.js';
import { WINDOW_CSP, allowNavigation, allowPermission, isTrustedSender, windowOptions } from './app/window-guards.js';

const here = fileURLToPath(new URL('.', import.meta.url));
// Packaged and `npm start` layouts: dist/electron/main.js next to dist/electron/preload.cjs and dist/renderer.
const preloadPath = join(here, 'preload.cjs');
const rendererDir = join(here, '..', 'renderer');
// The window loads app://revive/index.html (served from rendererDir with a header CSP), never file://.
const rendererIndex = APP_INDEX_URL;

// Standard and secure, so the page gets a proper origin and ES modules load; before 'ready'.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

app.enableSandbox();

async function createWindow(): Promise<void> {
    // Local USB, plus the USB/IP servers given to `npm start` (--usbip or REVIVE_USBIP).
    const backend = createBackend({ usbipSources: usbipSourcesFromEnv() });
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request.url));
    const window = new BrowserWindow(windowOptions(preloadPath));
    const contents = window.webContents;

    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
        callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [WINDOW_CSP] } });
    });
    session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(allowPermission(permission)));
    session.defaultSession.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
    // The URL is read from the event: the positional url argument is deprecated (Electron 45 types).
    contents.on('will-navigate', (event) => {
        if (!allowNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
        // Links to the outside (e.g. twrp.me) open in the person's browser, never in our window.
        if (/^https:\/\//.test(url)) void shell.openExternal(url);
        return { action: 'deny' };
    });

    const guard = (event: IpcMainInvokeEvent): boolean => isTrustedSender(event.senderFrame, rendererIndex);
    for (const command of COMMAND_NAMES) {
        ipcMain.handle(`${IPC_COMMAND_PREFIX}${command}`, async (event, request: unknown) => {
            if (!guard(event)) return { ok: false, error: { code: 'refused', message: 'A call from a page that is not Revive was refused.', nextStep: 'Restart Revive.' } };
            return backend.call(command, request);
        });
    }
    ipcMain.handle(IPC_GRANT_FILE, async (event, path: unknown) => {
        if (!guard(event) || typeof path !== 'string') return { ok: false, error: { code: 'refused', message: 'A call from a page that is not Revive was refused.', nextStep: 'Restart Revive.' } };
        try {
            return { ok: true, value: await backend.uploads.grant(path) };
        } catch (error) {
            return { ok: false, error: toApiError(error) };
        }
    });
    ipcMain.handle(IPC_OPEN_BACKUP_FOLDER, async (event, jobId: unknown) => {
        if (!guard(event)) return { ok: false, error: { code: 'refused', message: 'A call from a page that is not Revive was refused.', nextStep: 'Restart Revive.' } };
        return openBackupFolder(backend, jobId, (path) => shell.openPath(path));
    });
    const unsubscribe = backend.subscribe((name, payload) => {
        if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, name, payload);
    });
    window.once('ready-to-show', () => window.show());
    window.on('closed', () => {
        unsubscribe();
        for (const command of COMMAND_NAMES) ipcMain.removeHandler(`${IPC_COMMAND_PREFIX}${command}`);
        ipcMain.removeHandler(IPC_GRANT_FILE);
        ipcMain.removeHandler(IPC_OPEN_BACKUP_FOLDER);
        void backend.close();
    });
    await window.loadURL(rendererIndex);
}

app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => app.quit());
void app.whenReady().then(createWindow);
