/**
 * One HTTP GET for the downloader: https only (plain http only to this computer, for tests and a
 * local mirror), redirects followed but never to plain http, the system proxy (HTTPS_PROXY,
 * NO_PROXY) honoured, and the failure classified so the caller can tell "offline" from "refused".
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ReviveError } from '../jobs/errors.js';

export interface HttpResponse {
    readonly status: number;
    readonly headers: IncomingHttpHeaders;
    readonly body: IncomingMessage;
    /** The address that answered, after redirects. */
    readonly url: string;
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

const MAX_REDIRECTS = 8;
const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const NO_NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'ENETDOWN', 'ETIMEDOUT']);

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

function agentFor(url: URL, env: NodeJS.ProcessEnv): http.Agent | undefined {
    if (bypassProxy(url, env)) return undefined;
    const proxy = url.protocol === 'https:' ? (env['HTTPS_PROXY'] ?? env['https_proxy']) : (env['HTTP_PROXY'] ?? env['http_proxy']);
    return proxy ? new HttpsProxyAgent(proxy) : undefined;
}

function requestOnce(url: URL, options: HttpGetOptions): Promise<IncomingMessage> {
    const env = options.env ?? process.env;
    const get = url.protocol === 'https:' ? https.get : http.get;
    return new Promise((resolve, reject) => {
        const request = get(url, { headers: { 'user-agent': 'Revive', ...options.headers }, agent: agentFor(url, env), signal: options.signal }, resolve);
        request.on('error', (error: NodeJS.ErrnoException) => {
            if (options.signal?.aborted) reject(options.signal.reason ?? error);
            else if (error.code && NO_NETWORK.has(error.code)) reject(new HttpUnreachable(`${url.host}: ${error.code}`, { cause: error }));
            else reject(error);
        });
    });
}

/** GET `address`, following redirects (https only). The caller reads or destroys the body. */
export async function httpGet(address: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
    let url = new URL(address);
    checkScheme(url, undefined);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
        const response = await requestOnce(url, options);
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
            response.resume();
            const next = new URL(location, url);
            checkScheme(next, url);
            url = next;
            continue;
        }
        return { status, headers: response.headers, body: response, url: url.href };
    }
    throw ReviveError.of('download-redirect-loop', { url: address, limit: MAX_REDIRECTS });
}

/** GET a small text (a checksum file, a signature, a key), at most `limitBytes`. */
export async function httpGetText(address: string, options: HttpGetOptions & { limitBytes?: number } = {}): Promise<{ status: number; text: string }> {
    const response = await httpGet(address, options);
    if (response.status !== 200) {
        response.body.resume();
        return { status: response.status, text: '' };
    }
    const limit = options.limitBytes ?? 1 << 20;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (size > limit) {
            response.body.destroy();
            throw new Error(`${address} is larger than ${limit} bytes`);
        }
        chunks.push(bytes);
    }
    return { status: 200, text: Buffer.concat(chunks).toString('utf8') };
}
