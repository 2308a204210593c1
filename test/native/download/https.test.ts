/**
 * The downloader over TLS, end to end on 127.0.0.1: a node:https publisher with certificates made
 * by openssl at test time, trusted only by adding them to this process's default CA list (what
 * NODE_EXTRA_CA_CERTS does for a person's own mirror), and an HTTP CONNECT proxy in between as
 * HTTPS_PROXY sets it. Every real download is https, most behind no proxy, some behind one.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fetchRecipeFile } from '../../../native/download/fetch-file.js';
import { HttpUnreachable, httpGet } from '../../../native/download/http.js';
import { HttpProtocolError } from '../../../native/download/http-response.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { loadRecipes, parseRecipe } from '../../../native/manifests/load.js';
import type { FileDownload, Recipe } from '../../../native/manifests/schema.js';
import { DownloadServer } from '../../support/download-server.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const base = loadRecipes().find((r) => r.id === 'ks01ltexx') as Recipe;
const ROM_URL = 'https://mirrorbits.lineageos.org/full/ks01ltexx/20240101/lineage.zip';
/** A name that never resolves (RFC 6761): only the test proxy knows where it is. */
const PUBLISHER = 'downloads.test';

function recipeFor(body: Buffer): { recipe: Recipe; download: FileDownload } {
    const recipe = parseRecipe({ ...base, downloads: [{ role: 'rom', name: 'lineage.zip', manualPage: 'https://example.org/by-hand', availability: 'published', sources: [{ url: ROM_URL, sha256: sha(body), sizeBytes: body.length }] }] }, 'test.json');
    return { recipe, download: recipe.downloads[0] as FileDownload };
}

let dir: string;
type KeyPair = { key: string; cert: string };
let trusted: KeyPair;
let untrusted: KeyPair;
let otherName: KeyPair;

function selfSigned(name: string, altNames: string): KeyPair {
    const key = join(dir, `${name}.key`);
    const cert = join(dir, `${name}.crt`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=revive test ${name}`, '-addext', `subjectAltName=${altNames}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-tls-'));
    trusted = selfSigned('trusted', `IP:127.0.0.1,DNS:${PUBLISHER}`);
    untrusted = selfSigned('untrusted', `IP:127.0.0.1,DNS:${PUBLISHER}`);
    otherName = selfSigned('other-name', 'DNS:other.test');
    // The deliberate route: this process (a vitest fork of its own) trusts these two, nothing else new.
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), trusted.cert, otherName.cert]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let servers: DownloadServer[] = [];
let proxies: Server[] = [];
let proxySockets: Socket[] = [];
let home: string;
afterEach(async () => {
    for (const server of servers) await server.stop();
    for (const proxy of proxies) {
        const closed = new Promise<void>((resolve) => proxy.close(() => resolve()));
        for (const socket of proxySockets) socket.destroy();
        await closed;
    }
    proxySockets = [];
    servers = [];
    proxies = [];
    if (home) rmSync(home, { recursive: true, force: true });
});

async function publisher(keyPair: KeyPair): Promise<DownloadServer> {
    const server = new DownloadServer();
    servers.push(server);
    await server.start(keyPair);
    return server;
}

interface ProxyLog {
    port: number;
    /** Each CONNECT's request head, as the proxy read it. */
    heads: string[];
}

interface ProxyBehaviour {
    /** A CONNECT without this Proxy-Authorization gets 407. */
    readonly credentials?: string | undefined;
    /** Sent in the same write as the 200 answer, before anything from the target. */
    readonly afterHead?: Buffer | undefined;
    /** The 200 answer in these many writes, a little apart. */
    readonly headPieces?: number | undefined;
    /** Reads the CONNECT and never answers. */
    readonly silent?: boolean | undefined;
    /** An https:// proxy: TLS to the proxy with this certificate. */
    readonly tls?: KeyPair | undefined;
}

/**
 * An HTTP CONNECT proxy: any authority goes to `targetPort` on 127.0.0.1. With `credentials` set,
 * a CONNECT without that Proxy-Authorization gets 407.
 */
