/** Main's guards: only our renderer's top frame may call, and only with a request of the right shape. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch, type CommandHandlers } from '../../electron/app/dispatch.js';
import { WINDOW_CSP, allowNavigation, allowPermission, isTrustedSender, windowOptions } from '../../electron/app/window-guards.js';

const INDEX = 'file:///opt/Revive/resources/app/dist/renderer/index.html';
const ROOT = join(import.meta.dirname, '..', '..');

describe('main process guards', () => {
    it('accepts our top frame and refuses foreign or nested frames', () => {
        expect(isTrustedSender({ url: INDEX, parent: null }, INDEX)).toBe(true);
        expect(isTrustedSender({ url: 'https://evil.example/', parent: null }, INDEX)).toBe(false);
        expect(isTrustedSender({ url: 'file:///tmp/other.html', parent: null }, INDEX)).toBe(false);
        expect(isTrustedSender({ url: INDEX, parent: {} }, INDEX)).toBe(false);
        expect(isTrustedSender(null, INDEX)).toBe(false);
    });

    it('refuses a request of the wrong shape before any handler runs', async () => {
        let ran = false;
        const handlers = new Proxy({}, { get: () => async () => { ran = true; return {}; } }) as CommandHandlers;
        const bad = await dispatch(handlers, 'cancelJob', { jobId: 42 });
        expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
        const extra = await dispatch(handlers, 'listDevices', { sneaky: true });
        expect(extra.ok).toBe(false);
        const unknown = await dispatch(handlers, 'runShell', {});
        expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown-command' } });
        expect(ran).toBe(false);
    });

    it('locks the window down', () => {
        const prefs = windowOptions('/x/preload.cjs').webPreferences;
        expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
        expect(WINDOW_CSP).toContain("default-src 'self'");
        expect(WINDOW_CSP).toContain("script-src 'self'");
        expect(WINDOW_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
        expect(allowNavigation('https://example.org/')).toBe(false);
        expect(allowPermission('media')).toBe(false);
    });

    it('the preload exposes the contract only, never ipcRenderer', () => {
        const preload = readFileSync(join(ROOT, 'electron', 'preload.ts'), 'utf8');
        expect(preload).toMatch(/exposeInMainWorld\('revive', Object\.freeze\(api\)\)/);
        expect(preload).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer/);
        const main = readFileSync(join(ROOT, 'electron', 'main.ts'), 'utf8');
        // Electron security checklist, as electronegativity would check it.
        expect(main).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false|allowRunningInsecureContent:\s*true/);
        expect(main).toMatch(/setWindowOpenHandler/);
        expect(main).toMatch(/will-navigate/);
        expect(main).toMatch(/setPermissionRequestHandler/);
        expect(main).toMatch(/senderFrame/);
    });
});
