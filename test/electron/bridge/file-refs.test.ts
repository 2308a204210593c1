/**
 * Over the bridge, files come only from uploads (issue 13, M1): a token holder cannot make the
 * backend hash or send a path of its choosing (/etc/shadow, /dev/zero), nor guess a file token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { startBridge, type Bridge } from '../../../electron/bridge/server.js';

let home: string;
let backend: Backend;
let bridge: Bridge;
let ws: WebSocket;

beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'revive-bridge-files-'));
    writeFileSync(join(home, 'index.html'), '<!doctype html><title>x</title>');
    backend = createBackend({ home, localUsb: false });
    bridge = await startBridge({ backend, staticDir: home });
    ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?token=${bridge.token}`, { origin: `http://127.0.0.1:${bridge.port}` });
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
    });
});
afterAll(async () => {
    ws?.close();
    await bridge?.close();
    await backend?.close();
    rmSync(home, { recursive: true, force: true });
});

let nextId = 1;
function call(command: string, request: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
    const id = nextId++;
    return new Promise((resolve) => {
        const onMessage = (data: Buffer): void => {
            const message = JSON.parse(String(data)) as { type: string; id?: number; result?: { ok: boolean } };
            if (message.type !== 'result' || message.id !== id) return;
            ws.off('message', onMessage);
            resolve(message.result as { ok: boolean; error?: { code: string } });
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ token: bridge.token, id, command, request }));
    });
}

describe('file references over the bridge', () => {
    it('refuses a raw path for hashing and for keys', async () => {
        const hashed = await call('verifyFile', { file: { path: '/etc/passwd' }, role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v1', expectedSha256: '0'.repeat(64) });
        expect(hashed).toMatchObject({ ok: false, error: { code: 'bad-request' } });
        const zero = await call('verifyFile', { file: { path: '/dev/zero' }, role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v2' });
        expect(zero).toMatchObject({ ok: false, error: { code: 'bad-request' } });
        const keys = await call('rotateKeys', { jobId: 't1', oldSecretKey: { path: '/etc/passwd' }, oldPassphrase: 'violet harbour seventeen lanterns', key: { userIds: [{ email: 'a@example.org' }], passphrase: 'violet harbour seventeen lanterns' } });
        expect(keys).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    });

    it('refuses a file token it never handed out', async () => {
        const guessed = await call('verifyFile', { file: { fileToken: 'a'.repeat(32) }, role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v3' });
        expect(guessed).toMatchObject({ ok: false });
        expect(guessed.error?.code).toMatch(/^(file-unknown|bad-request)$/);
    });

    it('hashes an upload', async () => {
        const response = await fetch(`http://127.0.0.1:${bridge.port}/upload?name=rom.zip`, { method: 'POST', body: 'zip bytes', headers: { 'x-revive-token': bridge.token, origin: `http://127.0.0.1:${bridge.port}` } });
        const { value } = (await response.json()) as { value: { uploadId: string } };
        const verified = await call('verifyFile', { file: { uploadId: value.uploadId }, role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v4', expectedSha256: '0'.repeat(64) });
        expect(verified).toMatchObject({ ok: true, value: { ok: false, problem: { code: 'checksum-mismatch' } } });
    });

    it('deletes an upload the page lets go of (issue 13, L4)', async () => {
        const response = await fetch(`http://127.0.0.1:${bridge.port}/upload?name=old.zip`, { method: 'POST', body: 'old bytes', headers: { 'x-revive-token': bridge.token, origin: `http://127.0.0.1:${bridge.port}` } });
        const { value } = (await response.json()) as { value: { uploadId: string } };
        expect(await call('releaseFile', { file: { uploadId: value.uploadId } })).toMatchObject({ ok: true, value: { released: true } });
        const again = await call('verifyFile', { file: { uploadId: value.uploadId }, role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v5' });
        expect(again).toMatchObject({ ok: false, error: { code: 'upload-unknown' } });
    });
});
