/**
 * Reads what a recovery zip says about itself, without extracting it: the OTA metadata
 * (`META-INF/com/android/metadata`), the updater-script's device asserts, OpenGApps' `g.prop`.
 */
import { basename } from 'node:path';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ReviveError } from '../jobs/errors.js';

export const METADATA_PATH = 'META-INF/com/android/metadata';
export const UPDATER_SCRIPT_PATH = 'META-INF/com/google/android/updater-script';
export const UPDATE_BINARY_PATH = 'META-INF/com/google/android/update-binary';
export const GPROP_PATH = 'g.prop';

/** Text members we read; each is small in a real package, so a cap guards against a hostile zip. */
const WANTED = new Set([METADATA_PATH, UPDATER_SCRIPT_PATH, GPROP_PATH]);
const MAX_MEMBER_BYTES = 4 << 20;

export interface ZipFacts {
    readonly path: string;
    readonly entryNames: readonly string[];
    readonly hasUpdateBinary: boolean;
    /** key=value pairs of META-INF/com/android/metadata. */
    readonly metadata: Readonly<Record<string, string>>;
    /** Device names the updater-script asserts (ro.product.device / ro.build.product). */
    readonly assertedDevices: readonly string[];
    /** key=value pairs of g.prop at the zip root (OpenGApps). */
    readonly gprop: Readonly<Record<string, string>>;
}

function corrupt(path: string, cause: unknown): ReviveError {
    if (cause instanceof ReviveError && cause.code === 'zip-member-too-large') return ReviveError.of('zip-corrupt', { file: basename(path), path, ...cause.facts, variant: 'member-too-large' }, { cause });
    // yauzl's own words say what it found wrong in the zip.
    const problem = cause instanceof Error ? cause.message : String(cause);
    return ReviveError.of('zip-corrupt', { file: basename(path), path, problem, variant: 'unreadable' }, { cause });
}

function openZip(path: string): Promise<ZipFile> {
    return new Promise((resolve, reject) => {
        yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
            if (error || !zip) reject(error ?? new Error('no zip'));
            else resolve(zip);
        });
    });
}

function readEntry(zip: ZipFile, entry: Entry): Promise<string> {
    return new Promise((resolve, reject) => {
        if (entry.uncompressedSize > MAX_MEMBER_BYTES) {
            reject(ReviveError.of('zip-member-too-large', { member: entry.fileName, size: entry.uncompressedSize, limit: MAX_MEMBER_BYTES }));
            return;
        }
        zip.openReadStream(entry, (error, stream) => {
            if (error || !stream) {
                reject(error ?? new Error('no stream'));
                return;
            }
            const chunks: Buffer[] = [];
            stream.on('data', (chunk: Buffer) => chunks.push(chunk));
            stream.on('error', reject);
            stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        });
    });
}

export function parseProperties(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        const eq = line.indexOf('=');
        if (eq <= 0) continue;
        out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
    }
    return out;
}

/** Device names from LineageOS-style asserts: `getprop("ro.product.device") == "X"`, and `E3004 … device: X,Y;`. */
export function parseAssertedDevices(script: string): string[] {
    const names = new Set<string>();
    for (const match of script.matchAll(/getprop\(\s*"ro\.(?:product|build)\.(?:device|product)"\s*\)\s*==\s*"([^"]+)"/g)) {
        if (match[1]) names.add(match[1]);
    }
    for (const match of script.matchAll(/This package is for (?:device|"?)\s*:?\s*([A-Za-z0-9_,\- ]+?)[;"]/g)) {
        for (const name of (match[1] ?? '').split(',')) if (name.trim()) names.add(name.trim());
    }
    return [...names];
}

