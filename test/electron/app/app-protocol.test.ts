/**
 * The Electron window's renderer comes through the app:// protocol with a real header CSP, not from
 * file:// (issue 13, L2; Electron's security checklist, item 18); the page carries no meta CSP that
 * would allow more (a WebSocket to any local port).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, serveAppRequest } from '../../../electron/app/app-protocol.js';
import { isTrustedSender } from '../../../electron/app/window-guards.js';

let dir: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-app-protocol-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Revive</title>');
    writeFileSync(join(dir, 'assets', 'main.js'), 'console.log(1)');
    writeFileSync(join(dir, '..', 'revive-app-protocol-outside.txt'), 'outside');
});
afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'revive-app-protocol-outside.txt'), { force: true });
});

describe('app:// protocol', () => {
    it('serves the renderer with a header CSP that allows no WebSocket and no remote origin', async () => {
        const page = await serveAppRequest(dir, APP_INDEX_URL);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("default-src 'self'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).not.toMatch(/ws:|https?:|unsafe-inline|unsafe-eval/);
        expect(page.headers.get('x-content-type-options')).toBe('nosniff');
        const script = await serveAppRequest(dir, 'app://revive/assets/main.js');
        expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
        expect(await script.text()).toBe('console.log(1)');
    });

    it('refuses paths outside the renderer, other hosts and missing files', async () => {
        expect((await serveAppRequest(dir, 'app://revive/../revive-app-protocol-outside.txt')).status).toBe(404);
        expect((await serveAppRequest(dir, 'app://revive/%2e%2e/revive-app-protocol-outside.txt')).status).toBe(404);
        expect((await serveAppRequest(dir, 'app://other/index.html')).status).toBe(404);
        expect((await serveAppRequest(dir, 'app://revive/nope.js')).status).toBe(404);
    });

    it('accepts IPC only from the app:// page\'s top frame', () => {
        expect(isTrustedSender({ url: APP_INDEX_URL, parent: null }, APP_INDEX_URL)).toBe(true);
        expect(isTrustedSender({ url: 'app://revive/assets/x.html', parent: null }, APP_INDEX_URL)).toBe(true);
        expect(isTrustedSender({ url: 'foo://revive/index.html', parent: null }, APP_INDEX_URL)).toBe(false);
        expect(isTrustedSender({ url: 'app://evil/index.html', parent: null }, APP_INDEX_URL)).toBe(false);
        expect(isTrustedSender({ url: 'file:///opt/Revive/index.html', parent: null }, APP_INDEX_URL)).toBe(false);
        expect(isTrustedSender({ url: APP_INDEX_URL, parent: {} }, APP_INDEX_URL)).toBe(false);
    });

    it('the page itself carries no meta CSP (both hosts send a header with exactly what they allow)', () => {
        const html = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');
        expect(html).not.toMatch(/http-equiv="Content-Security-Policy"/i);
    });
});