async function connectProxy(targetPort: number, behaviour: ProxyBehaviour = {}): Promise<ProxyLog & { closed: Promise<void> }> {
    const { credentials } = behaviour;
    let clientClosed: () => void = () => undefined;
    const log = { port: 0, heads: [] as string[], closed: new Promise<void>((resolve) => (clientClosed = resolve)) };
    const serve = (client: Socket): void => {
        client.on('close', () => clientClosed());
        proxySockets.push(client);
        client.on('error', () => undefined);
        let pending = Buffer.alloc(0);
        const onData = (data: Buffer): void => {
            pending = Buffer.concat([pending, data]);
            const end = pending.indexOf('\r\n\r\n');
            if (end < 0) return;
            client.off('data', onData);
            const head = pending.subarray(0, end).toString('latin1');
            const rest = pending.subarray(end + 4);
            log.heads.push(head);
            if (behaviour.silent) return;
            const auth = /^proxy-authorization: *(.*)$/im.exec(head)?.[1];
            if (credentials && auth !== `Basic ${Buffer.from(credentials).toString('base64')}`) {
                client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
                return;
            }
            const upstream = connect(targetPort, '127.0.0.1', () => {
                proxySockets.push(upstream);
                void (async () => {
                    const answer = Buffer.from('HTTP/1.1 200 Connection established\r\n\r\n');
                    const pieces = behaviour.headPieces ?? 1;
                    const size = Math.ceil(answer.length / pieces);
                    let at = 0;
                    for (; at + size < answer.length; at += size) {
                        client.write(answer.subarray(at, at + size));
                        await new Promise((resolve) => setTimeout(resolve, 20));
                    }
                    client.write(Buffer.concat([answer.subarray(at), behaviour.afterHead ?? Buffer.alloc(0)]));
                    if (rest.length > 0) upstream.write(rest);
                    client.pipe(upstream).pipe(client);
                })();
            });
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
        };
        client.on('data', onData);
    };
    const server = behaviour.tls ? tls.createServer(behaviour.tls, serve) : createServer(serve);
    proxies.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    log.port = (server.address() as { port: number }).port;
    return log;
}

async function bodyOf(address: string, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
    const response = await httpGet(address, { env });
    const chunks: Buffer[] = [];
    await response.readBody((chunk) => {
        chunks.push(Buffer.from(chunk));
    });
    return Buffer.concat(chunks);
}

async function codeOf(promise: Promise<unknown>): Promise<ReviveError> {
    const error: unknown = await promise.then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ReviveError);
    return error as ReviveError;
}

describe('downloads over TLS', () => {
    it('an https download from a trusted server is byte-exact, and a cut connection resumes over TLS with a Range request', async () => {
        const body = randomBytes(2 * 1024 * 1024 + 17);
        const server = await publisher(trusted);
        server.serve(ROM_URL, { body, dropAfter: 700 * 1024 });
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(body);
        const got = await fetchRecipeFile(recipe, download, { home, baseUrl: server.base, env: {} });
        expect(got.sha256).toBe(sha(body));
        expect(readFileSync(got.path).equals(body)).toBe(true);
        const requests = server.requestsFor(ROM_URL);
        expect(requests).toHaveLength(2);
        expect(requests[0]?.range).toBeUndefined();
        const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1]?.range ?? '')?.[1]);
        expect(resumedAt).toBeGreaterThan(0);
        expect(resumedAt).toBeLessThanOrEqual(700 * 1024);
    });

    it('refuses a certificate nobody vouches for, with a code and no request sent — never an insecure retry', async () => {
        const server = await publisher(untrusted);
        server.serve(ROM_URL, 'secret bytes');
        const error = await codeOf(httpGet(`${server.base}/mirrorbits.lineageos.org/full/ks01ltexx/20240101/lineage.zip`, { env: {} }));
        expect(error.code).toBe('download-untrusted-server');
        expect(error.facts).toMatchObject({ host: `127.0.0.1:${server.port}`, reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
        expect(error.message).toContain('did not prove');
        // Through the download job: the source is refused, the reason named, nothing kept.
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(Buffer.from('secret bytes'));
        const failed = await codeOf(fetchRecipeFile(recipe, download, { home, baseUrl: server.base, env: {} }));
        expect(failed.code).toBe('download-failed');
        expect(String(failed.facts['detail'])).toContain('DEPTH_ZERO_SELF_SIGNED_CERT');
        expect(server.log).toHaveLength(0);
    });

    it('refuses a trusted certificate made out to another name', async () => {
        const server = await publisher(otherName);
        server.serve(ROM_URL, 'bytes');
        const error = await codeOf(httpGet(`${server.base}/x`, { env: {} }));
        expect(error.code).toBe('download-untrusted-server');
        expect(error.facts['reason']).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        expect(server.log).toHaveLength(0);
    });
});