export async function inspectZip(path: string): Promise<ZipFacts> {
    let zip: ZipFile;
    try {
        zip = await openZip(path);
    } catch (error) {
        throw corrupt(path, error);
    }
    const entryNames: string[] = [];
    const texts = new Map<string, string>();
    try {
        await new Promise<void>((resolve, reject) => {
            zip.on('error', reject);
            zip.on('end', () => resolve());
            zip.on('entry', (entry: Entry) => {
                entryNames.push(entry.fileName);
                if (!WANTED.has(entry.fileName)) {
                    zip.readEntry();
                    return;
                }
                readEntry(zip, entry).then((text) => {
                    texts.set(entry.fileName, text);
                    zip.readEntry();
                }, reject);
            });
            zip.readEntry();
        });
    } catch (error) {
        throw corrupt(path, error);
    } finally {
        zip.close();
    }
    return {
        path,
        entryNames,
        hasUpdateBinary: entryNames.includes(UPDATE_BINARY_PATH),
        metadata: parseProperties(texts.get(METADATA_PATH) ?? ''),
        assertedDevices: parseAssertedDevices(texts.get(UPDATER_SCRIPT_PATH) ?? ''),
        gprop: parseProperties(texts.get(GPROP_PATH) ?? ''),
    };
}

/** `brand/product/device:8.1.0/ID/incremental:type/keys` → `8.1.0`. */
export function androidVersionFromFingerprint(fingerprint: string): string | undefined {
    return /^[^/]+\/[^/]+\/[^/:]+:([0-9][0-9.]*)\//.exec(fingerprint)?.[1];
}

/** Android version ↔ LineageOS version, for the releases this app deals with. */
const LINEAGE_FOR_ANDROID: Readonly<Record<string, string>> = {
    '7.1': '14.1',
    '8.1': '15.1',
    '9': '16.0',
    '10': '17.1',
    '11': '18.1',
    '12': '19.1',
    '13': '20',
    '14': '21',
    '15': '22',
};
const SDK_FOR_ANDROID: Readonly<Record<string, number>> = {
    '4.4': 19, '5.0': 21, '5.1': 22, '6.0': 23, '7.0': 24, '7.1': 25, '8.0': 26, '8.1': 27, '9': 28, '10': 29, '11': 30, '12': 31, '13': 33, '14': 34, '15': 35,
};

/** "8.1.0" → "8.1", "9" → "9", "10.0" → "10": the form Gapps and LineageOS use to name a release. */
export function shortAndroidVersion(version: string): string {
    const [major, minor] = version.split('.');
    if (!major) return version;
    return Number(major) >= 9 ? major : `${major}.${minor ?? '0'}`;
}

export function lineageForAndroid(version: string): string | undefined {
    return LINEAGE_FOR_ANDROID[shortAndroidVersion(version)];
}

export function sdkForAndroid(version: string): number | undefined {
    return SDK_FOR_ANDROID[shortAndroidVersion(version)];
}

export type CpuArch = 'arm' | 'arm64' | 'x86' | 'x86_64';
const ARCHES: readonly string[] = ['arm', 'arm64', 'x86', 'x86_64'];

export function isArch(value: string | undefined): value is CpuArch {
    return value !== undefined && ARCHES.includes(value);
}

export interface GappsNameFacts {
    readonly arch: CpuArch;
    readonly androidVersion: string;
    readonly variant: string;
}

/** `open_gapps-arm-8.1-nano-20181013.zip` → arm, 8.1, nano. */
export function parseGappsName(fileName: string): GappsNameFacts | undefined {
    const match = /^open_gapps-(arm64|arm|x86_64|x86)-(\d+(?:\.\d+)?)-([a-z]+)-/i.exec(basename(fileName));
    if (!match?.[1] || !match[2] || !match[3]) return undefined;
    const arch = match[1].toLowerCase();
    return isArch(arch) ? { arch, androidVersion: match[2], variant: match[3].toLowerCase() } : undefined;
}

/** `addonsu-15.1-arm-signed.zip` → 15.1, arm. */
export function parseAddonSuName(fileName: string): { lineageVersion: string; arch: CpuArch } | undefined {
    const match = /^addonsu-(\d+(?:\.\d+)?)-(arm64|arm|x86_64|x86)-signed/i.exec(basename(fileName));
    if (!match?.[1] || !match[2]) return undefined;
    const arch = match[2].toLowerCase();
    return isArch(arch) ? { lineageVersion: match[1], arch } : undefined;
}

/** `lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip` → 15.1. */
export function parseLineageName(fileName: string): string | undefined {
    return /^lineage-(\d+(?:\.\d+)?)-/i.exec(basename(fileName))?.[1];
}
