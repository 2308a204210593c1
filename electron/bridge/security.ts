/** The bridge's guards as pure functions: token, Host/Origin checks, static paths, CSP. */
import { timingSafeEqual } from 'node:crypto';
import { normalize, resolve, sep } from 'node:path';

/** Same policy as the Electron window: our own files only, no inline script, no remote origins. */
export function contentSecurityPolicy(port?: number): string {
    const connect = port === undefined ? "'self'" : `'self' ws://127.0.0.1:${port}`;
    return [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        `connect-src ${connect}`,
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ].join('; ');
}

export function tokenMatches(expected: string, given: unknown): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(given);
    return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuse requests for another host name (DNS rebinding): only our loopback address and port. */
export function hostAllowed(host: string | undefined, port: number): boolean {
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A WebSocket may only be opened by our own page (browsers always send Origin). */
export function originAllowed(origin: string | undefined, port: number): boolean {
    return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/** Map a URL path onto a file under root, or undefined when it would leave root. */
export function staticPath(root: string, urlPath: string): string | undefined {
    let decoded: string;
    try {
        decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
    } catch {
        return undefined;
    }
    if (decoded.includes('\0')) return undefined;
    const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '');
    const full = resolve(root, relative);
    const base = resolve(root);
    return full === base || full.startsWith(base + sep) ? full : undefined;
}

export const MIME_TYPES: Readonly<Record<string, string>> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.json': 'application/json; charset=utf-8',
    '.woff2': 'font/woff2',
    '.ico': 'image/x-icon',
};
