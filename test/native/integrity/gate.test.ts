import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { runGate, type GatePlanFile } from '../../../native/integrity/gate.js';
import { generateDemoPackages, writeDemoBootImage, writeDemoGapps, writeDemoRom, writeDemoSu, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { refusalOf } from '../../support/refusal.js';

const recipe = requireRecipe('ks01ltexx');
let dir: string;
let demo: DemoPackages;

function plan(over: Partial<Record<'recovery' | 'rom' | 'gapps' | 'su', string>> = {}): GatePlanFile[] {
    return (['recovery', 'rom', 'gapps', 'su'] as const).map((role) => ({ role, path: over[role] ?? demo[role] }));
}

function refusal(files: GatePlanFile[], codename = 'ks01lte'): Promise<ReviveError> {
    return refusalOf(() => runGate({ files }, recipe, codename), 'the gate accepted what it should refuse');
}

async function withSidecar(path: string): Promise<string> {
    const { sha256 } = await hashFile(path);
    await writeFile(`${path}.sha256`, `${sha256}  ${path.split('/').pop()}\n`);
    return path;
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-gate-'));
    demo = await generateDemoPackages(join(dir, 'demo'), recipe, { romBytes: 256 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('the safety gate', () => {
    it('accepts the demo packages, proving what each is', async () => {
        const progress: number[] = [];
        const report = await runGate({ files: plan() }, recipe, 'ks01lte', { onProgress: (p) => progress.push(p.bytesDone) });
        expect(report.files.map((f) => f.checksumSource)).toEqual(['sidecar', 'sidecar', 'sidecar', 'sidecar']);
        expect(report.rom).toMatchObject({ androidVersion: '8.1', lineageVersion: '15.1', arch: 'arm' });
        expect(report.rom?.devices).toContain('ks01ltexx');
        expect(report.recovery?.pageSize).toBe(2048);
        expect(progress.length).toBeGreaterThan(4);
    });

    it('refuses a file named like a known-good ROM whose bytes are one off', async () => {
        const fake = join(dir, 'lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip');
        await copyFile(demo.rom, fake);
        const error = await refusal(plan({ rom: fake }));
        expect(error.code).toBe('checksum-mismatch');
        expect(error.message).toContain('lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip');
        expect(error.details?.['expected']).toContain('d3213c4895e2565ee3a7f3dd0d47aedcbe9f621eb8f89f9c51351d92573ae5dd');
    });

    it('refuses a sidecar-checked file one byte off its checksum', async () => {
        const path = join(dir, 'lineage-15.1-flipped-ks01ltexx.zip');
        await copyFile(demo.rom, path);
        await withSidecar(path);
        const bytes = await readFile(path);
        bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 1;
        await writeFile(path, bytes);
        const error = await refusal(plan({ rom: path }));
        expect(error.code).toBe('checksum-mismatch');
    });

    it('refuses a file with no checksum at all', async () => {
        const path = join(dir, 'nochecksum.zip');
        await copyFile(demo.rom, path);
        const error = await refusal(plan({ rom: path }));
        expect(error.code).toBe('checksum-missing');
        expect(error.nextStep).toMatch(/SHA-256/);
    });

    it('accepts a typed-in checksum and refuses a malformed one', async () => {
        const path = join(dir, 'typed.zip');
        await copyFile(demo.rom, path);
        const { sha256 } = await hashFile(path);
        const files = plan().map((f) => (f.role === 'rom' ? { ...f, path, typedSha256: sha256.toUpperCase() } : f));
        await expect(runGate({ files }, recipe, 'ks01lte')).resolves.toBeTruthy();
        const bad = plan().map((f) => (f.role === 'rom' ? { ...f, path, typedSha256: 'abc' } : f));
        expect((await refusal(bad)).code).toBe('checksum-malformed');
    });

    it("refuses another phone's ROM", async () => {
        const path = join(dir, 'lineage-15.1-x-shamu.zip');
        await writeDemoRom(path, { devices: ['shamu'], androidVersion: '8.1.0', payloadBytes: 1024 });
        await withSidecar(path);
        const error = await refusal(plan({ rom: path }));
        expect(error.code).toBe('rom-wrong-device');
        expect(error.details).toMatchObject({ found: 'Google Nexus 6 (shamu)', phone: 'Samsung Galaxy S4 LTE-A (ks01ltexx)' });
        expect(error.message).toContain('another phone, the Google Nexus 6 (shamu), not for this Samsung Galaxy S4 LTE-A (ks01ltexx)');
    });

    it('refuses arm64 Gapps for an arm ROM, and Gapps for another Android version', async () => {
        const arm64 = join(dir, 'open_gapps-arm64-8.1-nano-x.zip');
        await writeDemoGapps(arm64, { arch: 'arm64', platform: '8.1', sdk: 27 });
        await withSidecar(arm64);
        expect((await refusal(plan({ gapps: arm64 }))).code).toBe('gapps-wrong-arch');
        const oreo = join(dir, 'open_gapps-arm-7.1-nano-x.zip');
        await writeDemoGapps(oreo, { arch: 'arm', platform: '7.1', sdk: 25 });
        await withSidecar(oreo);
        const error = await refusal(plan({ gapps: oreo }));
        expect(error.code).toBe('gapps-wrong-android');
        expect(error.message).toContain('Android 7.1');
    });

    it('refuses a su add-on for another LineageOS version', async () => {
        const su = join(dir, 'addonsu-14.1-arm-signed.zip');
        await writeDemoSu(su);
        await withSidecar(su);
        expect((await refusal(plan({ su }))).code).toBe('su-wrong-version');
    });

    it('refuses a recovery file that is not a boot image, and one too big for the partition', async () => {
        const notImage = join(dir, 'twrp.img');
        await copyFile(demo.gapps, notImage);
        await withSidecar(notImage);
        const error = await refusal(plan({ recovery: notImage }));
        expect(error.code).toBe('recovery-not-image');
        expect(error.message).toContain('ANDROID!');
        const huge = join(dir, 'twrp-huge.img');
        await writeDemoBootImage(huge, { kernelBytes: 12 * 1024 * 1024 });
        await withSidecar(huge);
        expect((await refusal(plan({ recovery: huge }))).message).toMatch(/at most 10485760 bytes/);
    });

    it("refuses a TWRP built for another phone, named by its own ramdisk, and accepts the phone's other codename", async () => {
        const shamu = join(dir, 'twrp-3.2.3-0-shamu.img');
        await writeDemoBootImage(shamu, { device: 'shamu' });
        await withSidecar(shamu);
        const error = await refusal(plan({ recovery: shamu }));
        expect(error.code).toBe('recovery-wrong-device');
        expect(error.message).toContain('Google Nexus 6 (shamu)');
        expect(error.message).toContain('Samsung Galaxy S4 LTE-A (ks01ltexx)');
        expect(error.details).toMatchObject({ found: 'Google Nexus 6 (shamu)', phone: 'Samsung Galaxy S4 LTE-A (ks01ltexx)' });
        const alias = join(dir, 'twrp-3.2.3-0-ks01lte.img');
        await writeDemoBootImage(alias, { device: 'ks01lte', compression: 'lz4-legacy' });
        await withSidecar(alias);
        const log: string[] = [];
        await runGate({ files: plan({ recovery: alias }) }, recipe, 'ks01ltexx', { onLog: (line) => log.push(line) });
        expect(log.join('\n')).toContain('built for ks01lte (prop.default), which is this phone');
    });

    it('refuses an Odin tar for a phone that takes its recovery over fastboot', async () => {
        const shamuRecipe = requireRecipe('shamu');
        const image = join(dir, 'recovery.img');
        await writeDemoBootImage(image, { device: 'shamu' });
        const tarPath = join(dir, 'twrp-shamu.img.tar');
        const { execFileSync } = await import('node:child_process');
        execFileSync('tar', ['--format=ustar', '-cf', tarPath, '-C', dir, 'recovery.img']);
        await withSidecar(tarPath);
        await expect(runGate({ files: [{ role: 'recovery', path: tarPath }] }, shamuRecipe, 'shamu')).rejects.toMatchObject({ code: 'recovery-tar-not-odin' });
        await withSidecar(image);
        await expect(runGate({ files: [{ role: 'recovery', path: image }] }, shamuRecipe, 'shamu')).resolves.toBeDefined();
    });

    it('explains a corrupt zip', async () => {
        const broken = join(dir, 'broken.zip');
        const bytes = await readFile(demo.rom);
        await writeFile(broken, bytes.subarray(0, Math.floor(bytes.length / 2)));
        await withSidecar(broken);
        const error = await refusal(plan({ rom: broken }));
        expect(error.code).toBe('zip-corrupt');
        expect(error.nextStep).toMatch(/Download the file again/);
    });

    it('stops hashing when cancelled', async () => {
        const controller = new AbortController();
        controller.abort(new Error('stop'));
        await expect(runGate({ files: plan() }, recipe, 'ks01lte', { signal: controller.signal })).rejects.toThrow('stop');
    });
});

describe('official LineageOS builds', () => {
    it('refuses a ROM named like an official build that lacks LineageOS\' whole-file signature, before anything else', async () => {
        const shamu = requireRecipe('shamu');
        const shamuDemo = await generateDemoPackages(join(dir, 'shamu'), shamu, { romBytes: 64 * 1024 });
        const official = join(dir, 'lineage-15.1-20200101-nightly-shamu-signed.zip');
        await copyFile(shamuDemo.rom, official);
        const { sha256 } = await hashFile(official);
        const error = await runGate({ files: [{ role: 'rom', path: official, typedSha256: sha256 }] }, shamu, 'shamu').catch((e: unknown) => e as ReviveError);
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).code).toBe('rom-signature-invalid');
        expect((error as ReviveError).message).toMatch(/named like an official build, but it does not carry the LineageOS release key's signature/);
        // The same bytes under their own (unofficial) name pass: only the official name promises the signature.
        await expect(runGate({ files: [{ role: 'rom', path: shamuDemo.rom, typedSha256: (await hashFile(shamuDemo.rom)).sha256 }] }, shamu, 'shamu')).resolves.toBeTruthy();
    });
});

