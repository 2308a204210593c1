/**
 * The download job for one recipe file: from the cache when a verified copy is there, otherwise from
 * each source in turn. Every byte is proven before the file can be used — size, SHA-256 (pinned in
 * the recipe or from the publisher's checksum file), the publisher's OpenPGP signature and the
 * package's own whole-file signature where the recipe names a signer. A dropped connection resumes
 * with a Range request; so does a run started again later (the part and its source are kept). A file
 * that does not match is deleted and the source named; a 404 or a mismatch moves on to the next source.
 */
import { logNote } from '../jobs/log-note.js';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReviveError } from '../jobs/errors.js';
import { appHome } from '../jobs/journal.js';
import type { JobContext } from '../jobs/progress.js';
import type { DownloadSource, FileDownload, Recipe } from '../manifests/schema.js';
import { parseChecksumList } from '../integrity/checksums.js';
import { verifyPackageSignature } from '../integrity/package-signature.js';
import {
    appendDownloadJournal,
    cachedDownload,
    cachedPath,
    readPartState,
    writeOrigin,
    writePartState,
    type DownloadOrigin,
} from './cache.js';
import { HttpDropped, HttpUnreachable, httpGet, httpGetText } from './http.js';
import { HttpProtocolError } from './http-response.js';
import { openPartFile } from './part-file.js';
import type * as OpenPgpCheck from './openpgp-check.js';
import { loadSigners, type OpenPgpSigner, type Signers } from './signers.js';

export interface DownloadContext extends JobContext {
    /** App data folder (default `$REVIVE_HOME` or `~/.config/revive`). */
    readonly home?: string | undefined;
    /**
     * Serve every source from here instead, in the same layout: `https://host/path` becomes
     * `<base>/host/path`. For tests and a shop's local mirror (default `$REVIVE_DOWNLOAD_BASE`).
     */
    readonly baseUrl?: string | undefined;
    readonly signers?: Signers | undefined;
    readonly env?: NodeJS.ProcessEnv | undefined;
    /** How often one source may drop the connection and be resumed (default 5). */
    readonly maxResumes?: number | undefined;
}

export type SourceFailureReason = 'not-found' | 'http-error' | 'unreachable' | 'dropped' | 'checksum-file' | 'mismatch' | 'signature';

export interface SourceFailure {
    readonly url: string;
    readonly reason: SourceFailureReason;
    readonly detail: string;
}

export interface FetchedFile extends DownloadOrigin {
    readonly path: string;
    readonly fromCache: boolean;
    /** Sources tried before the one that delivered, and why each was refused. */
    readonly refused: readonly SourceFailure[];
}

class SourceFailed extends Error {
    constructor(
        readonly reason: SourceFailureReason,
        readonly detail: string,
    ) {
        super(detail);
    }
}

export function downloadBase(ctx: DownloadContext): string | undefined {
    const base = ctx.baseUrl ?? (ctx.env ?? process.env)['REVIVE_DOWNLOAD_BASE'];
    return base && base.length > 0 ? base.replace(/\/+$/, '') : undefined;
}

/** Where a recipe address is fetched from: itself, or the same layout under the base. */
export function resolveSourceUrl(address: string, base: string | undefined): string {
    if (!base) return address;
    const url = new URL(address);
    return `${base}/${url.host}${url.pathname}${url.search}`;
}

const PROGRESS_EVERY_MS = 200;

