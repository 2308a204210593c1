/**
 * The safety gate: nothing touches the phone until every file is hashed and matched, and every
 * package is shown to belong to this phone, to the ROM's Android release and to its CPU.
 * Each refusal is a ReviveError naming the file, what was expected, what was found and what to do.
 */
import type { ErrorFacts, FactsOf } from '../../common/error-codes.js';
import { logNote } from '../jobs/log-note.js';
import { basename } from 'node:path';
import type { ChecksumSource } from '../jobs/events.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import type { FileRole, KnownFile, Recipe } from '../manifests/schema.js';
import type { BootImageFacts } from './boot-image.js';
import { checkRecoveryHeader, openRecoveryImage, readRecoveryTarget } from './recovery-image.js';
import { findRecipe } from '../manifests/load.js';
import { expectedChecksum, knownFileByDigest } from './checksums.js';
import { hashFileShared } from './hash.js';
import { verifyPackageSignature } from './package-signature.js';
import { loadSigners } from '../download/signers.js';
import {
    androidVersionFromFingerprint,
    inspectZip,
    isArch,
    lineageForAndroid,
    parseAddonSuName,
    parseGappsName,
    parseLineageName,
    sdkForAndroid,
    shortAndroidVersion,
    type CpuArch,
    type ZipFacts,
} from './zip-inspect.js';

export interface GatePlanFile {
    readonly role: FileRole;
    readonly path: string;
    /** A SHA-256 the person typed in for this file. */
    readonly typedSha256?: string | undefined;
}

export interface GatePlan {
    readonly files: readonly GatePlanFile[];
}

export interface VerifiedFile {
    readonly role: FileRole;
    readonly path: string;
    readonly name: string;
    readonly sizeBytes: number;
    readonly sha256: string;
    readonly checksumSource: ChecksumSource;
    readonly origin?: string | undefined;
}

export interface RomFacts {
    readonly devices: readonly string[];
    readonly androidVersion: string;
    readonly lineageVersion: string | undefined;
    readonly arch: CpuArch;
    readonly postBuild: string | undefined;
}

export interface GateReport {
    readonly files: readonly VerifiedFile[];
    readonly rom: RomFacts | undefined;
    readonly recovery: BootImageFacts | undefined;
}


/** A refusal: code, file, then the plain message, what was expected, what was found and what to do. */
/** A refusal of one file: its code and facts (the file by name and path, and what was found). */
function refuse<C extends GateCode>(code: C, path: string, facts: Omit<FactsOf<C>, 'file' | 'path'>): ReviveError {
    return new ReviveError(code, { file: basename(path), path, ...(facts as ErrorFacts) });
}

type GateCode =
    | 'checksum-missing'
    | 'rom-signature-invalid'
    | 'rom-not-installable'
    | 'rom-device-unknown'
    | 'rom-version-unknown'
    | 'gapps-unknown'
    | 'gapps-wrong-arch'
    | 'gapps-wrong-android'
    | 'su-unknown'
    | 'su-wrong-version'
    | 'su-wrong-arch'
    | 'recovery-tar-not-odin'
    | 'recovery-not-image';

async function verifyChecksum(recipe: Recipe, file: GatePlanFile, ctx: JobContext): Promise<VerifiedFile> {
    const name = basename(file.path);
    const expected = expectedChecksum(recipe, file.role, file.path, file.typedSha256);
    const digest = await hashFileShared(file.path, ctx, `verify:${file.role}`);
    if (expected) {
        if (digest.sha256 !== expected.sha256) {
            const variant = expected.source === 'recipe' ? 'gate-recipe' : expected.source === 'typed' ? 'gate-typed' : expected.source === 'download' ? 'gate-download' : 'gate-sidecar';
            throw ReviveError.of('checksum-mismatch', { variant, file: name, path: file.path, expected: expected.sha256, found: digest.sha256 });
        }
        const origin = expected.source === 'download' ? expected.from : undefined;
        return { role: file.role, path: file.path, name, sizeBytes: digest.sizeBytes, sha256: digest.sha256, checksumSource: expected.source, origin };
    }
    // A known-good file under another name is still a known-good file.
    if (knownFileByDigest(recipe, file.role, digest.sha256)) {
        return { role: file.role, path: file.path, name, sizeBytes: digest.sizeBytes, sha256: digest.sha256, checksumSource: 'recipe' };
    }
    throw refuse('checksum-missing', file.path, { variant: 'gate', role: file.role, phone: recipe.name, found: digest.sha256 });
}

function knownFor(recipe: Recipe, verified: VerifiedFile): KnownFile | undefined {
    return recipe.knownFiles.find((k) => k.role === verified.role && k.sha256 === verified.sha256);
}