describe('downloads through an HTTP CONNECT proxy', () => {
    it('tunnels the https download with the proxy credentials from HTTPS_PROXY, resume included', async () => {
        const body = randomBytes(1024 * 1024 + 3);
        const server = await publisher(trusted);
        server.serve(ROM_URL, { body, dropAfter: 300 * 1024 });
        const proxy = await connectProxy(server.port, { credentials: 'shop:p@ss word' });
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(body);
        const env = { HTTPS_PROXY: `http://shop:p%40ss%20word@127.0.0.1:${proxy.port}` };
        const got = await fetchRecipeFile(recipe, download, { home, baseUrl: `https://${PUBLISHER}:${server.port}`, env });
        expect(got.sha256).toBe(sha(body));
        expect(readFileSync(got.path).equals(body)).toBe(true);
        // The first GET was cut and resumed: both went through the tunnel, to the name, not an address.
        expect(server.requestsFor(ROM_URL).map((r) => r.range !== undefined)).toEqual([false, true]);
        expect(proxy.heads).toHaveLength(2);
        for (const head of proxy.heads) {
            expect(head).toMatch(new RegExp(`^CONNECT ${PUBLISHER}:${server.port} HTTP/1\\.1\r\n`));
            expect(head).toContain(`Proxy-Authorization: Basic ${Buffer.from('shop:p@ss word').toString('base64')}`);
        }
    });

    it('takes a proxy address without a scheme, and sends no credentials when it has none', async () => {
        const body = randomBytes(50_000);
        const server = await publisher(trusted);
        server.serve(ROM_URL, body);
        const proxy = await connectProxy(server.port);
        const got = await bodyOf(`https://${PUBLISHER}:${server.port}/mirrorbits.lineageos.org/full/ks01ltexx/20240101/lineage.zip`, { https_proxy: `127.0.0.1:${proxy.port}` });
        expect(got.equals(body)).toBe(true);
        expect(proxy.heads[0]).not.toMatch(/proxy-authorization/i);
    });

    it('a 407 from the proxy is a coded refusal naming the proxy, not "offline"', async () => {
        const server = await publisher(trusted);
        const proxy = await connectProxy(server.port, { credentials: 'shop:secret' });
        for (const proxyUrl of [`http://127.0.0.1:${proxy.port}`, `http://shop:wrong@127.0.0.1:${proxy.port}`]) {
            const error = await codeOf(httpGet(`https://${PUBLISHER}:${server.port}/x`, { env: { HTTPS_PROXY: proxyUrl } }));
            expect(error.code).toBe('download-proxy-refused');
            expect(error.facts).toEqual({ proxy: `127.0.0.1:${proxy.port}`, target: `${PUBLISHER}:${server.port}`, status: 407 });
            // The credentials are never repeated back in the words.
            expect(error.message).not.toContain('wrong');
        }
        expect(server.log).toHaveLength(0);
    });

    it('NO_PROXY sends a listed host around the proxy', async () => {
        const server = await publisher(trusted);
        const proxy = await connectProxy(server.port);
        // Straight to a name only the proxy could reach: it must not resolve, and the proxy sees nothing.
        await expect(httpGet(`https://${PUBLISHER}:${server.port}/x`, { env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: `example.org, .${PUBLISHER.split('.')[1] ?? ''}` } })).rejects.toBeInstanceOf(HttpUnreachable);
        expect(proxy.heads).toHaveLength(0);
    });
});

