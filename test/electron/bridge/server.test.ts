/** The bridge refuses calls without the token, from other origins, and paths outside the renderer. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { startBridge, type Bridge } from '../../../electron/bridge/server.js';
import { staticPath } from '../../../electron/bridge/security.js';

describe('browser bridge', () => {
    let home: string;
    let backend: Backend;
    let bridge: Bridge;
    beforeAll(async () => {
        home = mkdtempSync(join(tmpdir(), 'revive-bridge-'));
        writeFileSync(join(home, 'index.html'), '<!doctype html><title>x</title>');
        backend = createBackend({ home });
        bridge = await startBridge({ backend, staticDir: home });
    });
    afterAll(async () => {
        await bridge.close();
        await backend.close();
        rmSync(home, { recursive: true, force: true });
    });

    const open = (token: string, origin: string): Promise<WebSocket> =>
        new Promise((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?token=${token}`, { origin });
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
        });
    const call = (ws: WebSocket, message: unknown): Promise<{ result: { ok: boolean; value?: unknown; error?: { code: string } } }> =>
        new Promise((resolve) => {
            ws.once('message', (data) => resolve(JSON.parse(String(data))));
            ws.send(JSON.stringify(message));
        });

    it('serves the renderer with the CSP header and refuses other hosts', async () => {
        const ok = await fetch(`http://127.0.0.1:${bridge.port}/`);
        expect(ok.status).toBe(200);
        expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(staticPath(home, '/../../etc/passwd')).toBe(join(home, 'etc/passwd'));
        expect(staticPath(home, '/%2e%2e/%2e%2e/etc/passwd')?.startsWith(home)).toBe(true);
    });

    it('refuses a socket without the token or from a foreign origin', async () => {
        await expect(open('wrong', `http://127.0.0.1:${bridge.port}`)).rejects.toThrow(/403/);
        await expect(open(bridge.token, 'https://evil.example')).rejects.toThrow(/403/);
    });

    it('answers calls that carry the token and refuses those that do not', async () => {
        const ws = await open(bridge.token, `http://127.0.0.1:${bridge.port}`);
        const good = await call(ws, { token: bridge.token, id: 1, command: 'listRecipes', request: {} });
        expect(good.result.ok).toBe(true);
        const noToken = await call(ws, { id: 2, command: 'listRecipes', request: {} });
        expect(noToken.result).toMatchObject({ ok: false, error: { code: 'refused' } });
        const badShape = await call(ws, { token: bridge.token, id: 3, command: 'startVirtualPhone', request: { codename: '../etc' } });
        expect(badShape.result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
        ws.close();
    });
});
