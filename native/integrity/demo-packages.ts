/**
 * Demo packages for `revive demo` and the tests: clearly labelled DEMO files built like real ones
 * (a recovery zip with update-binary, OTA metadata and a device assert; OpenGApps' g.prop; a su
 * add-on; a TWRP-like boot image with the `ANDROID!` header and a cpio ramdisk naming its phone), each with a `.sha256` next to it.
 * They install nothing real: only the virtual phone accepts them as packages.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { Recipe } from '../manifests/schema.js';
import { hashFile } from './hash.js';
import { lineageForAndroid } from './zip-inspect.js';

const DEMO_NOTE = 'REVIVE DEMO PACKAGE. Not a real operating system: it only works on Revive\'s virtual phone.\n';

/** Deterministic bytes (xorshift32), so demo files and their checksums are the same on every run. */
function* pseudoRandomChunks(totalBytes: number, seed: number, chunkBytes = 256 * 1024): Generator<Buffer> {
    let state = seed >>> 0 || 0x9e3779b9;
    let left = totalBytes;
    while (left > 0) {
        const size = Math.min(chunkBytes, left);
        const chunk = Buffer.allocUnsafe(size);
        for (let i = 0; i + 4 <= size; i += 4) {
            state ^= state << 13;
            state >>>= 0;
            state ^= state >>> 17;
            state ^= state << 5;
            state >>>= 0;
            chunk.writeUInt32LE(state, i);
        }
        for (let i = size - (size % 4); i < size; i++) chunk[i] = 0x5a;
        left -= size;
        yield chunk;
    }
}

interface ZipMember {
    readonly name: string;
    readonly text?: string | undefined;
    readonly randomBytes?: number | undefined;
    readonly seed?: number | undefined;
}

async function writeZip(path: string, members: readonly ZipMember[]): Promise<void> {
    const zip = new yazl.ZipFile();
    const mtime = new Date('2024-01-01T00:00:00Z');
    for (const member of members) {
        if (member.text !== undefined) zip.addBuffer(Buffer.from(member.text, 'utf8'), member.name, { mtime, compress: true });
        else zip.addReadStream(Readable.from(pseudoRandomChunks(member.randomBytes ?? 0, member.seed ?? 1)), member.name, { mtime, compress: false });
    }
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(path));
}

export interface DemoRomOptions {
    /** Device names for pre-device and the updater-script assert. */
    readonly devices: readonly string[];
    /** Full Android version in the fingerprint, e.g. "8.1.0". */
    readonly androidVersion: string;
    readonly payloadBytes?: number | undefined;
    readonly seed?: number | undefined;
}

export function demoFingerprint(codename: string, androidVersion: string): string {
    return `lineage/lineage_${codename}/${codename}:${androidVersion}/REVIVE.DEMO/20240101:userdebug/test-keys`;
}

export async function writeDemoRom(path: string, options: DemoRomOptions): Promise<void> {
    const codename = options.devices[0] ?? 'unknown';
    const asserts = options.devices.map((d) => `getprop("ro.product.device") == "${d}" || getprop("ro.build.product") == "${d}"`).join(' || ');
    const script = [
        `assert(${asserts} || abort("E3004: This package is for device: ${options.devices.join(',')}; this device is " + getprop("ro.product.device") + "."););`,
        `ui_print("Target: ${demoFingerprint(codename, options.androidVersion)}");`,
        'ui_print("REVIVE DEMO ROM: this is a demonstration package for the virtual phone.");',
        'block_image_update("/dev/block/bootdevice/by-name/system", package_extract_file("system.transfer.list"), "system.new.dat", "system.patch.dat") || abort("E1001: Failed to update system image.");',
        'package_extract_file("boot.img", "/dev/block/bootdevice/by-name/boot");',
        'set_progress(1.000000);',
        '',
    ].join('\n');
    const metadata = [
        'ota-required-cache=0',
        'ota-type=BLOCK',
        `post-build=${demoFingerprint(codename, options.androidVersion)}`,
        'post-timestamp=1704067200',
        `pre-device=${options.devices.join(',')}`,
        '',
    ].join('\n');
    await writeZip(path, [
        { name: 'REVIVE-DEMO-README.txt', text: DEMO_NOTE },
        { name: 'META-INF/com/google/android/update-binary', text: '#!/sbin/sh\n# REVIVE DEMO: stands in for the edify interpreter of a real ROM.\nexit 0\n' },
        { name: 'META-INF/com/google/android/updater-script', text: script },
        { name: 'META-INF/com/android/metadata', text: metadata },
        { name: 'system.transfer.list', text: '4\n0\n0\n0\n' },
        { name: 'system.new.dat', randomBytes: options.payloadBytes ?? 3 * 1024 * 1024, seed: options.seed ?? 15 },
        { name: 'system.patch.dat', text: '' },
        { name: 'boot.img', randomBytes: 64 * 1024, seed: (options.seed ?? 15) + 1 },
    ]);
}