/** LineageOS names its official builds `lineage-<version>-<date>-nightly-<device>-signed.zip`. */
const OFFICIAL_BUILD = /^lineage-\d+(\.\d+)?-\d{8}-nightly-[a-z0-9_]+-signed\.zip$/;

/**
 * A ROM named like an official build of a publisher the recipe names as its signer must carry that
 * publisher's whole-file signature, as the phone's recovery would demand: a renamed or altered
 * package is refused, however it came here.
 */
async function checkRomSignature(recipe: Recipe, rom: VerifiedFile): Promise<void> {
    const signer = recipe.downloads.find((d) => d.role === 'rom' && d.packageSigner)?.packageSigner;
    if (!signer || !OFFICIAL_BUILD.test(rom.name)) return;
    const anchor = loadSigners()[signer];
    if (anchor.kind !== 'android-package') return;
    try {
        await verifyPackageSignature(rom.path, anchor);
    } catch (error) {
        // The signature check's own problem and facts; a file that cannot be read is refused as such.
        const facts = error instanceof ReviveError && error.code === 'package-signature-invalid' ? error.facts : { problem: 'unreadable' };
        throw refuse('rom-signature-invalid', rom.path, { signer: anchor.name, problem: facts['problem'] ?? 'unreadable', block: facts['block'] ?? '', subjects: facts['subjects'] ?? '' });
    }
}

async function checkRom(recipe: Recipe, rom: VerifiedFile, phoneCodename: string): Promise<RomFacts> {
    await checkRomSignature(recipe, rom);
    const facts: ZipFacts = await inspectZip(rom.path);
    const known = knownFor(recipe, rom);
    const preDevices = (facts.metadata['pre-device'] ?? '').split(',').map((d) => d.trim()).filter(Boolean);
    const devices = [...new Set([...preDevices, ...facts.assertedDevices])];
    if (!facts.hasUpdateBinary) {
        throw refuse('rom-not-installable', rom.path, { entries: facts.entryNames.length });
    }
    if (devices.length === 0) {
        throw refuse('rom-device-unknown', rom.path, { codename: phoneCodename, phone: recipe.name, codenames: recipe.codenames.join(' / ') });
    }
    const ours = new Set([phoneCodename.toLowerCase(), ...recipe.codenames.map((c) => c.toLowerCase())]);
    if (!devices.some((d) => ours.has(d.toLowerCase()))) {
        // Both phones by name, the codename beside it: "the Google Nexus 6 (shamu)", never "shamu" alone.
        throw ReviveError.of('rom-wrong-device', {
            file: rom.path,
            fileName: rom.name,
            phone: `${recipe.name} (${recipe.codenames[0] ?? phoneCodename})`,
            found: devices.map(namedCodename).join(', '),
        });
    }
    const postBuild = facts.metadata['post-build'];
    const fromFingerprint = postBuild ? androidVersionFromFingerprint(postBuild) : undefined;
    const androidVersion = fromFingerprint ? shortAndroidVersion(fromFingerprint) : known?.androidVersion;
    if (!androidVersion) {
        throw refuse('rom-version-unknown', rom.path, {});
    }
    const lineageVersion = known?.lineageVersion ?? parseLineageName(rom.name) ?? lineageForAndroid(androidVersion);
    const arch = known?.arch ?? recipe.cpuArch;
    return { devices, androidVersion, lineageVersion, arch, postBuild };
}

async function checkGapps(gapps: VerifiedFile, rom: RomFacts, recipe: Recipe): Promise<void> {
    const facts = await inspectZip(gapps.path);
    const known = knownFor(recipe, gapps);
    const fromName = parseGappsName(gapps.name);
    const propArch = facts.gprop['ro.addon.arch'];
    const arch = isArch(propArch) ? propArch : (known?.arch ?? fromName?.arch);
    const platform = facts.gprop['ro.addon.platform'] ?? known?.androidVersion ?? fromName?.androidVersion;
    const sdk = facts.gprop['ro.addon.sdk'];
    if (!arch || !platform) {
        throw refuse('gapps-unknown', gapps.path, { arch: rom.arch, android: rom.androidVersion });
    }
    if (arch !== rom.arch) {
        throw refuse('gapps-wrong-arch', gapps.path, { found: arch, expected: rom.arch, android: rom.androidVersion });
    }
    const sdkMismatch = sdk !== undefined && sdkForAndroid(rom.androidVersion) !== undefined && Number(sdk) !== sdkForAndroid(rom.androidVersion);
    if (shortAndroidVersion(platform) !== shortAndroidVersion(rom.androidVersion) || sdkMismatch) {
        throw refuse('gapps-wrong-android', gapps.path, { found: platform, expected: rom.androidVersion, arch: rom.arch, foundSdk: sdk === undefined ? '?' : Number(sdk), expectedSdk: sdkForAndroid(rom.androidVersion) ?? '?' });
    }
}

