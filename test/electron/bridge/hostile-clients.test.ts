/**
 * Nothing a local client sends may end the bridge's process (issue 13, H1): a refused upgrade whose
 * client resets the connection, a frame over the size limit, invalid UTF-8 in a text frame, a
 * garbage handshake. The bridge runs in a child process so a crash shows as that process exiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

interface Host {
    readonly port: number;
    readonly token: string;
}

const HOST_SCRIPT = new URL('./hostile-host.ts', import.meta.url).pathname;

describe('bridge against hostile local clients', () => {
    let child: ChildProcess;
    let host: Host;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let stderr = '';

    // A fresh bridge per case, so each attack is judged on its own.
    beforeEach(async () => {
        exited = undefined;
        stderr = '';
        const own = spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
        child = own;
        own.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        // Only this case's bridge counts (the previous one may still be reporting its SIGTERM).
        own.once('exit', (code, signal) => {
            if (child === own) exited = { code, signal };
        });
        const line = await new Promise<string>((resolve, reject) => {
            const lines = createInterface({ input: child.stdout! });
            lines.once('line', resolve);
            child.once('exit', () => reject(new Error(`bridge host exited: ${stderr}`)));
        });
        host = JSON.parse(line) as Host;
    });
    afterEach(async () => {
        if (exited) return;
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
    });

    const origin = (): string => `http://127.0.0.1:${host.port}`;
    const rawSocket = (): Promise<Socket> =>
        new Promise((resolve, reject) => {
            const socket = connect(host.port, '127.0.0.1', () => resolve(socket));
            socket.once('error', reject);
        });
    const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    const upgradeRequest = (token: string): string =>
        `GET /api?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nOrigin: ${origin()}\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    const open = (): Promise<WebSocket> =>
        new Promise((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, { origin: origin() });
            ws.once('open', () => resolve(ws));
            ws.once('error', reject);
        });
    /** The bridge still answers a proper call: it is alive and serving. */
    const stillServes = async (): Promise<void> => {
        expect(exited, `the bridge exited: ${stderr}`).toBeUndefined();
        const ws = await open();
        const answer = await new Promise<{ result: { ok: boolean } }>((resolve) => {
            ws.once('message', (data) => resolve(JSON.parse(String(data))));
            ws.send(JSON.stringify({ token: host.token, id: 1, command: 'listRecipes', request: {} }));
        });
        expect(answer.result.ok).toBe(true);
        ws.close();
    };

    it('survives clients that reset the connection while a refused upgrade is answered', async () => {
        for (let i = 0; i < 40; i++) {
            const socket = await rawSocket();
            socket.on('error', () => undefined);
            socket.write(upgradeRequest('wrong-token'));
            socket.resetAndDestroy();
        }
        await settle(500);
        await stillServes();
    });

    it('survives a frame over the size limit', async () => {
        const ws = await open();
        ws.on('error', () => undefined);
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        ws.send(Buffer.alloc(300 * 1024, 0x61), { binary: false });
        expect(await closed).toBe(1009);
        await stillServes();
    });

    it('survives a text frame of invalid UTF-8', async () => {
        const socket = await rawSocket();
        socket.on('error', () => undefined);
        socket.write(upgradeRequest(host.token));
        await new Promise<void>((resolve) => socket.once('data', () => resolve()));
        // FIN + text opcode, masked, 2 bytes payload: c3 28 (an invalid two-byte sequence).
        const mask = Buffer.from([1, 2, 3, 4]);
        const payload = Buffer.from([0xc3, 0x28]).map((b, i) => b ^ mask[i % 4]!);
        socket.write(Buffer.concat([Buffer.from([0x81, 0x82]), mask, payload]));
        await settle(500);
        socket.destroy();
        await stillServes();
    });

    it('survives garbage instead of a handshake and a reset in the middle of a frame', async () => {
        const garbage = await rawSocket();
        garbage.on('error', () => undefined);
        garbage.write('\x16\x03\x01\x00\xff garbage\r\n\r\n');
        await settle(200);
        garbage.resetAndDestroy();
        const half = await rawSocket();
        half.on('error', () => undefined);
        half.write(upgradeRequest(host.token));
        await new Promise<void>((resolve) => half.once('data', () => resolve()));
        half.write(Buffer.from([0x81, 0xfe, 0xff]));
        half.resetAndDestroy();
        await settle(500);
        await stillServes();
    });
});