export interface DemoGappsOptions {
    readonly arch: string;
    readonly platform: string;
    readonly sdk: number | undefined;
    readonly payloadBytes?: number | undefined;
}

export async function writeDemoGapps(path: string, options: DemoGappsOptions): Promise<void> {
    const gprop = [
        '# begin addon properties',
        'ro.addon.type=gapps',
        `ro.addon.arch=${options.arch}`,
        ...(options.sdk !== undefined ? [`ro.addon.sdk=${options.sdk}`] : []),
        `ro.addon.platform=${options.platform}`,
        'ro.addon.open_type=nano',
        'ro.addon.open_version=REVIVE-DEMO',
        '# end addon properties',
        '',
    ].join('\n');
    await writeZip(path, [
        { name: 'REVIVE-DEMO-README.txt', text: DEMO_NOTE },
        { name: 'META-INF/com/google/android/update-binary', text: '#!/sbin/sh\n# REVIVE DEMO: OpenGApps installs with a shell script; this one does nothing.\nexit 0\n' },
        { name: 'META-INF/com/google/android/updater-script', text: '# Dummy updater-script: OpenGApps uses update-binary.\n' },
        { name: 'g.prop', text: gprop },
        { name: 'Core/demo.tar.lz', randomBytes: options.payloadBytes ?? 512 * 1024, seed: 27 },
    ]);
}

export async function writeDemoSu(path: string): Promise<void> {
    await writeZip(path, [
        { name: 'REVIVE-DEMO-README.txt', text: DEMO_NOTE },
        { name: 'META-INF/com/google/android/update-binary', text: '#!/sbin/sh\n# REVIVE DEMO: the LineageOS su add-on copies su into /system; this one does nothing.\nexit 0\n' },
        { name: 'META-INF/com/google/android/updater-script', text: 'ui_print("REVIVE DEMO su add-on");\n' },
        { name: 'system/xbin/su', randomBytes: 64 * 1024, seed: 39 },
    ]);
}

/** One newc cpio archive (what `cpio -o -H newc` writes), ending in its TRAILER!!! entry. */
export function newcCpio(entries: ReadonlyArray<{ readonly name: string; readonly data?: Uint8Array | undefined; readonly mode?: number | undefined }>): Buffer {
    const parts: Buffer[] = [];
    const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);
    const field = (n: number): string => n.toString(16).padStart(8, '0');
    for (const [index, entry] of [...entries, { name: 'TRAILER!!!', data: undefined, mode: 0 }].entries()) {
        const data = Buffer.from(entry.data ?? new Uint8Array(0));
        const mode = entry.mode ?? (entry.data ? 0o100644 : 0o040755);
        const name = Buffer.from(`${entry.name}\0`, 'latin1');
        const header = `070701${[index + 1, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0].map(field).join('')}`;
        parts.push(Buffer.from(header, 'latin1'), name, pad4(110 + name.length), data, pad4(data.length));
    }
    return Buffer.concat(parts);
}

