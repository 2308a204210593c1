/**
 * One HTTP GET for the downloader: https only (plain http only to this computer, for tests and a
 * local mirror), redirects followed but never to plain http, the system proxy (HTTPS_PROXY,
 * NO_PROXY) honoured through a CONNECT tunnel, and the failure classified so the caller can tell
 * "offline" from "refused". HTTP/1.1 on a socket of its own per request (`Connection: close`), the
 * response read by ./http-response.ts: its body reaches the caller as slices of what arrived, with
 * no stream or event per packet (plain connections read into one reused buffer, or into memory the
 * reader lends), so a download costs little more CPU than hashing and writing its bytes.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { ReviveError } from '../jobs/errors.js';
import { HttpProtocolError, ResponseParser, type ResponseHead } from './http-response.js';

export interface HttpResponse extends ResponseHead {
    /** The address that answered, after redirects. */
    readonly url: string;
    /**
     * Read the body: `onData` gets each slice as it arrives, valid only during the call (copy what
     * must be kept). With `readInto`, a plain connection reads into the memory it returns, asked
     * again before every read: a reader that keeps slices lying in its own memory copies nothing.
     * When `onData` returns a promise, nothing more is read until it resolves. Resolves at the
     * body's end; rejects with HttpDropped when the connection ends before it, or with what
     * `onData` threw or its promise rejected with.
     */
    readBody(onData: (chunk: Uint8Array) => void | Promise<void>, readInto?: () => Uint8Array): Promise<void>;
    /** Done without reading the body: the connection is closed. */
    discard(): void;
}

export interface HttpGetOptions {
    readonly headers?: Readonly<Record<string, string>> | undefined;
    readonly signal?: AbortSignal | undefined;
    /** The environment to read the proxy from (default process.env). */
    readonly env?: NodeJS.ProcessEnv | undefined;
}

/** Why a request did not get an answer: the network is away, or the server misbehaved. */
export class HttpUnreachable extends Error {
    override readonly name = 'HttpUnreachable';
}

/** The connection ended (or broke) before the whole answer arrived. */
export class HttpDropped extends Error {
    override readonly name = 'HttpDropped';
}