async function checkSu(su: VerifiedFile, rom: RomFacts, recipe: Recipe): Promise<void> {
    const facts = await inspectZip(su.path);
    const known = knownFor(recipe, su);
    const fromName = parseAddonSuName(su.name);
    const lineageVersion = known?.lineageVersion ?? fromName?.lineageVersion ?? facts.metadata['lineage-version'];
    const arch = known?.arch ?? fromName?.arch;
    if (!lineageVersion || !arch) {
        throw refuse('su-unknown', su.path, { lineage: rom.lineageVersion ?? '?', arch: rom.arch });
    }
    if (rom.lineageVersion !== undefined && lineageVersion !== rom.lineageVersion) {
        throw refuse('su-wrong-version', su.path, { found: lineageVersion, expected: rom.lineageVersion ?? '?', arch: rom.arch });
    }
    if (arch !== rom.arch) {
        throw refuse('su-wrong-arch', su.path, { found: arch, expected: rom.arch, lineage: rom.lineageVersion ?? '' });
    }
}

/** A codename with the phone's name beside it, when Revive has a recipe for that codename. */
function namedCodename(codename: string): string {
    const recipe = findRecipe(codename);
    return recipe ? `${recipe.name} (${codename})` : codename;
}

async function checkRecovery(recovery: VerifiedFile, recipe: Recipe, phoneCodename: string, ctx: JobContext): Promise<BootImageFacts> {
    const partition = recipe.partitions.find((p) => p.name === recipe.recoveryPartition);
    const partitionBytes = partition?.sizeBytes ?? Number.MAX_SAFE_INTEGER;
    const image = await openRecoveryImage(recovery.path, ctx);
    if (image.member && recipe.method !== 'odin') {
        throw refuse('recovery-tar-not-odin', recovery.path, { phone: recipe.name, codename: recipe.codenames[0] ?? recipe.id, member: image.member });
    }
    const check = await checkRecoveryHeader(image, partitionBytes);
    if (!check.ok) {
        throw refuse('recovery-not-image', recovery.path, { phone: recipe.name, codename: recipe.codenames[0] ?? recipe.id, partition: recipe.recoveryPartition, image: image.member ?? recovery.name, ...check.problem });
    }
    // Beyond the checksum: the image's own properties say which phone it was built for.
    const target = await readRecoveryTarget(image, check.facts);
    if (target.kind === 'unknown') {
        logNote(ctx, 'recovery-unreadable', { file: recovery.name, reason: target.reason, propFile: target.propFile ?? '', compression: target.compression ?? '' });
        return check.facts;
    }
    const ours = new Set([phoneCodename, ...recipe.codenames].map((c) => c.toLowerCase()));
    if (!target.devices.some((d) => ours.has(d.toLowerCase()))) {
        const found = target.devices.map(namedCodename).join(', ');
        const phone = `${recipe.name} (${recipe.codenames[0] ?? phoneCodename})`;
        throw ReviveError.of('recovery-wrong-device', { file: recovery.path, fileName: recovery.name, phone, found, expected: phone, propFile: target.propFile });
    }
    logNote(ctx, 'recovery-built-for', { file: recovery.name, devices: target.devices.join(', '), propFile: target.propFile });
    return check.facts;
}

/**
 * Hash every file (one read each) and match its checksum, then check what each package says about
 * itself against the phone and the ROM. Throws the first refusal; returns what was proven.
 */
export async function runGate(plan: GatePlan, recipe: Recipe, phoneCodename: string, ctx: JobContext = {}): Promise<GateReport> {
    const verified: VerifiedFile[] = [];
    for (const file of plan.files) {
        if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
        verified.push(await verifyChecksum(recipe, file, ctx));
        logNote(ctx, 'checksum-matches', { file: basename(file.path), source: verified[verified.length - 1]?.checksumSource ?? 'recipe' });
    }
    const byRole = (role: FileRole): VerifiedFile | undefined => verified.find((v) => v.role === role);
    const recoveryFile = byRole('recovery');
    const recovery = recoveryFile ? await checkRecovery(recoveryFile, recipe, phoneCodename, ctx) : undefined;
    const romFile = byRole('rom');
    const rom = romFile ? await checkRom(recipe, romFile, phoneCodename) : undefined;
    const gapps = byRole('gapps');
    const su = byRole('su');
    if ((gapps || su) && !rom) {
        throw ReviveError.of('gate-no-rom', {});
    }
    if (gapps && rom) await checkGapps(gapps, rom, recipe);
    if (su && rom) await checkSu(su, rom, recipe);
    return { files: verified, rom, recovery };
}