/** The legacy LZ4 format with every block stored as literals: valid LZ4 that any decoder reads. */
export function lz4LegacyLiterals(data: Uint8Array): Buffer {
    const parts: Buffer[] = [Buffer.from([0x02, 0x21, 0x4c, 0x18])];
    for (let at = 0; at < data.length; at += 4 * 1024 * 1024) {
        const block = data.subarray(at, at + 4 * 1024 * 1024);
        const extra: number[] = [];
        if (block.length >= 15) {
            let left = block.length - 15;
            while (left >= 255) {
                extra.push(255);
                left -= 255;
            }
            extra.push(left);
        }
        const body = Buffer.concat([Buffer.from([Math.min(block.length, 15) << 4, ...extra]), block]);
        const size = Buffer.alloc(4);
        size.writeUInt32LE(body.length);
        parts.push(size, body);
    }
    return Buffer.concat(parts);
}

export interface DemoBootImageOptions {
    readonly kernelBytes?: number | undefined;
    readonly pageSize?: number | undefined;
    /** Header version 0–4 (3 and 4 have a fixed 4096-byte page). */
    readonly headerVersion?: number | undefined;
    /** The phone the recovery says it is built for (its prop.default); none: a ramdisk without one. */
    readonly device?: string | undefined;
    /** Set the ramdisk's bytes directly (for damaged-ramdisk tests). */
    readonly ramdisk?: Uint8Array | undefined;
    readonly compression?: 'gzip' | 'lz4-legacy' | 'none' | undefined;
}

/** The ramdisk of a demo TWRP: a real cpio with a prop.default naming its device, compressed as asked. */
export function demoRamdisk(options: DemoBootImageOptions = {}): Buffer {
    const props = options.device
        ? `# REVIVE DEMO TWRP\nro.product.device=${options.device}\nro.build.product=${options.device}\nro.twrp.version=3.2.3-REVIVE-DEMO\n`
        : '# REVIVE DEMO TWRP\nro.twrp.version=3.2.3-REVIVE-DEMO\n';
    const cpio = newcCpio([
        { name: 'sbin' },
        { name: 'sbin/recovery', data: Buffer.concat([...pseudoRandomChunks(96 * 1024, 52)]), mode: 0o100750 },
        { name: 'prop.default', data: Buffer.from(props, 'utf8') },
        { name: 'default.prop', data: Buffer.from('prop.default', 'utf8'), mode: 0o120777 },
        { name: 'REVIVE-DEMO-README.txt', data: Buffer.from(DEMO_NOTE, 'utf8') },
    ]);
    const compression = options.compression ?? 'gzip';
    return compression === 'gzip' ? gzipSync(cpio) : compression === 'lz4-legacy' ? lz4LegacyLiterals(cpio) : cpio;
}

/** A TWRP-like boot image: demo kernel bytes and a real ramdisk that names its device. */
export function demoBootImage(options: DemoBootImageOptions = {}): Buffer {
    const version = options.headerVersion ?? 0;
    const page = version >= 3 ? 4096 : (options.pageSize ?? 2048);
    const kernelBytes = options.kernelBytes ?? 256 * 1024;
    const ramdisk = Buffer.from(options.ramdisk ?? demoRamdisk(options));
    const header = Buffer.alloc(page);
    header.write('ANDROID!', 0, 'latin1');
    header.writeUInt32LE(kernelBytes, 8);
    if (version >= 3) {
        header.writeUInt32LE(ramdisk.length, 12);
        header.writeUInt32LE(version === 4 ? 1584 : 1580, 20);
        header.writeUInt32LE(version, 40);
        header.write('console=null REVIVE-DEMO-TWRP (not a real recovery)', 44, 'latin1');
    } else {
        header.writeUInt32LE(0x10008000, 12);
        header.writeUInt32LE(ramdisk.length, 16);
        header.writeUInt32LE(0x11000000, 20);
        header.writeUInt32LE(0, 24);
        header.writeUInt32LE(0x10f00000, 28);
        header.writeUInt32LE(0x10000100, 32);
        header.writeUInt32LE(page, 36);
        header.writeUInt32LE(version, 40);
        header.write('TWRP DEMO', 48, 'latin1');
        header.write('console=null REVIVE-DEMO-TWRP (not a real recovery)', 64, 'latin1');
    }
    const pad = (n: number): Buffer => Buffer.alloc((page - (n % page)) % page);
    const kernel = Buffer.concat([...pseudoRandomChunks(kernelBytes, 51)]);
    return Buffer.concat([header, kernel, pad(kernelBytes), ramdisk, pad(ramdisk.length)]);
}