const MAX_REDIRECTS = 8;
const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const NO_NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'ENETDOWN', 'ETIMEDOUT']);
/** OpenSSL's and Node's codes for a certificate that does not prove the server is who it claims. */
const UNTRUSTED = new Set([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_UNTRUSTED',
    'CERT_REJECTED',
    'CERT_REVOKED',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_SIGNATURE_FAILURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isLoopback(url: URL): boolean {
    return LOOPBACK.has(url.hostname);
}

/** Plain http is allowed only to this computer; everything else must be https. */
function checkScheme(url: URL, from: URL | undefined): void {
    if (url.protocol === 'https:') return;
    if (url.protocol === 'http:' && isLoopback(url) && (!from || isLoopback(from))) return;
    const target = `${url.protocol}//${url.host}`;
    throw from ? ReviveError.of('download-insecure-redirect', { from: from.host, target, url: url.href }) : ReviveError.of('download-insecure-url', { target, url: url.href });
}

function bypassProxy(url: URL, env: NodeJS.ProcessEnv): boolean {
    if (isLoopback(url)) return true;
    const list = (env['NO_PROXY'] ?? env['no_proxy'] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const host = url.hostname.toLowerCase();
    return list.some((entry) => entry === '*' || host === entry.replace(/^\./, '') || host.endsWith(entry.startsWith('.') ? entry : `.${entry}`));
}

/**
 * The proxy for `url`, from the environment: `http://` (or no scheme) or `https://` (TLS to the
 * proxy itself, then the tunnel's own TLS inside it). Anything else (a SOCKS proxy) is refused by
 * name rather than sent a CONNECT it does not understand.
 */
function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
    if (bypassProxy(url, env)) return undefined;
    const variable = url.protocol === 'https:' ? (env['HTTPS_PROXY'] !== undefined ? 'HTTPS_PROXY' : 'https_proxy') : env['HTTP_PROXY'] !== undefined ? 'HTTP_PROXY' : 'http_proxy';
    const proxy = env[variable]?.trim();
    if (!proxy) return undefined;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(proxy)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw ReviveError.of('download-proxy-invalid', { variable, scheme, variant: 'scheme' });
    // The value itself is never repeated back: it may hold a password.
    if (!URL.canParse(scheme ? proxy : `http://${proxy}`)) throw ReviveError.of('download-proxy-invalid', { variable, variant: 'address' });
    return new URL(scheme ? proxy : `http://${proxy}`);
}

/**
 * The plain connection's own read buffer, reused for every read of a response's head and of a body
 * whose reader lends no memory of its own (a checksum file, a key).
 */
const READ_BUFFER_BYTES = 64 * 1024;

const portOf = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

function classify(error: NodeJS.ErrnoException, url: URL, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return signal.reason instanceof Error ? signal.reason : error;
    if (error.code && NO_NETWORK.has(error.code)) return new HttpUnreachable(`${url.host}: ${error.code}`, { cause: error });
    // Refused, never retried without the check: a wrong certificate is an attack or a broken server.
    if (error.code && UNTRUSTED.has(error.code)) return ReviveError.of('download-untrusted-server', { host: url.host, reason: error.code }, { cause: error });
    // The TLS exchange itself failed (an alert, a protocol version it will not speak): asking again will not help.
    if (error.code?.startsWith('ERR_SSL_')) return new HttpProtocolError(`${url.host}: TLS ${error.code}`, { cause: error });
    return error;
}

/**
 * node:tls loads on the first https connection: with the system's CA bundle (NODE_EXTRA_CA_CERTS)
 * it costs a plain-http download from a local mirror about 20 ms of CPU before its first request.
 */
const loadTls = (): Promise<typeof tls> => import('node:tls');

/**
 * A TCP connection to `url`'s host (or its proxy's tunnel), TLS on top for https. A plain one reads
 * into what `memory` returns, asked before every read.
 */
async function connect(url: URL, options: HttpGetOptions, feed: (data: Uint8Array) => void, memory: () => Uint8Array): Promise<net.Socket> {
    const proxy = proxyFor(url, options.env ?? process.env);
    if (!proxy && url.protocol === 'http:') {
        const socket = net.connect({ host: hostOf(url), port: portOf(url), onread: { buffer: memory, callback: (bytes, into) => (feed(into.subarray(0, bytes)), true) } });
        await connected(socket, 'connect', url, options.signal);
        return socket;
    }
    const servername = net.isIP(hostOf(url)) ? undefined : hostOf(url);
    const tunnel = proxy ? await openTunnel(proxy, url, options.signal) : undefined;
    const socket = (await loadTls()).connect({ ...(tunnel ? { socket: tunnel } : { host: hostOf(url), port: portOf(url) }), servername, ALPNProtocols: ['http/1.1'] });
    socket.on('data', (data: Buffer) => feed(data));
    await connected(socket, 'secureConnect', url, options.signal);
    return socket;
}

function connected(socket: net.Socket, event: 'connect' | 'secureConnect', url: URL, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
        const fail = (error: Error): void => {
            socket.destroy();
            reject(classify(error, url, signal));
        };
        const abort = (): void => fail(new Error('aborted'));
        if (signal?.aborted) abort();
        signal?.addEventListener('abort', abort, { once: true });
        socket.once('error', fail);
        socket.once(event, () => {
            socket.off('error', fail);
            signal?.removeEventListener('abort', abort);
            resolve();
        });
    });
}

/**
 * A socket with bytes already read from it put back in front. TLS on a socket of its own takes
 * over the file descriptor and would never see them; on this stream it reads them first.
 */
