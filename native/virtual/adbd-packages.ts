/**
 * The virtual phone's package manager, as far as tools use it: `pm install` (from /data/local/tmp),
 * `pm list packages [-U] [-3|-s] [FILTER]` and `dumpsys package NAME`.
 * - The system apps are a small, realistic set for the system the phone runs now: stock Samsung
 *   (TouchWiz), stock Google (Nexus/Pixel) or LineageOS once a LineageOS ROM is installed (its
 *   fingerprint says so), plus Google's apps once a Gapps package went in.
 * - Installed apps are named by their manifest's `package` (binary AXML as in real APKs; a plain
 *   XML manifest is read too, for hand-made test APKs). An APK without one is refused as pm does.
 * - UIDs: system apps have fixed ones (1000 system, 1001 radio, 10000–10099 for the bundled apps);
 *   every installed package gets the next free UID from 10100 on, kept per package name in
 *   state.extra.packageUids, so a package keeps its UID across reinstalls and reboots.
 * - `-U` exists from Android 8 on; older pm answers "Error: Unknown option: -U" (tools then ask
 *   `dumpsys package NAME`, which prints `userId=…`).
 * A data wipe or format in TWRP removes the installed apps (state.extra.apps), as on a phone.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ServiceContext, ShellResult } from './adbd-service.js';
import { openZip } from './adbd-zip.js';
import { hashFile } from '../integrity/hash.js';

type SystemApps = ReadonlyArray<readonly [name: string, uid: number]>;

const SAMSUNG_STOCK: SystemApps = [
    ['android', 1000],
    ['com.android.phone', 1001],
    ['com.android.settings', 1000],
    ['com.android.systemui', 10012],
    ['com.android.providers.contacts', 10002],
    ['com.android.providers.downloads', 10005],
    ['com.sec.android.app.launcher', 10021],
    ['com.sec.android.app.sbrowser', 10039],
    ['com.samsung.android.email.provider', 10047],
    ['com.android.vending', 10031],
    ['com.google.android.gms', 10013],
];

const GOOGLE_STOCK: SystemApps = [
    ['android', 1000],
    ['com.android.phone', 1001],
    ['com.android.settings', 1000],
    ['com.android.systemui', 10016],
    ['com.android.providers.contacts', 10004],
    ['com.android.providers.downloads', 10007],
    ['com.google.android.apps.nexuslauncher', 10035],
    ['com.google.android.dialer', 10029],
    ['com.android.chrome', 10051],
    ['com.android.vending', 10024],
    ['com.google.android.gms', 10014],
];

const LINEAGE: SystemApps = [
    ['android', 1000],
    ['com.android.phone', 1001],
    ['com.android.settings', 1000],
    ['com.android.systemui', 10018],
    ['com.android.providers.contacts', 10003],
    ['com.android.providers.downloads', 10006],
    ['com.android.dialer', 10022],
    ['com.android.messaging', 10027],
    ['org.lineageos.trebuchet', 10030],
    ['org.lineageos.jelly', 10041],
    ['org.lineageos.updater', 10044],
];

/** What an Open GApps nano package adds to LineageOS. */
const GAPPS: SystemApps = [
    ['com.google.android.gsf', 10015],
    ['com.google.android.gms', 10016],
    ['com.android.vending', 10025],
];

const FIRST_APP_UID = 10100;

export interface InstalledApp {
    readonly packageName: string;
    readonly fileName: string;
    readonly sha256: string;
    readonly installedAt: string;
}

function systemApps(context: ServiceContext): SystemApps {
    const { state, recipe } = context.phone;
    if (/lineage/i.test(state.buildFingerprint)) {
        const gapps = state.installed.some((p) => /gapps/i.test(p.fileName) || /gapps/i.test(p.id));
        return gapps ? [...LINEAGE, ...GAPPS] : LINEAGE;
    }
    return recipe.manufacturer.toLowerCase() === 'samsung' ? SAMSUNG_STOCK : GOOGLE_STOCK;
}

export function installedApps(context: ServiceContext): InstalledApp[] {
    const apps = context.phone.state.extra['apps'];
    if (!Array.isArray(apps)) return [];
    return apps.filter((a): a is InstalledApp => typeof a === 'object' && a !== null && typeof (a as { packageName?: unknown }).packageName === 'string');
}

