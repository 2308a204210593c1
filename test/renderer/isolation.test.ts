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

describe('Electron security checklist items without a guard function of their own', () => {
    const main = readFileSync(join(ROOT, 'electron', 'main.ts'), 'utf8');

    it('enables no Blink or experimental feature and no <webview> (items 9–12)', () => {
        const prefs = windowOptions('/x/preload.cjs').webPreferences;
        expect(prefs).toMatchObject({ experimentalFeatures: false, webviewTag: false });
        expect(prefs).not.toHaveProperty('enableBlinkFeatures');
        expect(main).not.toMatch(/enableBlinkFeatures|allowpopups/);
        expect(main).toMatch(/will-attach-webview', \(event\) => event\.preventDefault\(\)/);
    });

    it('opens only https links outside, in the system browser (item 15)', () => {
        const calls = main.split('\n').filter((line) => line.includes('shell.openExternal('));
        expect(calls).toEqual([expect.stringMatching(/if \(\/\^https:\\\/\\\/\/\.test\(url\)\) void shell\.openExternal\(url\);/)]);
    });

    it('uses a current Electron, 45 or later (item 16)', () => {
        const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
        const range = pkg.devDependencies?.['electron'] ?? pkg.optionalDependencies?.['electron'] ?? '';
        expect(Number(/(\d+)\./.exec(range)?.[1])).toBeGreaterThanOrEqual(45);
    });

    it('loads the window from app://, never file:// (item 18)', () => {
        expect(main).toMatch(/protocol\.handle\(APP_SCHEME/);
        expect(main).toMatch(/const rendererIndex = APP_INDEX_URL;/);
        expect(main).not.toMatch(/loadFile\(|pathToFileURL/);
    });
});
