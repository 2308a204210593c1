/** `revive pit …` and `revive odin …` end to end through the CLI entry point, on virtual phones. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PIT_RESOURCE_DIR } from '../../../native/virtual/odin-device.js';
import { compressible, lz4Frame, tarBytes, withMd5Trailer, writeFile } from './firmware-fixtures.js';
import { MiB, cleanup, createBench, imageFile, type Bench } from './helpers.js';
import { revive } from '../../support/run-cli.js';

const I9505 = new URL('../../fixtures/pit/GT-I9505', import.meta.url).pathname;

let bench: Bench;
beforeEach(() => {
    bench = createBench();
});
afterEach(async () => {
    await cleanup(bench);
});

describe('revive pit / odin', () => {
    it('pit print prints exactly the heimdall text (banner aside)', async () => {
        const result = await revive('pit', 'print', `${I9505}.pit`);
        expect(result.code).toBe(0);
        expect(result.out).toBe(readFileSync(`${I9505}.txt`, 'latin1').split('\n').slice(12).join('\n'));
        const bad = await revive('pit', 'print', join(PIT_RESOURCE_DIR, 'ks01ltexx.pit.json'));
        expect(bad.code).toBe(1);
        expect(bad.err).toMatch(/is not a usable PIT file/);
        expect((await revive('pit', 'print')).code).toBe(2);
    });

    it('odin download-pit and print-pit on a virtual phone', async () => {
        const output = join(bench.dir, 'phone.pit');
        const saved = await revive('odin', 'download-pit', '--output', output, '--virtual', 'ks01ltexx', '--no-reboot');
        expect(saved.code).toBe(0);
        expect(readFileSync(output).equals(readFileSync(join(PIT_RESOURCE_DIR, 'ks01ltexx.pit')))).toBe(true);
        const printed = await revive('odin', 'print-pit', '--virtual', 'ks01ltexx');
        expect(printed.code).toBe(0);
        expect(printed.out).toBe((await revive('pit', 'print', output)).out);
    });

    it('odin flash with --PARTITION and --tar into a virtual phone state dir, with plain progress lines', async () => {
        const state = join(bench.dir, 'state');
        const recovery = imageFile(bench, 'twrp.img', 2 * MiB + 1);
        const boot = compressible(3 * MiB, 9);
        const tar = writeFile(join(bench.dir, 'AP.tar.md5'), withMd5Trailer(await tarBytes([{ name: 'boot.img.lz4', data: lz4Frame(boot) }, { name: 'unknown.bin', data: new Uint8Array(5) }]), 'AP.tar'));
        const result = await revive('odin', 'flash', '--RECOVERY', recovery.path, '--tar', tar, '--virtual', 'gtaxllte', '--virtual-state', state, '--no-reboot');
        expect(result.err).toContain('MD5 verified');
        expect(result.code).toBe(0);
        expect(result.out).toContain('RECOVERY: 2097153 bytes flashed.');
        expect(result.out).toContain('BOOT: 3145728 bytes flashed.');
        expect(result.out).toContain('unknown.bin: skipped');
        expect(result.err).toMatch(/flash:RECOVERY: 100% \(2\.0 MiB of 2\.0 MiB\)/);
        expect(readFileSync(join(state, 'partitions', 'RECOVERY.img')).equals(recovery.bytes)).toBe(true);
        expect(readFileSync(join(state, 'partitions', 'BOOT.img')).equals(Buffer.from(boot))).toBe(true);
    });

    it('refuses usage mistakes and unconfirmed repartitioning', async () => {
        expect((await revive('odin', 'flash', '--virtual', 'gtaxllte')).code).toBe(2);
        expect((await revive('odin', 'download-pit', '--virtual', 'gtaxllte')).code).toBe(2);
        expect((await revive('odin', 'flash', '--RECOVERY')).code).toBe(2);
        const pit = join(PIT_RESOURCE_DIR, 'gtaxllte.pit');
        const unconfirmed = await revive('odin', 'flash', '--repartition', '--pit', pit, '--virtual', 'gtaxllte');
        expect(unconfirmed.code).toBe(1);
        expect(unconfirmed.err).toMatch(/--i-understand-repartition/);
    });
});

describe('revive pit / odin on hostile files', () => {
    it('pit print /dev/zero and odin flash --tar /dev/zero end at once with a clear message (they ran forever)', async () => {
        const pit = await revive('pit', 'print', '/dev/zero');
        expect(pit.code).toBe(1);
        expect(pit.err).toMatch(/PIT file \/dev\/zero is a character device/);
        const tar = await revive('odin', 'flash', '--tar', '/dev/zero', '--virtual', 'gtaxllte');
        expect(tar.code).toBe(1);
        expect(tar.err).toMatch(/firmware archive \/dev\/zero is a character device/);
    });

    it('odin flash --RECOVERY good --BOOT <folder> writes nothing and says so (RECOVERY was written, then BOOT failed)', async () => {
        const state = join(bench.dir, 'state');
        const recovery = imageFile(bench, 'twrp.img', MiB);
        const result = await revive('odin', 'flash', '--RECOVERY', recovery.path, '--BOOT', bench.dir, '--virtual', 'gtaxllte', '--virtual-state', state, '--no-reboot');
        expect(result.code).toBe(1);
        expect(result.err).toContain(`The image ${bench.dir} is a folder`);
        expect(result.err).toContain('Nothing was sent to the phone.');
        expect(result.err).not.toMatch(/incomplete|reconnect/i);
        expect(existsSync(join(state, 'partitions', 'RECOVERY.img')) ? statSync(join(state, 'partitions', 'RECOVERY.img')).blocks : 0).toBe(0);
    });
});