function uidTable(context: ServiceContext): Record<string, number> {
    const extra = context.phone.state.extra;
    const table = extra['packageUids'];
    if (typeof table === 'object' && table !== null && !Array.isArray(table)) return table as Record<string, number>;
    const fresh: Record<string, number> = {};
    extra['packageUids'] = fresh;
    return fresh;
}

/** The package's UID: kept from an earlier install, else the next free one. */
function assignUid(context: ServiceContext, packageName: string): number {
    const table = uidTable(context);
    const known = table[packageName];
    if (known !== undefined) return known;
    const uid = Math.max(FIRST_APP_UID - 1, ...Object.values(table)) + 1;
    table[packageName] = uid;
    return uid;
}

/** Every package with its UID: the system's, then the installed ones (an update of a system app keeps its UID). */
function allPackages(context: ServiceContext): Array<{ name: string; uid: number; system: boolean }> {
    const out = new Map<string, { name: string; uid: number; system: boolean }>();
    for (const [name, uid] of systemApps(context)) out.set(name, { name, uid, system: true });
    const table = uidTable(context);
    for (const app of installedApps(context)) {
        if (out.has(app.packageName)) continue;
        out.set(app.packageName, { name: app.packageName, uid: table[app.packageName] ?? assignUid(context, app.packageName), system: false });
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function androidMajor(context: ServiceContext): number {
    return Number.parseInt(context.phone.state.androidVersion, 10) || 0;
}

/** `pm list packages [-U] [-3|-s] [FILTER]`. */
export function listPackages(args: readonly string[], context: ServiceContext): ShellResult {
    const options = new Set<string>();
    let filter = '';
    for (const arg of args) {
        if (arg.startsWith('-')) {
            for (const flag of arg.slice(1)) {
                if (!'U3s'.includes(flag) || (flag === 'U' && androidMajor(context) < 8)) return { stdout: '', stderr: `Error: Unknown option: -${flag}\n`, exitCode: 1 };
                options.add(flag);
            }
        } else filter = arg;
    }
    const lines = allPackages(context)
        .filter((p) => (!options.has('3') || !p.system) && (!options.has('s') || p.system) && p.name.includes(filter))
        .map((p) => `package:${p.name}${options.has('U') ? ` uid:${p.uid}` : ''}\n`);
    return { stdout: lines.join(''), stderr: '', exitCode: 0 };
}

/** `dumpsys package NAME`: the lines tools read (userId, codePath, versionName). */
export function dumpsysPackage(name: string | undefined, context: ServiceContext): ShellResult {
    const found = allPackages(context).find((p) => p.name === name);
    if (!found) return { stdout: name ? `Unable to find package: ${name}\n` : '', stderr: '', exitCode: 0 };
    const codePath = found.system ? `/system/priv-app/${found.name}` : `/data/app/${found.name}-1`;
    // Android 5–7 print `userId=N gids=[…]`; 8+ print `userId=N` alone.
    const gids = androidMajor(context) < 8 ? ' gids=[3003]' : '';
    return {
        stdout: ['Packages:', `  Package [${found.name}] (${createHash('sha1').update(found.name).digest('hex').slice(0, 7)}):`, `    userId=${found.uid}${gids}`, `    codePath=${codePath}`, '    versionName=1.0', ''].join('\n'),
        stderr: '',
        exitCode: 0,
    };
}

/** `pm install [-r] PATH`. */
export async function installPackage(args: readonly string[], context: ServiceContext): Promise<ShellResult> {
    const path = args.find((a) => !a.startsWith('-'));
    if (!path) return { stdout: '', stderr: 'Error: no package specified\n', exitCode: 1 };
    const hostPath = context.fs.hostPath(path);
    let manifest: Buffer | undefined;
    try {
        const zip = await openZip(hostPath);
        try {
            manifest = await zip.readBytes('AndroidManifest.xml', 4 * 1024 * 1024);
        } finally {
            await zip.close();
        }
    } catch {
        return { stdout: 'Failure [INSTALL_FAILED_INVALID_APK]\n', stderr: '', exitCode: 1 };
    }
    if (!manifest) return { stdout: 'Failure [INSTALL_PARSE_FAILED_NO_CERTIFICATES]\n', stderr: '', exitCode: 1 };
    const packageName = manifestPackage(manifest);
    if (!packageName) return { stdout: 'Failure [INSTALL_PARSE_FAILED_MANIFEST_MALFORMED: <manifest> has no package name]\n', stderr: '', exitCode: 1 };
    const apps = installedApps(context).filter((a) => a.packageName !== packageName);
    apps.push({ packageName, fileName: posix.basename(path), sha256: (await hashFile(hostPath)).sha256, installedAt: new Date().toISOString() });
    context.phone.state.extra['apps'] = apps;
    assignUid(context, packageName);
    await context.phone.saveState();
    return { stdout: 'Success\n', stderr: '', exitCode: 0 };
}

/** The manifest's `package`: binary AXML (what APKs carry) or plain XML. */
export function manifestPackage(manifest: Uint8Array): string | undefined {
    const view = new DataView(manifest.buffer, manifest.byteOffset, manifest.byteLength);
    if (manifest.length >= 8 && view.getUint16(0, true) === 0x0003) return axmlManifestPackage(view);
    const text = new TextDecoder().decode(manifest);
    return /<manifest\b[^>]*\bpackage\s*=\s*"([A-Za-z][\w]*(?:\.[A-Za-z][\w]*)+)"/.exec(text)?.[1];
}

const RES_STRING_POOL = 0x0001;
const RES_XML_START_ELEMENT = 0x0102;
const UTF8_FLAG = 0x100;
const NO_INDEX = 0xffffffff;
const TYPE_STRING = 0x03;

function readPool(view: DataView, at: number): string[] {
    const headerSize = view.getUint16(at + 2, true);
    const count = view.getUint32(at + 8, true);
    const utf8 = (view.getUint32(at + 16, true) & UTF8_FLAG) !== 0;
    const stringsStart = at + view.getUint32(at + 20, true);
    const strings: string[] = [];
    for (let i = 0; i < count; i++) {
        let p = stringsStart + view.getUint32(at + headerSize + i * 4, true);
        if (utf8) {
            // UTF-16 length, then UTF-8 byte length (each one or two bytes), then the bytes.
            p += view.getUint8(p) & 0x80 ? 2 : 1;
            let bytes = view.getUint8(p);
            if (bytes & 0x80) bytes = ((bytes & 0x7f) << 8) | view.getUint8(++p);
            p += 1;
            strings.push(new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + p, bytes)));
        } else {
            let length = view.getUint16(p, true);
            if (length & 0x8000) {
                length = ((length & 0x7fff) << 16) | view.getUint16(p + 2, true);
                p += 2;
            }
            p += 2;
            let text = '';
            for (let c = 0; c < length; c++) text += String.fromCharCode(view.getUint16(p + c * 2, true));
            strings.push(text);
        }
    }
    return strings;
}

