/**
 * The downloader's HTTP/1.1 client against servers on 127.0.0.1: chunked bodies, bodies that end
 * with the connection, heads and bodies split at every byte, 1xx answers, redirects, and answers
 * cut short or malformed — each read as the protocol says or refused, never taken as complete.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpDropped, httpGet, type HttpResponse } from '../../../native/download/http.js';
import { HttpProtocolError } from '../../../native/download/http-response.js';

let servers: Array<Server | HttpServer> = [];
afterEach(async () => {
    for (const server of servers) {
        if ('closeAllConnections' in server) server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    servers = [];
});

async function listen(server: Server | HttpServer): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A server that writes `answer` one byte at a time, then ends (or just stops, with `hang`). */
function rawServer(answer: Buffer, options: { hang?: boolean } = {}): Server {
    return createServer((socket: Socket) => {
        socket.once('data', async () => {
            for (const byte of answer) {
                socket.write(Uint8Array.of(byte));
                await new Promise((resolve) => setImmediate(resolve));
            }
            if (!options.hang) socket.end();
        });
        socket.on('error', () => undefined);
    });
}

async function body(response: HttpResponse): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await response.readBody((chunk) => {
        chunks.push(Buffer.from(chunk));
    });
    return Buffer.concat(chunks);
}

describe('the download HTTP client', () => {
    it('reads a chunked body, and the request asks for no encoding and a closing connection', async () => {
        const payload = randomBytes(300_000);
        let request: Record<string, string | string[] | undefined> = {};
        const base = await listen(
            createHttpServer((req, res) => {
                request = req.headers;
                res.writeHead(200, { 'content-type': 'application/octet-stream' });
                for (let at = 0; at < payload.length; at += 7777) res.write(payload.subarray(at, at + 7777));
                res.end();
            }),
        );
        const response = await httpGet(`${base}/file`, { headers: { range: 'bytes=0-' } });
        expect(response.status).toBe(200);
        expect(response.headers['transfer-encoding']).toBe('chunked');
        expect((await body(response)).equals(payload)).toBe(true);
        expect(request['connection']).toBe('close');
        expect(request['accept-encoding']).toBe('identity');
        expect(request['range']).toBe('bytes=0-');
        expect(request['user-agent']).toBe('Revive');
    });

    it('takes heads and bodies split at every byte, after a 100 Continue, with or without a length', async () => {
        const payload = Buffer.from('the published bytes\r\n\r\nwith a blank line inside');
        const withLength = await listen(rawServer(Buffer.concat([Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\nETag: "a"\r\nX-Twice: 1\r\nx-twice: 2\r\n\r\n`), payload])));
        const response = await httpGet(`${withLength}/a`);
        expect(response.headers['etag']).toBe('"a"');
        expect(response.headers['x-twice']).toBe('1, 2');
        expect((await body(response)).equals(payload)).toBe(true);
        // No length, no chunks: the body is what comes until the server closes.
        const untilClose = await listen(rawServer(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), payload])));
        expect((await body(await httpGet(`${untilClose}/b`))).equals(payload)).toBe(true);
        // Chunked, split at every byte, with a chunk extension and a trailer.
        const chunked = Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n`);
        expect((await body(await httpGet(`${await listen(rawServer(chunked))}/c`))).toString()).toBe('hello world');
    });

    it('follows a relative redirect', async () => {
        const base = await listen(
            createHttpServer((req, res) => {
                if (req.url === '/old') res.writeHead(302, { location: '/new' }).end('moved');
                else res.writeHead(200, { 'content-length': '3' }).end('new');
            }),
        );
        const response = await httpGet(`${base}/old`);
        expect(response.url).toBe(`${base}/new`);
        expect((await body(response)).toString()).toBe('new');
    });

    it('an answer cut short is a dropped connection, never a complete body', async () => {
        const short = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this')));
        await expect(body(await httpGet(`${short}/a`))).rejects.toBeInstanceOf(HttpDropped);
        const chunkCut = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n')));
        await expect(body(await httpGet(`${chunkCut}/b`))).rejects.toBeInstanceOf(HttpDropped);
        // Closed before any answer.
        const silent = await listen(createServer((socket) => socket.once('data', () => socket.end())));
        await expect(httpGet(`${silent}/c`)).rejects.toBeInstanceOf(HttpDropped);
    });

    it('refuses malformed answers', async () => {
        const badChunk = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n')));
        await expect(body(await httpGet(`${badChunk}/a`))).rejects.toBeInstanceOf(HttpProtocolError);
        const badStatus = await listen(rawServer(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')));
        await expect(httpGet(`${badStatus}/b`)).rejects.toBeInstanceOf(HttpProtocolError);
        const gzip = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n')));
        await expect(httpGet(`${gzip}/c`)).rejects.toThrow(/gzip, chunked/);
        const badLength = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello')));
        await expect(httpGet(`${badLength}/d`)).rejects.toThrow(/is not a body length/);
    });

    it('reads a body into memory the reader lends, and nothing more while the reader waits', async () => {
        const payload = randomBytes(8 * 1024 * 1024);
        const base = await listen(
            createHttpServer((_req, res) => {
                res.writeHead(200, { 'content-length': String(payload.length) });
                res.end(payload);
            }),
        );
        const lent = Buffer.alloc(100_000);
        const got: Buffer[] = [];
        let inLent = 0;
        let waiting = false;
        let readWhileWaiting = false;
        const response = await httpGet(`${base}/file`);
        await response.readBody(
            (chunk) => {
                if (waiting) readWhileWaiting = true;
                if (chunk.buffer === lent.buffer) inLent += chunk.length;
                got.push(Buffer.from(chunk));
                if (got.length % 3 !== 0) return undefined;
                waiting = true;
                return new Promise<void>((resolve) =>
                    setTimeout(() => {
                        waiting = false;
                        resolve();
                    }, 2),
                );
            },
            () => lent,
        );
        expect(Buffer.concat(got).equals(payload)).toBe(true);
        expect(readWhileWaiting).toBe(false);
        // All but what came with the head and the read after it went into the lent memory.
        expect(inLent).toBeGreaterThan(payload.length - 256 * 1024);
    });

    it('a cancelled read ends the connection and says so', async () => {
        const base = await listen(rawServer(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nstart'), { hang: true }));
        const controller = new AbortController();
        const response = await httpGet(`${base}/a`, { signal: controller.signal });
        const reading = body(response);
        setTimeout(() => controller.abort(new Error('cancelled by the person')), 50);
        await expect(reading).rejects.toThrow('cancelled by the person');
    });
});
