/**
 * The Electron window's renderer, served through our own `app://revive/` protocol instead of
 * file:// (Electron's security checklist, item 18): a real Content-Security-Policy header on every
 * response (file:// has none), only files under the built renderer, nothing else on disk.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { MIME_TYPES, staticPath } from '../bridge/security.js';
import { WINDOW_CSP } from './window-guards.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'revive';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

const HEADERS: Readonly<Record<string, string>> = {
    'Content-Security-Policy': WINDOW_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
};

/** The response to one app:// request: a file of the built renderer, or 404. */
export async function serveAppRequest(rendererDir: string, requestUrl: string): Promise<Response> {
    const notFound = (): Response => new Response('Not found', { status: 404, headers: { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
    let url: URL;
    try {
        url = new URL(requestUrl);
    } catch {
        return notFound();
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return notFound();
    // The raw path, so an encoded ../ is judged by staticPath like any other.
    const rawPath = requestUrl.slice(`${APP_SCHEME}://${APP_HOST}`.length).split(/[?#]/)[0] || '/';
    const path = staticPath(rendererDir, rawPath);
    const info = path ? await stat(path).catch(() => undefined) : undefined;
    if (!path || !info?.isFile()) return notFound();
    const body = await readFile(path);
    return new Response(body, { status: 200, headers: { ...HEADERS, 'Content-Type': MIME_TYPES[extname(path)] ?? 'application/octet-stream' } });
}
