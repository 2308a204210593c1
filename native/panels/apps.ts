/**
 * Hardening apps: APK files the person supplies, each checked against a SHA-256 they give (typed,
 * or a `.sha256` file next to it) BEFORE any adb traffic, then installed one by one with a result
 * per app.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { findSidecarChecksum, normaliseTypedChecksum } from '../integrity/checksums.js';
import { hashFile } from '../integrity/hash.js';

export interface ApkRequest {
    readonly path: string;
    /** 64 hex digits; when absent, `<apk>.sha256` / SHA256SUMS next to the file is used. */
    readonly sha256?: string | undefined;
}

export interface ApkCheck {
    readonly path: string;
    readonly fileName: string;
    readonly ok: boolean;
    readonly sizeBytes: number | null;
    /** What the file hashes to (null when it could not be read). */
    readonly sha256: string | null;
    readonly expected: string | null;
    readonly source: 'typed' | 'sidecar' | null;
    /** Plain words when !ok. */
    readonly problem: string | null;
}

export interface VerifiedApk {
    readonly path: string;
    readonly fileName: string;
    readonly sizeBytes: number;
    readonly sha256: string;
}

export interface AppInstaller {
    install(apkPath: string, ctx: JobContext): Promise<unknown>;
}

export interface AppInstallResult {
    readonly fileName: string;
    readonly sha256: string;
    readonly status: 'installed' | 'failed' | 'not-attempted';
    readonly message: string;
}

/** Well-known hardening apps, for the panel's hints (the person still brings the APK and its checksum). */
export const SUGGESTED_APPS = [
    { packageName: 'dev.ukanth.ufirewall', name: 'AFWall+', why: 'per-app firewall (needs root)' },
    { packageName: 'com.wireguard.android', name: 'WireGuard', why: 'VPN tunnel' },
    { packageName: 'org.sufficientlysecure.keychain', name: 'OpenKeychain', why: 'OpenPGP keys for mail and files' },
    { packageName: 'com.fsck.k9', name: 'K-9 Mail', why: 'mail with OpenPGP through OpenKeychain' },
    { packageName: 'org.mozilla.focus', name: 'Firefox Focus', why: 'private browsing, trackers blocked' },
    { packageName: 'de.srlabs.snoopsnitch', name: 'SnoopSnitch', why: 'warns about fake base stations and missing patches' },
] as const;

async function looksLikeApk(path: string): Promise<boolean> {
    const handle = await open(path, 'r');
    try {
        const head = Buffer.alloc(4);
        const { bytesRead } = await handle.read(head, 0, 4, 0);
        return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
    } finally {
        await handle.close();
    }
}

async function checkOne(request: ApkRequest, ctx: JobContext): Promise<ApkCheck> {
    const fileName = basename(request.path);
    const base = { path: request.path, fileName };
    let expected: string;
    let source: 'typed' | 'sidecar';
    try {
        if (request.sha256 !== undefined && request.sha256.trim() !== '') {
            expected = normaliseTypedChecksum(request.sha256, request.path);
            source = 'typed';
        } else {
            const sidecar = findSidecarChecksum(request.path);
            if (!sidecar) {
                return { ...base, ok: false, sizeBytes: null, sha256: null, expected: null, source: null, problem: `No SHA-256 was given for ${fileName} and there is no ${fileName}.sha256 next to it.` };
            }
            expected = sidecar.sha256;
            source = 'sidecar';
        }
    } catch (error) {
        return { ...base, ok: false, sizeBytes: null, sha256: null, expected: null, source: null, problem: ReviveError.from(error).message };
    }
    let digest;
    try {
        digest = await hashFile(request.path, ctx, `verify:${fileName}`);
    } catch (error) {
        if (ctx.signal?.aborted) throw error;
        return { ...base, ok: false, sizeBytes: null, sha256: null, expected, source, problem: ReviveError.from(error).message };
    }
    const found = { ...base, sizeBytes: digest.sizeBytes, sha256: digest.sha256, expected, source };
    if (digest.sha256 !== expected) {
        return { ...found, ok: false, problem: `${fileName} does not match its checksum: expected ${expected}, found ${digest.sha256}. The file is damaged or not the one that was published.` };
    }
    if (!(await looksLikeApk(request.path))) return { ...found, ok: false, problem: `${fileName} matches its checksum but is not an APK (not a zip file).` };
    return { ...found, ok: true, problem: null };
}

/** Hashes every APK (streaming, with progress) and compares it with its expected SHA-256. */
export async function checkApks(requests: readonly ApkRequest[], ctx: JobContext = {}): Promise<ApkCheck[]> {
    if (requests.length === 0) throw new ReviveError({ code: 'apps-none', message: 'No APK files were chosen.', nextStep: 'Add the APK files to install.' });
    const checks: ApkCheck[] = [];
    for (const request of requests) {
        if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
        const check = await checkOne(request, ctx);
        ctx.onLog?.(check.ok ? `${check.fileName}: SHA-256 ${check.sha256} matches (${check.source}).` : `${check.fileName}: refused. ${check.problem}`);
        checks.push(check);
    }
    return checks;
}

/** All-or-nothing: the phone is touched only when every APK is verified. */
export function requireAllVerified(checks: readonly ApkCheck[]): VerifiedApk[] {
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0) {
        throw new ReviveError({
            code: 'apk-checksum',
            message: `Nothing was installed: ${failed.map((c) => c.problem).join(' ')}`,
            nextStep: 'Download the refused APK again from its official page and copy its SHA-256 from there (or put the published .sha256 file next to it).',
            details: Object.fromEntries(failed.map((c) => [c.fileName, c.sha256 ?? 'unreadable'])),
        });
    }
    return checks.map((c) => ({ path: c.path, fileName: c.fileName, sizeBytes: c.sizeBytes ?? 0, sha256: c.sha256 ?? '' }));
}

/** Installs verified APKs one at a time; a failure is recorded and the next app is still tried. */
export async function installVerifiedApks(phone: AppInstaller, apks: readonly VerifiedApk[], ctx: JobContext = {}): Promise<AppInstallResult[]> {
    const results: AppInstallResult[] = [];
    for (const apk of apks) {
        if (ctx.signal?.aborted) {
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'not-attempted', message: 'Cancelled before this app.' });
            continue;
        }
        try {
            await phone.install(apk.path, ctx);
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'installed', message: `${apk.fileName} is installed.` });
        } catch (error) {
            const failure = ReviveError.from(error);
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'failed', message: `${apk.fileName} was not installed: ${failure.message}` });
        }
        ctx.onLog?.(results[results.length - 1]?.message ?? '');
    }
    return results;
}
