/**
 * Our boot image and ramdisk reader against images Debian's own tools build: mkbootimg (header
 * v0–v2), cpio -H newc, gzip and lz4 -l, as TWRP's build makes them.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRecoveryHeader, openRecoveryImage, readRecoveryTarget } from '../../native/integrity/recovery-image.js';

const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
    for (const tool of ['mkbootimg', 'cpio', 'gzip', 'lz4']) {
        try {
            await run('sh', ['-c', `command -v ${tool}`]);
        } catch {
            throw new Error(`${tool} is not installed: run scripts/setup.sh (apt-get install mkbootimg cpio gzip lz4).`);
        }
    }
    dir = await mkdtemp(join(tmpdir(), 'revive-peer-bootimg-'));
    const root = join(dir, 'root');
    await mkdir(join(root, 'sbin'), { recursive: true });
    await mkdir(join(root, 'system', 'etc'), { recursive: true });
    await writeFile(join(root, 'system', 'etc', 'prop.default'), 'ro.product.device=shamu\nro.build.product=shamu\nro.twrp.version=3.2.3-0\n');
    await writeFile(join(root, 'init'), Buffer.alloc(70_000, 0x61));
    await writeFile(join(dir, 'kernel'), Buffer.alloc(123_457, 0x7f));
    // TWRP's ramdisk: newc cpio of the root folder, as the Android build packs it.
    await run('sh', ['-c', 'cd root && find . | sort | cpio -o -H newc --quiet > ../ramdisk.cpio'], { cwd: dir });
    await run('sh', ['-c', 'gzip -9 -n -c ramdisk.cpio > ramdisk.gz && lz4 -l -q -f ramdisk.cpio ramdisk.lz4'], { cwd: dir });
});
afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
});

describe('recovery images built by mkbootimg', () => {
    for (const [headerVersion, ramdisk, pageSize] of [
        [0, 'ramdisk.gz', 2048],
        [1, 'ramdisk.lz4', 4096],
        [2, 'ramdisk.gz', 2048],
    ] as const) {
        it(`header v${headerVersion}, ${ramdisk}, ${pageSize}-byte pages: the ramdisk names shamu`, async () => {
            const out = join(dir, `v${headerVersion}.img`);
            const dtb = headerVersion === 2 ? ['--dtb', join(dir, 'kernel')] : [];
            await run('mkbootimg', ['--kernel', join(dir, 'kernel'), '--ramdisk', join(dir, ramdisk), '--pagesize', String(pageSize), '--header_version', String(headerVersion), ...dtb, '--cmdline', 'console=ttyHSL0', '-o', out]);
            const image = await openRecoveryImage(out);
            const check = await checkRecoveryHeader(image, 64 * 1024 * 1024);
            expect(check.ok).toBe(true);
            if (!check.ok) return;
            expect(check.facts).toMatchObject({ headerVersion, pageSize, kernelSize: 123_457 });
            expect(await readRecoveryTarget(image, check.facts)).toEqual({ kind: 'devices', devices: ['shamu'], propFile: 'system/etc/prop.default' });
        });
    }
});