/** GET `url` into `part`, resuming what is there (when it came from the same address). */
async function downloadPart(part: string, url: string, source: DownloadSource, ctx: DownloadContext, step: string): Promise<{ sizeBytes: number; sha256: string }> {
    const maxResumes = ctx.maxResumes ?? 5;
    let drops = 0;
    for (;;) {
        const state = readPartState(part);
        let start = existsSync(part) && state?.url === url ? statSync(part).size : 0;
        const headers: Record<string, string> = {};
        if (source.referer) headers['referer'] = source.referer;
        if (start > 0) {
            headers['range'] = `bytes=${start}-`;
            if (state?.validator) headers['if-range'] = state.validator;
            logNote(ctx, 'download-resuming', { url, byte: start });
        }
        let response;
        try {
            response = await httpGet(url, { headers, signal: ctx.signal, env: ctx.env });
        } catch (error) {
            if (ctx.signal?.aborted) throw error;
            if (error instanceof HttpUnreachable) {
                if (start > 0 && drops < maxResumes) {
                    drops++;
                    await sleep(250 * drops, undefined, { signal: ctx.signal });
                    continue;
                }
                throw new SourceFailed('unreachable', error.message);
            }
            if (error instanceof HttpDropped) {
                drops++;
                if (drops > maxResumes) throw new SourceFailed('dropped', `the connection dropped ${drops} times`);
                await sleep(250 * drops, undefined, { signal: ctx.signal });
                continue;
            }
            // A proxy setting Revive cannot use is the same for every source: said as it is.
            if (error instanceof ReviveError && error.code === 'download-proxy-invalid') throw error;
            if (error instanceof ReviveError || error instanceof HttpProtocolError) throw new SourceFailed('http-error', error.message);
            throw error;
        }
        const { status } = response;
        if (status === 404 || status === 410) {
            response.discard();
            throw new SourceFailed('not-found', `HTTP ${status}`);
        }
        const contentRange = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(response.headers['content-range'] ?? ''));
        if (status === 416 && start > 0) {
            response.discard();
            const total = /\/(\d+)$/.exec(String(response.headers['content-range'] ?? ''))?.[1];
            if (total !== undefined && Number(total) === start) return { sizeBytes: start, sha256: await hashExisting(part, createHash('sha256')) };
            await rm(part, { force: true });
            continue;
        }
        if (status === 206 && Number(contentRange?.[1] ?? -1) !== start) {
            response.discard();
            await rm(part, { force: true });
            continue;
        }
        if (status !== 200 && status !== 206) {
            response.discard();
            throw new SourceFailed('http-error', `HTTP ${status}`);
        }
        if (status === 200) start = 0;
        const totalBytes = status === 206 ? (contentRange?.[3] !== '*' ? Number(contentRange?.[3]) : undefined) : response.headers['content-length'] ? Number(response.headers['content-length']) : undefined;
        if (source.sizeBytes !== undefined && totalBytes !== undefined && totalBytes !== source.sizeBytes) {
            response.discard();
            await rm(part, { force: true });
            throw new SourceFailed('mismatch', `the server offers ${totalBytes} bytes, the recipe expects ${source.sizeBytes}`);
        }
        const validator = String(response.headers['etag'] ?? response.headers['last-modified'] ?? '') || undefined;
        writePartState(part, { url, validator, totalBytes });
        const hash = createHash('sha256');
        if (start > 0) await hashExisting(part, hash);
        const file = openPartFile(part, start, hash);
        let done = start;
        let reported = 0;
        const report = (): void => ctx.onProgress?.({ step, bytesDone: done, bytesTotal: totalBytes ?? done, cancellable: true });
        report();
        try {
            await response.readBody(
                (chunk) => {
                    const wait = file.take(chunk);
                    done += chunk.length;
                    const now = Date.now();
                    if (now - reported >= PROGRESS_EVERY_MS) {
                        reported = now;
                        report();
                    }
                    return wait;
                },
                () => file.readBuffer(),
            );
            await file.finish();
        } catch (error) {
            await file.close();
            // A full or failing disk is not the source's fault: no retry, no next source.
            if (file.failure) throw file.failure;
            if (ctx.signal?.aborted) throw ctx.signal.reason ?? error;
            drops++;
            logNote(ctx, 'download-dropped', { host: new URL(url).host, bytes: done });
            if (drops > maxResumes) throw new SourceFailed('dropped', `the connection dropped ${drops} times`);
            continue;
        }
        await file.close();
        report();
        if (totalBytes !== undefined && done < totalBytes) {
            drops++;
            if (drops > maxResumes) throw new SourceFailed('dropped', `the connection dropped ${drops} times`);
            continue;
        }
        return { sizeBytes: done, sha256: hash.digest('hex') };
    }
}

async function hashExisting(path: string, hash: Hash): Promise<string> {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    return hash.copy().digest('hex');
}

