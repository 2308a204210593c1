/**
 * Hardening apps: APK files the person supplies, each checked against a SHA-256 they give (typed,
 * or a `.sha256` file next to it) BEFORE any adb traffic, then installed one by one with a result
 * per app.
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import yauzl from 'yauzl';
import type { FactsOf } from '../../common/error-codes.js';
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
    /** Why it was refused, as a code and facts (null when ok). */
    readonly refusal: ReviveError | null;
    /** The refusal's English words (the command line's log). */
    readonly problem: string | null;
}

/** A refused check: the refusal, and its English words beside it. */
function refused(refusal: ReviveError): { ok: false; refusal: ReviveError; problem: string } {
    return { ok: false, refusal, problem: refusal.message };
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
    /** Why it is not installed, as a code and facts (null when installed). */
    readonly problem: ReviveError | null;
    /** The outcome's English words (the command line's log). */
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

const V1_SIGNATURE = /^META-INF\/[^/]+\.(RSA|DSA|EC)$/i;
const SIGNING_BLOCK_MAGIC = Buffer.from('APK Sig Block 42');

/**
 * Why this file is not an APK, or null when it has an APK's shape: a zip holding
 * AndroidManifest.xml, signed with a v1 signature (META-INF/*.RSA|DSA|EC) or an APK Signing Block
 * (v2+, right before the central directory). The phone verifies the signature itself; this only
 * keeps any zip-shaped file from being sent as an "APK".
 */
export async function apkShapeProblem(path: string): Promise<FactsOf<'apk-not-apk'>['variant'] | null> {
    let names: string[];
    try {
        names = await zipEntryNames(path);
    } catch {
        return 'not-zip';
    }
    if (!names.includes('AndroidManifest.xml')) return 'no-manifest';
    if (names.some((name) => V1_SIGNATURE.test(name)) || (await hasSigningBlock(path))) return null;
    return 'unsigned';
}

function zipEntryNames(path: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
        yauzl.open(path, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
            if (error || !zip) return reject(error ?? new Error('no zip'));
            const names: string[] = [];
            zip.on('entry', (entry: yauzl.Entry) => {
                if (names.length >= 100_000) {
                    zip.close();
                    return reject(new Error('too many entries'));
                }
                names.push(entry.fileName);
                zip.readEntry();
            });
            zip.once('end', () => resolve(names));
            zip.once('error', reject);
            zip.readEntry();
        });
    });
}

/** The end-of-central-directory record (no zip64: APKs over 4 GiB do not exist) names where the block would end. */
async function hasSigningBlock(path: string): Promise<boolean> {
    const handle = await open(path, 'r');
    try {
        const size = (await handle.stat()).size;
        const tailLength = Math.min(size, 22 + 0xffff);
        const tail = Buffer.alloc(tailLength);
        await handle.read(tail, 0, tailLength, size - tailLength);
        for (let at = tailLength - 22; at >= 0; at--) {
            if (tail.readUInt32LE(at) !== 0x06054b50) continue;
            const cdOffset = tail.readUInt32LE(at + 16);
            if (cdOffset < 16 + 16) return false;
            const magic = Buffer.alloc(16);
            await handle.read(magic, 0, 16, cdOffset - 16);
            return magic.equals(SIGNING_BLOCK_MAGIC);
        }
        return false;
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
                return { ...base, sizeBytes: null, sha256: null, expected: null, source: null, ...refused(ReviveError.of('apk-no-checksum', { file: fileName })) };
            }
            expected = sidecar.sha256;
            source = 'sidecar';
        }
    } catch (error) {
        return { ...base, sizeBytes: null, sha256: null, expected: null, source: null, ...refused(ReviveError.from(error)) };
    }
    let digest;
    try {
        digest = await hashFile(request.path, ctx, `verify:${fileName}`);
    } catch (error) {
        if (ctx.signal?.aborted) throw error;
        return { ...base, sizeBytes: null, sha256: null, expected, source, ...refused(ReviveError.from(error)) };
    }
    const found = { ...base, sizeBytes: digest.sizeBytes, sha256: digest.sha256, expected, source };
    if (digest.sha256 !== expected) {
        return { ...found, ...refused(ReviveError.of('apk-mismatch', { file: fileName, expected, found: digest.sha256 })) };
    }
    const notApk = await apkShapeProblem(request.path);
    if (notApk) return { ...found, ...refused(ReviveError.of('apk-not-apk', { file: fileName, variant: notApk })) };
    return { ...found, ok: true, refusal: null, problem: null };
}

/** Hashes every APK (streaming, with progress) and compares it with its expected SHA-256. */
export async function checkApks(requests: readonly ApkRequest[], ctx: JobContext = {}): Promise<ApkCheck[]> {
    if (requests.length === 0) throw ReviveError.of('apps-none', {});
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
    const first = failed[0]?.refusal;
    if (first) {
        // The first refusal's code and facts travel along and its words go inside ours; the others are counted.
        const facts = { ...first.facts, cause: first.code, refused: failed.map((c) => c.fileName).join(', '), others: failed.length - 1 };
        throw ReviveError.of('apk-checksum', facts);
    }
    return checks.map((c) => ({ path: c.path, fileName: c.fileName, sizeBytes: c.sizeBytes ?? 0, sha256: c.sha256 ?? '' }));
}

/** Installs verified APKs one at a time; a failure is recorded and the next app is still tried. */
export async function installVerifiedApks(phone: AppInstaller, apks: readonly VerifiedApk[], ctx: JobContext = {}): Promise<AppInstallResult[]> {
    const results: AppInstallResult[] = [];
    for (const apk of apks) {
        if (ctx.signal?.aborted) {
            const problem = ReviveError.of('apk-not-attempted', { file: apk.fileName, variant: 'cancelled' });
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'not-attempted', problem, message: problem.message });
            continue;
        }
        try {
            await phone.install(apk.path, ctx);
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'installed', problem: null, message: `${apk.fileName} is installed.` });
        } catch (error) {
            const failure = ReviveError.from(error);
            results.push({ fileName: apk.fileName, sha256: apk.sha256, status: 'failed', problem: failure, message: `${apk.fileName} was not installed: ${failure.message}` });
        }
        ctx.onLog?.(results[results.length - 1]?.message ?? '');
    }
    return results;
}
