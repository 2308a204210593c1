/**
 * A publisher on 127.0.0.1 for download tests: serves files under `/<host>/<path>`, the layout the
 * downloader uses with a base URL (so `https://dl.twrp.me/x/y.img` is `/dl.twrp.me/x/y.img`), honours
 * Range requests, logs every request, and misbehaves on demand (drop the connection part-way,
 * redirect elsewhere).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { basename } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
    readonly path: string;
    readonly range: string | undefined;
    readonly referer: string | undefined;
    /** Bytes of the body the server sent. */
    sent: number;
}

export interface ServedFile {
    readonly body: Buffer | (() => NodeJS.ReadableStream);
    readonly size?: number;
    /** Cut the connection after this many bytes of the body, for the next `dropTimes` full requests. */
    dropAfter?: number;
    dropTimes?: number;
    /** Answer with a redirect to this address instead. */
    redirectTo?: string;
}

export class DownloadServer {
    readonly files = new Map<string, ServedFile>();
    readonly log: LoggedRequest[] = [];
    #server: Server | undefined;
    base = '';

    /** Serve `body` at the address a recipe names (`https://host/path`). */
    serve(address: string, file: ServedFile | Buffer | string): void {
        const url = new URL(address);
        const served = Buffer.isBuffer(file) || typeof file === 'string' ? { body: Buffer.from(file) } : file;
        this.files.set(`/${url.host}${url.pathname}`, served);
    }

    requestsFor(address: string): LoggedRequest[] {
        const url = new URL(address);
        return this.log.filter((r) => r.path === `/${url.host}${url.pathname}`);
    }

    /** Plain http, or https with `tls`'s key and certificate (the client must trust it on its own). */
    async start(tls?: { readonly key: string; readonly cert: string }): Promise<string> {
        const handle = (req: IncomingMessage, res: ServerResponse): void => this.#handle(req, res);
        this.#server = tls ? createHttpsServer(tls, handle) : createServer(handle);
        // A client that refuses the certificate hangs up mid-handshake: that is the test, not a fault.
        this.#server.on('tlsClientError', () => undefined);
        await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
        this.base = `${tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
        return this.base;
    }

    get port(): number {
        return (this.#server?.address() as AddressInfo).port;
    }

    async stop(): Promise<void> {
        this.#server?.closeAllConnections();
        await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
    }

    #handle(req: IncomingMessage, res: ServerResponse): void {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const entry: LoggedRequest = { path, range: req.headers.range, referer: req.headers.referer, sent: 0 };
        this.log.push(entry);
        const file = this.files.get(path);
        if (!file) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
            return;
        }
        if (file.redirectTo) {
            res.writeHead(302, { location: file.redirectTo }).end();
            return;
        }
        const size = Buffer.isBuffer(file.body) ? file.body.length : (file.size ?? 0);
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        if (start >= size && range) {
            res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
            return;
        }
        const headers = { 'content-length': String(size - start), etag: `"${size}"`, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
        res.writeHead(range ? 206 : 200, range ? { ...headers, 'content-range': `bytes ${start}-${size - 1}/${size}` } : headers);
        const drop = !range && file.dropAfter !== undefined && (file.dropTimes ?? 1) > 0;
        if (drop) file.dropTimes = (file.dropTimes ?? 1) - 1;
        if (Buffer.isBuffer(file.body)) {
            const end = drop ? Math.min(size, file.dropAfter ?? size) : size;
            const slice = file.body.subarray(start, end);
            entry.sent = slice.length;
            if (drop) {
                res.write(slice, () => res.socket?.destroy());
            } else {
                res.end(slice);
            }
            return;
        }
        const stream = file.body();
        stream.on('data', (chunk: Buffer) => {
            entry.sent += chunk.length;
        });
        stream.pipe(res);
    }
}

/** Where the tests publish each demo package: the real publishers' URL layouts. */
export function demoAddress(role: string, name: string): string {
    const addresses: Record<string, string> = {
        recovery: `https://dl.twrp.me/ks01lte/${name}`,
        rom: `https://mirrorbits.lineageos.org/full/ks01ltexx/20240101/${name}`,
        gapps: `https://sourceforge.net/projects/opengapps/files/arm/20240101/${name}/download`,
        su: `https://mirrorbits.lineageos.org/su/20240101/${name}`,
    };
    return addresses[role] ?? '';
}

/**
 * Serve the demo packages on `server` and return the `downloads` a recipe needs to fetch them
 * (pinned SHA-256 and size). `dropRomAt` cuts the ROM's first download after that fraction.
 */
export function publishDemoPackages(server: DownloadServer, files: Readonly<Record<'recovery' | 'rom' | 'gapps' | 'su', string>>, options: { dropRomAt?: number } = {}): object[] {
    const downloads: object[] = [];
    for (const role of ['recovery', 'rom', 'gapps', 'su'] as const) {
        const body = readFileSync(files[role]);
        const name = basename(files[role]);
        const url = demoAddress(role, name);
        server.serve(url, role === 'rom' && options.dropRomAt !== undefined ? { body, dropAfter: Math.floor(body.length * options.dropRomAt) } : body);
        downloads.push({ role, name, manualPage: 'https://example.org/by-hand', availability: 'published', sources: [{ url, sha256: createHash('sha256').update(body).digest('hex'), sizeBytes: body.length }] });
    }
    return downloads;
}
