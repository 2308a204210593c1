/** The virtual phone's partitions as block devices (/dev/block/…/by-name), read with our adb host side. */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useVirtualAdb } from '../../support/virtual-adb.js';
import type { AdbPhone } from '../../../native/adb/phone.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';

const fx = useVirtualAdb('adbd-block');

async function open(mode: 'android' | 'recovery'): Promise<{ phone: VirtualPhone; adb: AdbPhone }> {
    const phone = await fx.phone(mode);
    return { phone, adb: await fx.adb(phone) };
}

describe('block devices on the virtual phone', () => {
    it('serve a partition\'s stored bytes in recovery, through sync and the shell, under both by-name folders', async () => {
        const { phone, adb } = await open('recovery');
        const efs = randomBytes(200_000);
        await phone.partitions.write('EFS', 0, efs);
        const digest = createHash('sha256').update(efs).digest('hex');
        const device = '/dev/block/bootdevice/by-name/efs';

        const pulled = await adb.pull(device, join(fx.dir, 'efs.img'));
        expect((await readFile(join(fx.dir, 'efs.img'))).equals(efs)).toBe(true);
        expect(pulled).toEqual({ sha256: digest, bytes: efs.length });

        expect((await adb.shell(`sha256sum ${device}`)).stdout).toBe(`${digest}  ${device}\n`);
        const platform = '/dev/block/platform/msm_sdcc.1/by-name/efs';
        expect((await adb.shell(`sha256sum ${platform}`)).stdout).toBe(`${digest}  ${platform}\n`);
        expect((await adb.shell(`ls -l ${device}`)).stdout).toMatch(/^brw------- 1 root root 200000 .* \/dev\/block\/bootdevice\/by-name\/efs\n$/);
        const names = (await adb.shell('ls /dev/block/bootdevice/by-name')).stdout.trim().split('\n');
        expect(names).toEqual(phone.partitions.names().map((n) => n.toLowerCase()).sort());
        const sync = await adb.adb.sync();
        try {
            const listed = await sync.readdir('/dev/block/bootdevice/by-name');
            expect(listed.find((e) => e.name === 'efs')?.size).toBe(200_000n);
        } finally {
            await sync.dispose();
        }

        const missing = await adb.shell('sha256sum /dev/block/bootdevice/by-name/nothing');
        expect(missing.exitCode).toBe(1);
        expect(missing.stderr).toMatch(/No such file/);
    });

    it('take dd of= in recovery: a file written into the partition in place, read back with dd if= | sha256sum', async () => {
        const { phone, adb } = await open('recovery');
        const old = randomBytes(8192);
        await phone.partitions.write('EFS', 0, old);
        const image = randomBytes(4096);
        await writeFile(join(fx.dir, 'efs-in.img'), image);
        await adb.push(join(fx.dir, 'efs-in.img'), '/tmp/efs.img');
        const writes = phone.partitions.writeCount('EFS');
        const device = '/dev/block/bootdevice/by-name/efs';
        const written = await adb.shell(`dd if=/tmp/efs.img of=${device} bs=4096 count=1`);
        expect(written.exitCode, written.stderr).toBe(0);
        expect(phone.partitions.writeCount('EFS')).toBeGreaterThan(writes);
        // dd writes in place and never truncates a block device: the bytes past the image stay.
        expect(Buffer.from(await phone.partitions.read('EFS', 0, 8192)).equals(Buffer.concat([image, old.subarray(4096)]))).toBe(true);
        const digest = createHash('sha256').update(image).digest('hex');
        expect((await adb.shell(`dd if=${device} bs=4096 count=1 2>/dev/null | sha256sum`)).stdout).toBe(`${digest}  -\n`);
    });

    it('refuse Android\'s shell user', async () => {
        const { phone, adb } = await open('android');
        await phone.partitions.write('EFS', 0, randomBytes(1000));
        const answer = await adb.shell('sha256sum /dev/block/bootdevice/by-name/efs');
        expect(answer.exitCode).toBe(1);
        expect(answer.stderr).toMatch(/Permission denied/);
        await expect(adb.pull('/dev/block/bootdevice/by-name/efs', join(fx.dir, 'efs.img'))).rejects.toThrow();
        const writes = phone.partitions.writeCount('EFS');
        expect((await adb.shell('dd if=/system/build.prop of=/dev/block/bootdevice/by-name/efs')).stderr).toMatch(/Permission denied/);
        expect(phone.partitions.writeCount('EFS')).toBe(writes);
    });
});