export async function writeDemoBootImage(path: string, options: DemoBootImageOptions = {}): Promise<void> {
    await writeFile(path, demoBootImage(options));
}

export interface DemoPackages {
    readonly dir: string;
    readonly recovery: string;
    readonly rom: string;
    readonly gapps: string;
    readonly su: string;
    readonly androidVersion: string;
    readonly lineageVersion: string;
    readonly fingerprint: string;
}

/** The release a recipe aims at: its `target`, else its known-good ROM, else LineageOS 15.1. */
export function recipeTarget(recipe: Recipe): { androidVersion: string; lineageVersion: string } {
    if (recipe.target) return recipe.target;
    const rom = recipe.knownFiles.find((k) => k.role === 'rom');
    const androidVersion = rom?.androidVersion ?? '8.1';
    return { androidVersion, lineageVersion: rom?.lineageVersion ?? lineageForAndroid(androidVersion) ?? '15.1' };
}

/** What `ro.build.version.release` says on the last LineageOS build of each release. */
const FULL_VERSION: Readonly<Record<string, string>> = { '7.1': '7.1.2', '8.1': '8.1.0', '9': '9', '10': '10', '11': '11' };

const SDK: Readonly<Record<string, number>> = { '7.1': 25, '8.1': 27, '9': 28, '10': 29, '11': 30 };

/** Write the four demo packages for this phone into dir, each with a `.sha256` file next to it. */
export async function generateDemoPackages(dir: string, recipe: Recipe, options: { romBytes?: number } = {}): Promise<DemoPackages> {
    await mkdir(dir, { recursive: true });
    const { androidVersion, lineageVersion } = recipeTarget(recipe);
    const codename = recipe.codenames[0] ?? recipe.id;
    const fullVersion = FULL_VERSION[androidVersion] ?? androidVersion;
    const files = {
        recovery: join(dir, `twrp-REVIVE-DEMO-${recipe.id}.img`),
        rom: join(dir, `lineage-${lineageVersion}-REVIVE-DEMO-${recipe.id}.zip`),
        gapps: join(dir, `open_gapps-${recipe.cpuArch}-${androidVersion}-nano-REVIVE-DEMO.zip`),
        su: join(dir, `addonsu-${lineageVersion}-${recipe.cpuArch}-signed-REVIVE-DEMO.zip`),
    };
    await writeDemoBootImage(files.recovery, { device: codename });
    await writeDemoRom(files.rom, { devices: [...new Set([codename, ...recipe.codenames])], androidVersion: fullVersion, payloadBytes: options.romBytes });
    await writeDemoGapps(files.gapps, { arch: recipe.cpuArch, platform: androidVersion, sdk: SDK[androidVersion] });
    await writeDemoSu(files.su);
    for (const path of Object.values(files)) {
        const { sha256 } = await hashFile(path);
        await writeFile(`${path}.sha256`, `${sha256}  ${path.slice(dir.length + 1)}\n`);
    }
    return { dir, ...files, androidVersion, lineageVersion, fingerprint: demoFingerprint(codename, fullVersion) };
}