function axmlManifestPackage(view: DataView): string | undefined {
    try {
        let strings: string[] = [];
        for (let at = view.getUint16(2, true); at + 8 <= view.byteLength; ) {
            const type = view.getUint16(at, true);
            const size = view.getUint32(at + 4, true);
            if (size < 8) return undefined;
            if (type === RES_STRING_POOL) strings = readPool(view, at);
            if (type === RES_XML_START_ELEMENT) {
                const ext = at + view.getUint16(at + 2, true);
                if (strings[view.getUint32(ext + 4, true)] !== 'manifest') return undefined;
                const attrStart = ext + view.getUint16(ext + 8, true);
                const attrSize = view.getUint16(ext + 10, true);
                const attrCount = view.getUint16(ext + 12, true);
                for (let i = 0; i < attrCount; i++) {
                    const attr = attrStart + i * attrSize;
                    if (strings[view.getUint32(attr + 4, true)] !== 'package') continue;
                    const raw = view.getUint32(attr + 8, true);
                    const dataType = view.getUint8(attr + 15);
                    const value = raw !== NO_INDEX ? strings[raw] : dataType === TYPE_STRING ? strings[view.getUint32(attr + 16, true)] : undefined;
                    return value || undefined;
                }
                return undefined;
            }
            at += size;
        }
    } catch {
        // A truncated or malformed manifest has no package name.
    }
    return undefined;
}