/** The SHA-256 this source must have: pinned in the recipe, or from the publisher's checksum file. */
async function expectedSha256(download: FileDownload, source: DownloadSource, base: string | undefined, ctx: DownloadContext): Promise<{ sha256: string; check: string }> {
    if (source.sha256) return { sha256: source.sha256, check: 'sha256:recipe' };
    const checksumUrl = resolveSourceUrl(source.checksumUrl ?? '', base);
    let answer;
    try {
        answer = await httpGetText(checksumUrl, { signal: ctx.signal, env: ctx.env, headers: source.referer ? { referer: source.referer } : undefined });
    } catch (error) {
        if (error instanceof HttpUnreachable) throw new SourceFailed('unreachable', error.message);
        throw new SourceFailed('checksum-file', `its checksum file cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    if (answer.status === 404 || answer.status === 410) throw new SourceFailed('not-found', `its checksum file: HTTP ${answer.status}`);
    const sha256 = answer.status === 200 ? parseChecksumList(answer.text, download.name) : undefined;
    if (!sha256) throw new SourceFailed('checksum-file', `its checksum file ${source.checksumUrl ?? ''} holds no SHA-256 for ${download.name}`);
    return { sha256, check: 'sha256:publisher' };
}

/** OpenPGP (a large library) loads only for a file that has a publisher's signature to check. */
const openpgpCheck = (): Promise<typeof OpenPgpCheck> => import('./openpgp-check.js');

const keyCache = new Map<string, Awaited<ReturnType<typeof OpenPgpCheck.pinnedKey>>>();

async function publisherKey(signer: OpenPgpSigner, base: string | undefined, ctx: DownloadContext): Promise<Awaited<ReturnType<typeof OpenPgpCheck.pinnedKey>>> {
    const url = resolveSourceUrl(signer.keyUrl, base);
    const cached = keyCache.get(`${url} ${signer.fingerprint}`);
    if (cached && typeof cached !== 'string') return cached;
    const answer = await httpGetText(url, { signal: ctx.signal, env: ctx.env });
    if (answer.status !== 200) return `the key of ${signer.name} (${signer.keyUrl}) cannot be fetched: HTTP ${answer.status}`;
    const key = await (await openpgpCheck()).pinnedKey(answer.text, signer);
    keyCache.set(`${url} ${signer.fingerprint}`, key);
    return key;
}

/** Signatures beyond the checksum: the publisher's detached OpenPGP one, the package's own. */
async function checkSignatures(download: FileDownload, source: DownloadSource, part: string, where: { base: string | undefined; signers: Signers; ctx: DownloadContext }): Promise<string[]> {
    const { base, signers, ctx } = where;
    const checks: string[] = [];
    if (download.openpgpSigner && source.signatureUrl) {
        const signer = signers[download.openpgpSigner];
        if (signer.kind !== 'openpgp') throw new Error(`signer ${download.openpgpSigner} is not an OpenPGP signer`);
        const key = await publisherKey(signer, base, ctx);
        if (typeof key === 'string') throw new SourceFailed('signature', key);
        const signature = await httpGetText(resolveSourceUrl(source.signatureUrl, base), { signal: ctx.signal, env: ctx.env, headers: source.referer ? { referer: source.referer } : undefined });
        if (signature.status !== 200) throw new SourceFailed('signature', `its signature file: HTTP ${signature.status}`);
        const problem = await (await openpgpCheck()).checkDetachedSignature(part, signature.text, key);
        if (problem) throw new SourceFailed('signature', problem);
        checks.push(`openpgp:${download.openpgpSigner}`);
    }
    if (download.packageSigner) {
        const signer = signers[download.packageSigner];
        if (signer.kind !== 'android-package') throw new Error(`signer ${download.packageSigner} is not a package signer`);
        try {
            await verifyPackageSignature(part, signer);
        } catch (error) {
            throw new SourceFailed('signature', ReviveError.from(error).message);
        }
        checks.push(`package:${download.packageSigner}`);
    }
    return checks;
}

function failure(recipe: Recipe, download: FileDownload, failures: readonly SourceFailure[]): ReviveError {
    const offline = failures.length > 0 && failures.every((f) => f.reason === 'unreachable');
    if (offline) {
        return ReviveError.of('download-offline', { file: download.name, role: download.role, manualPage: download.manualPage });
    }
    const facts = { file: download.name, role: download.role, phone: recipe.name, manualPage: download.manualPage, sources: failures.length };
    // The first two sources' fates in words (recipes name one or two); every source's is in the log.
    const [first, second] = failures;
    if (!first) return ReviveError.of('download-failed', { ...facts, variant: 'no-source' });
    const one = { url: first.url, reason: first.reason, detail: first.detail };
    if (!second) return ReviveError.of('download-failed', { ...facts, ...one, variant: 'one' });
    const two = { ...one, url2: second.url, reason2: second.reason, detail2: second.detail, others: failures.length - 2 };
    return ReviveError.of('download-failed', { ...two, ...facts, variant: failures.length > 2 ? 'more' : 'two' });
}

function notFetchable(recipe: Recipe, download: FileDownload): ReviveError {
    const facts = { file: download.name, role: download.role, phone: recipe.name, manualPage: download.manualPage, note: download.note ?? '' };
    return ReviveError.of(download.availability === 'withdrawn' ? 'download-withdrawn' : 'download-manual', facts);
}

/** Download (or find in the cache) one recipe file, verified. Throws a ReviveError naming every source's fate. */
export async function fetchRecipeFile(recipe: Recipe, download: FileDownload, ctx: DownloadContext = {}): Promise<FetchedFile> {
    const home = ctx.home ?? appHome();
    const target = cachedPath(recipe, download, home);
    const cached = cachedDownload(recipe, download, home);
    if (cached) {
        logNote(ctx, 'download-cached', { file: download.name, source: cached.source });
        return { ...cached, path: target, fromCache: true, refused: [] };
    }
    if (download.availability !== 'published') throw notFetchable(recipe, download);
    mkdirSync(join(home, 'downloads', recipe.id), { recursive: true });
    const base = downloadBase(ctx);
    const signers = ctx.signers ?? loadSigners();
    const part = `${target}.part`;
    const failures: SourceFailure[] = [];
    for (const source of download.sources) {
        const url = resolveSourceUrl(source.url, base);
        appendDownloadJournal(target, { role: download.role, event: 'source', url: source.url });
        try {
            const expected = await expectedSha256(download, source, base, ctx);
            const got = await downloadPart(part, url, source, ctx, `download:${download.role}`);
            if ((source.sizeBytes !== undefined && got.sizeBytes !== source.sizeBytes) || got.sha256 !== expected.sha256) {
                await rm(part, { force: true });
                await rm(`${part}.json`, { force: true });
                throw new SourceFailed('mismatch', `SHA-256 ${got.sha256} (${got.sizeBytes} bytes), expected ${expected.sha256}; the file was deleted`);
            }
            let signatureChecks: string[];
            try {
                signatureChecks = await checkSignatures(download, source, part, { base, signers, ctx });
            } catch (error) {
                await rm(part, { force: true });
                await rm(`${part}.json`, { force: true });
                throw error;
            }
            await rename(part, target);
            await rm(`${part}.json`, { force: true });
            const origin: DownloadOrigin = {
                recipeId: recipe.id,
                role: download.role,
                name: download.name,
                sizeBytes: got.sizeBytes,
                sha256: got.sha256,
                source: source.url,
                checks: [expected.check, ...signatureChecks],
                verifiedAt: new Date().toISOString(),
            };
            writeOrigin(target, origin);
            appendDownloadJournal(target, { role: download.role, event: 'verified', url: source.url, detail: origin.checks.join(' ') });
            logNote(ctx, 'download-verified', { file: download.name, url: source.url, checks: origin.checks.join(', ') });
            return { ...origin, path: target, fromCache: false, refused: failures };
        } catch (error) {
            if (!(error instanceof SourceFailed)) throw error;
            const failed: SourceFailure = { url: source.url, reason: error.reason, detail: error.detail };
            failures.push(failed);
            appendDownloadJournal(target, { role: download.role, event: `refused:${failed.reason}`, url: source.url, detail: failed.detail });
            logNote(ctx, 'download-source-failed', { file: download.name, url: source.url, reason: failed.reason, detail: failed.detail });
        }
    }
    throw failure(recipe, download, failures);
}

/** The recipe's download entry for a role, if it has one. */
export function downloadFor(recipe: Recipe, role: FileDownload['role']): FileDownload | undefined {
    return recipe.downloads.find((d) => d.role === role);
}
