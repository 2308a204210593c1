/**
 * The browser bridge: the API contract over a WebSocket on 127.0.0.1, plus the built renderer as
 * static files and a streamed upload endpoint. A per-run random token (in the printed URL's
 * fragment) must accompany every call and upload; other hosts, origins and paths are refused.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { BridgeCall, type BridgeServerMessage } from '../api/contract.js';
import type { ApiBackend } from '../app/dispatch.js';
import { toApiError } from '../app/dispatch.js';
import { MIME_TYPES, contentSecurityPolicy, hostAllowed, originAllowed, staticPath, tokenMatches } from './security.js';

export interface BridgeOptions {
    readonly backend: ApiBackend;
    /** The built renderer (dist/renderer). */
    readonly staticDir: string;
    readonly port?: number | undefined;
    /** Fixed token for tests; a fresh random one otherwise. */
    readonly token?: string | undefined;
}

export interface Bridge {
    /** What to open: `http://127.0.0.1:PORT/#token=…`. */
    readonly url: string;
    readonly port: number;
    readonly token: string;
    close(): Promise<void>;
}

/** Bigger than any call we make (the calls carry ids and names, files go through /upload). */
const MAX_MESSAGE_BYTES = 256 * 1024;

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
    const token = options.token ?? randomBytes(24).toString('base64url');
    const sockets = new Set<WebSocket>();
    let port = 0;

    const securityHeaders = (res: ServerResponse): void => {
        res.setHeader('Content-Security-Policy', contentSecurityPolicy(port));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Referrer-Policy', 'no-referrer');
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.setHeader('X-Frame-Options', 'DENY');
        res.setHeader('Cache-Control', 'no-store');
    };
    const fail = (res: ServerResponse, status: number, text: string): void => {
        if (!res.headersSent) {
            res.statusCode = status;
            res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        }
        res.end(text);
    };

    const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        const path = staticPath(options.staticDir, req.url ?? '/');
        const info = path ? await stat(path).catch(() => undefined) : undefined;
        if (!path || !info?.isFile()) return fail(res, 404, 'Not found');
        res.statusCode = 200;
        res.setHeader('Content-Type', MIME_TYPES[extname(path)] ?? 'application/octet-stream');
        res.setHeader('Content-Length', info.size);
        if (req.method === 'HEAD') return void res.end();
        createReadStream(path).pipe(res);
    };

    const upload = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (!tokenMatches(token, req.headers['x-revive-token'])) return fail(res, 403, 'Forbidden');
        if (!originAllowed(req.headers.origin, port)) return fail(res, 403, 'Forbidden');
        const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? 'upload.bin';
        res.setHeader('Content-Type', 'application/json');
        try {
            const uploadId = await options.backend.uploads.receive(name, req);
            res.end(JSON.stringify({ ok: true, value: { uploadId } }));
        } catch (error) {
            res.statusCode = 400;
            res.end(JSON.stringify({ ok: false, error: toApiError(error) }));
        }
    };

    const server = createServer((req, res) => {
        securityHeaders(res);
        if (!hostAllowed(req.headers.host, port)) return fail(res, 421, 'Wrong host');
        const path = (req.url ?? '/').split('?')[0];
        if (req.method === 'POST' && path === '/upload') {
            upload(req, res).catch((error: unknown) => fail(res, 500, String(error)));
            return;
        }
        if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'Method not allowed');
        serveStatic(req, res).catch((error: unknown) => fail(res, 500, String(error)));
    });

    const wss = new WebSocketServer({
        noServer: true,
        maxPayload: MAX_MESSAGE_BYTES,
    });
    // Nothing a client sends may end this process (it may be mid-flash): an error on one
    // connection ends that connection only.
    server.on('clientError', (_error, socket) => socket.destroy());
    server.on('connection', (socket) => socket.on('error', () => socket.destroy()));
    server.on('upgrade', (req, socket, head) => {
        // Node drops its own error listener before emitting 'upgrade'; a reset must not throw.
        socket.on('error', () => socket.destroy());
        const url = new URL(req.url ?? '/', 'http://x');
        const allowed =
            url.pathname === '/api' &&
            hostAllowed(req.headers.host, port) &&
            originAllowed(req.headers.origin, port) &&
            tokenMatches(token, url.searchParams.get('token'));
        if (!allowed) {
            socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
            return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });

    const send = (ws: WebSocket, message: BridgeServerMessage): void => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };

    wss.on('connection', (ws) => {
        sockets.add(ws);
        ws.on('close', () => sockets.delete(ws));
        // ws closes the connection itself (1009 too big, 1007 bad UTF-8) and then reports the error here.
        ws.on('error', () => ws.terminate());
        ws.on('message', (data, isBinary) => {
            let raw: unknown;
            try {
                raw = isBinary ? undefined : JSON.parse(String(data));
            } catch {
                raw = undefined;
            }
            const call = BridgeCall.safeParse(raw);
            const id = call.success ? call.data.id : typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : -1;
            if (!call.success || !tokenMatches(token, call.data.token)) {
                send(ws, {
                    type: 'result',
                    id,
                    result: { ok: false, error: { code: 'refused', facts: {} } },
                });
                return;
            }
            void options.backend.call(call.data.command, call.data.request).then((result) => send(ws, { type: 'result', id, result }));
        });
    });

    const unsubscribe = options.backend.subscribe((event, payload) => {
        for (const ws of sockets) send(ws, { type: 'event', event, payload });
    });

    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;

    return {
        url: `http://127.0.0.1:${port}/#token=${token}`,
        port,
        token,
        async close() {
            unsubscribe();
            for (const ws of sockets) ws.terminate();
            wss.close();
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
