/** The recovery image's own target device, read from its ramdisk: header versions, compressions, tar, damage. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviveError } from '../../../native/jobs/errors.js';
import { demoBootImage, demoRamdisk, newcCpio } from '../../../native/integrity/demo-packages.js';
import { checkRecoveryHeader, openRecoveryImage, readRecoveryTarget, type RecoveryTarget } from '../../../native/integrity/recovery-image.js';
import { refusalOf } from '../../support/refusal.js';

let dir: string;
beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-recovery-image-'));
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

let count = 0;
async function targetOf(bytes: Uint8Array, name = `image-${count++}.img`): Promise<RecoveryTarget> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    const image = await openRecoveryImage(path);
    const check = await checkRecoveryHeader(image, 64 * 1024 * 1024);
    if (!check.ok) throw new Error(`header refused: ${check.problem.variant}`);
    return readRecoveryTarget(image, check.facts);
}

/** A ustar archive holding one member, as Odin takes it. */
async function tarOf(bytes: Uint8Array, member: string, fileName: string): Promise<string> {
    const pack = tar.pack();
    pack.entry({ name: member, size: bytes.length }, Buffer.from(bytes));
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
    const path = join(dir, fileName);
    await writeFile(path, Buffer.concat(chunks));
    return path;
}

async function damage(bytes: Uint8Array): Promise<ReviveError> {
    const error = await refusalOf(() => targetOf(bytes), 'a damaged ramdisk was read as if whole');
    expect(error.code).toBe('recovery-ramdisk-damaged');
    return error;
}

describe("the recovery image's own target device", () => {
    it('reads ro.product.device from a gzip cpio ramdisk under every header version 0–4', async () => {
        for (const headerVersion of [0, 1, 2, 3, 4]) {
            const target = await targetOf(demoBootImage({ headerVersion, device: 'ks01lte' }));
            expect(target, `header v${headerVersion}`).toEqual({ kind: 'devices', devices: ['ks01lte'], propFile: 'prop.default' });
        }
    });

    it('reads LZ4 legacy and uncompressed ramdisks, and 4096-byte pages', async () => {
        expect(await targetOf(demoBootImage({ device: 'shamu', compression: 'lz4-legacy' }))).toMatchObject({ devices: ['shamu'] });
        expect(await targetOf(demoBootImage({ device: 'sargo', compression: 'none', pageSize: 4096 }))).toMatchObject({ devices: ['sargo'] });
    });

    it("lists every name TWRP's ro.twrp.target.devices accepts, from default.prop as older TWRP has it", async () => {
        const props = 'ro.twrp.target.devices=ks01lte,ks01ltexx\nro.product.device=ks01lte\n';
        const ramdisk = gzipSync(newcCpio([{ name: 'default.prop', data: Buffer.from(props) }]));
        expect(await targetOf(demoBootImage({ ramdisk }))).toEqual({ kind: 'devices', devices: ['ks01lte', 'ks01ltexx'], propFile: 'default.prop' });
    });

    it('says so, without refusing, when the ramdisk names no device or uses a compression Revive does not unpack', async () => {
        expect(await targetOf(demoBootImage({}))).toEqual({ kind: 'unknown', reason: 'no-device', propFile: 'prop.default' });
        const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(200, 7)]);
        expect(await targetOf(demoBootImage({ ramdisk: xz }))).toMatchObject({ kind: 'unknown', reason: 'compression', compression: 'XZ' });
        const noProps = gzipSync(newcCpio([{ name: 'init', data: Buffer.from('x') }]));
        expect(await targetOf(demoBootImage({ ramdisk: noProps }))).toMatchObject({ kind: 'unknown', reason: 'no-props' });
    });

    it('refuses damaged ramdisks with a clear message: bad gzip, cut cpio, bad cpio header, a decompression bomb', async () => {
        const good = demoRamdisk({ device: 'ks01lte' });
        const flipped = Buffer.from(good);
        flipped[40] = flipped[40]! ^ 0xff;
        expect((await damage(demoBootImage({ ramdisk: flipped }))).message).toMatch(/damaged/);
        const cut = gzipSync(newcCpio([{ name: 'init', data: Buffer.alloc(3000, 1) }]).subarray(0, 1000));
        expect((await damage(demoBootImage({ ramdisk: cut }))).message).toMatch(/ends inside/);
        const garbage = gzipSync(Buffer.alloc(400, 0x41));
        expect((await damage(demoBootImage({ ramdisk: garbage }))).message).toMatch(/instead of 070701/);
        // A cpio entry of 300 MiB of zeros (300 KiB as gzip): far more than any recovery, refused after 256 MiB.
        const field = (n: number): string => n.toString(16).padStart(8, '0');
        const header = `070701${[1, 0o100644, 0, 0, 1, 0, 300 * 1024 * 1024, 0, 0, 0, 0, 5, 0].map(field).join('')}init\0\0`;
        const bomb = gzipSync(Buffer.concat([Buffer.from(header, 'latin1'), Buffer.alloc(300 * 1024 * 1024)]), { level: 1 });
        expect((await damage(demoBootImage({ ramdisk: bomb }))).message).toMatch(/more than 256 MiB/);
    }, 60_000);

    it("takes the image out of a Samsung Odin tar (twrp-….img.tar) and reads it where it lies", async () => {
        const image = demoBootImage({ device: 'ks01lte' });
        const path = await tarOf(image, 'recovery.img', 'twrp-3.2.3-0-ks01lte.img.tar');
        const opened = await openRecoveryImage(path);
        expect(opened).toMatchObject({ member: 'recovery.img', size: image.length });
        const check = await checkRecoveryHeader(opened, 64 * 1024 * 1024);
        expect(check.ok).toBe(true);
        if (check.ok) expect(await readRecoveryTarget(opened, check.facts)).toMatchObject({ devices: ['ks01lte'] });

        const bootTar = await tarOf(image, 'boot.img', 'boot.tar');
        await expect(openRecoveryImage(bootTar)).rejects.toMatchObject({ code: 'recovery-tar-no-image', message: expect.stringContaining('boot.img') });
    });
});