class Prepended extends Duplex {
    constructor(
        early: Buffer,
        private readonly socket: net.Socket,
    ) {
        super({ allowHalfOpen: false });
        this.push(early);
        socket.on('data', (data: Buffer) => {
            if (!this.push(data)) socket.pause();
        });
        socket.once('end', () => this.push(null));
        socket.once('error', (error) => this.destroy(error));
        socket.once('close', () => this.destroy());
    }

    override _read(): void {
        this.socket.resume();
    }

    override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
        this.socket.write(chunk, done);
    }

    override _final(done: (error?: Error | null) => void): void {
        this.socket.end(done);
    }

    override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
        this.socket.destroy();
        done(error);
    }
}

/**
 * `CONNECT host:port` through the proxy; the returned stream then carries the TLS connection to the
 * host. Bytes the proxy sent right behind its answer, in the same read, are the tunnel's first.
 */
async function openTunnel(proxy: URL, url: URL, signal: AbortSignal | undefined): Promise<Duplex> {
    const secure = proxy.protocol === 'https:';
    const socket = secure ? (await loadTls()).connect({ host: hostOf(proxy), port: portOf(proxy), servername: net.isIP(hostOf(proxy)) ? undefined : hostOf(proxy), ALPNProtocols: ['http/1.1'] }) : net.connect({ host: hostOf(proxy), port: portOf(proxy) });
    await connected(socket, secure ? 'secureConnect' : 'connect', proxy, signal);
    const authority = `${url.hostname}:${portOf(url)}`;
    const credentials = proxy.username ? `Proxy-Authorization: Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}\r\n` : '';
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${credentials}\r\n`);
    const { status, early } = await new Promise<{ status: number; early: Buffer }>((resolve, reject) => {
        let status = 0;
        const parser = new ResponseParser({ onHead: (head) => (status = head.status), onBody: () => undefined, onEnd: () => undefined }, true);
        const stop = (): void => {
            socket.off('data', onData);
            socket.off('error', onError);
            socket.off('close', onClose);
            signal?.removeEventListener('abort', onAbort);
        };
        const fail = (error: Error): void => {
            stop();
            socket.destroy();
            reject(error);
        };
        const onData = (data: Buffer): void => {
            let used: number;
            try {
                used = parser.push(data);
            } catch (error) {
                fail(error instanceof Error ? error : new Error(String(error)));
                return;
            }
            if (!parser.done) return;
            stop();
            socket.pause();
            resolve({ status, early: data.subarray(used) });
        };
        const onError = (error: Error): void => fail(classify(error, proxy, signal));
        const onClose = (): void => fail(new HttpUnreachable(`the proxy ${proxy.host} closed the connection`));
        // A proxy that never answers must not hold a cancelled download.
        const onAbort = (): void => fail(classify(new Error('aborted'), proxy, signal));
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        socket.on('data', onData);
        socket.once('error', onError);
        socket.once('close', onClose);
    });
    if (status !== 200) {
        socket.destroy();
        // The proxy answered, so the network is there: a 407 or 403 is the person's to fix, not "offline".
        throw ReviveError.of('download-proxy-refused', { proxy: proxy.host, target: authority, status });
    }
    if (early.length === 0) return socket;
    return new Prepended(early, socket);
}

/** One GET on a connection of its own; resolves once the head has arrived. */
async function requestOnce(url: URL, options: HttpGetOptions): Promise<HttpResponse> {
    let onData: ((chunk: Uint8Array) => void) | undefined;
    const own = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    let lent: (() => Uint8Array) | undefined;
    // Body bytes that came with the head, before the caller asked for them (copied: the buffer is reused).
    const early: Uint8Array[] = [];
    let ended = false;
    let failure: Error | undefined;
    let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
    let answer: { resolve: (head: ResponseHead) => void; reject: (error: Error) => void } | undefined;
    const head = new Promise<ResponseHead>((resolve, reject) => (answer = { resolve, reject }));
    const fail = (error: Error): void => {
        if (failure || ended) return;
        failure = error;
        socket?.destroy();
        answer?.reject(error);
        settle?.reject(error);
    };
    const parser = new ResponseParser({
        onHead: (value) => answer?.resolve(value),
        onBody: (chunk) => {
            if (onData) onData(chunk);
            else early.push(Uint8Array.from(chunk));
        },
        onEnd: () => {
            ended = true;
            socket?.destroy();
            settle?.resolve();
        },
    });
    const feed = (data: Uint8Array): void => {
        if (failure || ended) return;
        try {
            parser.push(data);
        } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
        }
    };
    // Declared before it exists: the handlers above run only once bytes arrive, after the connect.
    // eslint-disable-next-line prefer-const
    let socket: net.Socket | undefined;
    socket = await connect(url, options, feed, () => lent?.() ?? own);
    const live = socket;
    live.on('error', (error: NodeJS.ErrnoException) => fail(new HttpDropped(`${url.host}: ${error.code ?? error.message}`, { cause: error })));
    live.on('close', () => {
        if (!parser.closed()) fail(new HttpDropped(`${url.host} closed the connection before the whole answer`));
    });
    const abort = (): void => fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('aborted'));
    options.signal?.addEventListener('abort', abort, { once: true });
    const done = (): void => options.signal?.removeEventListener('abort', abort);
    const headers = { 'User-Agent': 'Revive', ...options.headers };
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`).join('');
    live.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${lines}Accept-Encoding: identity\r\nConnection: close\r\n\r\n`);
    let value: ResponseHead;
    try {
        value = await head;
    } catch (error) {
        done();
        throw error;
    }
    // Nothing more is read until the caller asks for the body.
    if (!ended) live.pause();
    return {
        ...value,
        url: url.href,
        readBody(take, readInto) {
            return new Promise<void>((resolve, reject) => {
                const finish = (error?: Error): void => {
                    done();
                    if (error) reject(error);
                    else resolve();
                };
                settle = { resolve: () => finish(), reject: finish };
                // Reads the reader waits on (its promises not settled yet): none, and reading goes on.
                let waits = 0;
                const give = (chunk: Uint8Array): void => {
                    let wait: void | Promise<void>;
                    try {
                        wait = take(chunk);
                    } catch (error) {
                        fail(error instanceof Error ? error : new Error(String(error)));
                        return;
                    }
                    if (!wait) return;
                    waits++;
                    live.pause();
                    wait.then(
                        () => {
                            if (--waits === 0 && !failure && !ended) live.resume();
                        },
                        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
                    );
                };
                lent = readInto;
                for (const chunk of early.splice(0)) give(chunk);
                onData = give;
                if (failure) finish(failure);
                else if (ended) finish();
                else if (waits === 0) live.resume();
            });
        },
        discard() {
            done();
            ended = true;
            live.destroy();
        },
    };
}

/** GET `address`, following redirects (https only). The caller reads or destroys the body. */
export async function httpGet(address: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
    let url = new URL(address);
    checkScheme(url, undefined);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const response = await requestOnce(url, options);
        const { status } = response;
        const location = response.headers['location'];
        if (status >= 300 && status < 400 && location) {
            response.discard();
            const next = new URL(location, url);
            checkScheme(next, url);
            url = next;
            continue;
        }
        return response;
    }
    throw ReviveError.of('download-redirect-loop', { url: address, limit: MAX_REDIRECTS });
}

/** GET a small text (a checksum file, a signature, a key), at most `limitBytes`. */
export async function httpGetText(address: string, options: HttpGetOptions & { limitBytes?: number } = {}): Promise<{ status: number; text: string }> {
    const response = await httpGet(address, options);
    if (response.status !== 200) {
        response.discard();
        return { status: response.status, text: '' };
    }
    const limit = options.limitBytes ?? 1 << 20;
    const chunks: Buffer[] = [];
    let size = 0;
    await response.readBody((chunk) => {
        size += chunk.length;
        if (size > limit) throw new Error(`${address} is larger than ${limit} bytes`);
        chunks.push(Buffer.from(chunk));
    });
    return { status: 200, text: Buffer.concat(chunks).toString('utf8') };
}