describe('the CONNECT exchange, at its edges', () => {
    const romPath = '/mirrorbits.lineageos.org/full/ks01ltexx/20240101/lineage.zip';

    it('an answer split over several reads still opens the tunnel', async () => {
        const body = randomBytes(200_000);
        const server = await publisher(trusted);
        server.serve(ROM_URL, body);
        const proxy = await connectProxy(server.port, { headPieces: 5 });
        const got = await bodyOf(`https://${PUBLISHER}:${server.port}${romPath}`, { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` });
        expect(got.equals(body)).toBe(true);
    });

    it('bytes right behind the proxy\'s answer, in the same read, reach TLS and are not lost', async () => {
        const server = await publisher(trusted);
        server.serve(ROM_URL, 'bytes');
        // A TLS record the client must act on: a fatal handshake_failure alert. Dropped, the handshake
        // with the real server would go on and succeed; handed to TLS, it ends the connection.
        const alert = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);
        const proxy = await connectProxy(server.port, { afterHead: alert });
        const error: unknown = await httpGet(`https://${PUBLISHER}:${server.port}${romPath}`, { env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(HttpProtocolError);
        expect(String((error as Error).message)).toMatch(/ALERT_HANDSHAKE_FAILURE/);
        expect(server.log).toHaveLength(0);
        // Through the download job: the source is refused as a protocol failure, naming the alert.
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(Buffer.from('bytes'));
        const failed = await codeOf(fetchRecipeFile(recipe, download, { home, baseUrl: `https://${PUBLISHER}:${server.port}`, env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } }));
        expect(failed.code).toBe('download-failed');
        expect(failed.facts).toMatchObject({ reason: 'http-error' });
        expect(String(failed.facts['detail'])).toMatch(/ALERT_HANDSHAKE_FAILURE/);
    });

    it('a cancel while the proxy has not answered the CONNECT ends at once with the cancel\'s reason and closes the connection', async () => {
        const server = await publisher(trusted);
        const proxy = await connectProxy(server.port, { silent: true });
        const controller = new AbortController();
        const reason = new Error('Interrupted');
        const pending = httpGet(`https://${PUBLISHER}:${server.port}/x`, { env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` }, signal: controller.signal });
        const settled = pending.then(
            () => undefined,
            (e: unknown) => e,
        );
        await expect.poll(() => proxy.heads.length).toBe(1);
        controller.abort(reason);
        expect(await settled).toBe(reason);
        await proxy.closed;
        // The download job: the same reason, no source blamed, no retry through the proxy.
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(Buffer.from('never sent'));
        const second = new AbortController();
        const job = fetchRecipeFile(recipe, download, { home, baseUrl: `https://${PUBLISHER}:${server.port}`, env: { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` }, signal: second.signal }).then(
            () => undefined,
            (e: unknown) => e,
        );
        await expect.poll(() => proxy.heads.length).toBe(2);
        second.abort(reason);
        expect(await job).toBe(reason);
        expect(server.log).toHaveLength(0);
    });

    it('an https:// proxy: TLS to the proxy, checked like any server, and the download\'s own TLS inside it', async () => {
        const body = randomBytes(300_000);
        const server = await publisher(trusted);
        server.serve(ROM_URL, body);
        const proxy = await connectProxy(server.port, { tls: trusted, credentials: 'shop:pw' });
        const got = await bodyOf(`https://${PUBLISHER}:${server.port}${romPath}`, { HTTPS_PROXY: `https://shop:pw@127.0.0.1:${proxy.port}` });
        expect(got.equals(body)).toBe(true);
        expect(proxy.heads[0]).toContain(`Proxy-Authorization: Basic ${Buffer.from('shop:pw').toString('base64')}`);
        // A proxy whose certificate nobody vouches for is refused before anything is sent to it.
        const impostor = await connectProxy(server.port, { tls: untrusted });
        const error = await codeOf(httpGet(`https://${PUBLISHER}:${server.port}${romPath}`, { env: { HTTPS_PROXY: `https://127.0.0.1:${impostor.port}` } }));
        expect(error.code).toBe('download-untrusted-server');
        expect(error.facts).toMatchObject({ host: `127.0.0.1:${impostor.port}`, reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
        expect(impostor.heads).toHaveLength(0);
    });

    it('a proxy Revive cannot use (SOCKS, or no address at all) is refused by name, its value never repeated', async () => {
        const server = await publisher(trusted);
        server.serve(ROM_URL, 'bytes');
        const socks = await codeOf(httpGet(`https://${PUBLISHER}:${server.port}/x`, { env: { HTTPS_PROXY: 'socks5://shop:secret@127.0.0.1:1080' } }));
        expect(socks.code).toBe('download-proxy-invalid');
        expect(socks.facts).toEqual({ variable: 'HTTPS_PROXY', scheme: 'socks5', variant: 'scheme' });
        expect(socks.message).toContain('socks5://');
        expect(socks.message).not.toContain('secret');
        const garbled = await codeOf(httpGet(`https://${PUBLISHER}:${server.port}/x`, { env: { https_proxy: 'http://sh op:secret@[::1' } }));
        expect(garbled.facts).toEqual({ variable: 'https_proxy', variant: 'address' });
        expect(garbled.message).not.toContain('secret');
        // The download job says it as it is, once, rather than blaming every source.
        home = mkdtempSync(join(tmpdir(), 'revive-tls-home-'));
        const { recipe, download } = recipeFor(Buffer.from('bytes'));
        const failed = await codeOf(fetchRecipeFile(recipe, download, { home, baseUrl: `https://${PUBLISHER}:${server.port}`, env: { HTTPS_PROXY: 'socks5://127.0.0.1:1080' } }));
        expect(failed.code).toBe('download-proxy-invalid');
        expect(server.log).toHaveLength(0);
    });
});
