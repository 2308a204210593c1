import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ProgressFacts } from '../../../native/jobs/progress.js';
import { odinDownloadPit, odinFlash, odinReboot } from '../../../native/odin/flash.js';
import { parsePit, serializePit } from '../../../native/pit/pit.js';
import { LEGACY_BOOTLOADER_KEY, PIT_RESOURCE_DIR } from '../../../native/virtual/odin-device.js';
import { MiB, cleanup, connect, createBench, downloadPhone, imageFile, type Bench } from './helpers.js';
import { refusalOf } from '../../support/refusal.js';

let bench: Bench;
beforeEach(() => {
    bench = createBench();
});
afterEach(async () => {
    await cleanup(bench);
});

describe('Odin host against the virtual phone (in-process USBDevice)', () => {
    it('downloads the phone PIT byte-identical, twice across a --no-reboot/--resume pair', async () => {
        const phone = await downloadPhone(bench, 'ks01ltexx');
        const transport = await connect(bench, phone);
        const expected = readFileSync(join(PIT_RESOURCE_DIR, 'ks01ltexx.pit'));
        const first = await odinDownloadPit(transport, { reboot: false, resume: false });
        expect(Buffer.from(first).equals(expected)).toBe(true);
        const second = await odinDownloadPit(transport, { reboot: false, resume: true });
        expect(Buffer.from(second).equals(expected)).toBe(true);
        expect(phone.mode).toBe('download');
    });

    it.each([
        ['1 byte', 1],
        ['1 MiB + 3 bytes', MiB + 3],
        ['40 MiB', 40 * MiB],
    ])('flashes RECOVERY with %s and the partition equals the image', async (_label, size) => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const image = imageFile(bench, 'recovery.img', size);
        const progress: ProgressFacts[] = [];
        const result = await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false }, { onProgress: (p) => progress.push(p) });
        expect(result.flashed).toEqual([{ partition: 'RECOVERY', bytes: size }]);
        expect(result.partSize).toBe(MiB);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(false);
        expect(progress.at(-1)).toMatchObject({ step: 'flash:RECOVERY', bytesDone: size, bytesTotal: size });
        const flashing = progress.filter((p) => p.step === 'flash:RECOVERY');
        expect(flashing[0]?.bytesDone).toBe(0);
        expect(flashing.every((p, i) => i === 0 || p.bytesDone >= flashing[i - 1]!.bytesDone)).toBe(true);
    });

    it('finds the partition by flash file name, flashes several files and reboots into the system', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const boot = imageFile(bench, 'boot.img', 3 * MiB + 17);
        const radio = imageFile(bench, 'modem.bin', 2 * MiB);
        const result = await odinFlash(
            transport,
            { files: [{ fileName: 'boot.img', source: { path: boot.path } }, { fileName: 'modem.bin', source: { path: radio.path } }], reboot: true, resume: false },
        );
        expect(result.flashed.map((f) => f.partition)).toEqual(['BOOT', 'RADIO']);
        expect(readFileSync(phone.partitions.path('BOOT')).equals(boot.bytes)).toBe(true);
        expect(readFileSync(phone.partitions.path('RADIO')).equals(radio.bytes)).toBe(true);
        await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
        expect(phone.mode).toBe('android');
    });

    it('refuses before sending anything: unknown partition, image larger than the partition, repartition without confirmation', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const small = imageFile(bench, 'x.img', 100);
        const unknown = await refusalOf(odinFlash(transport, { files: [{ partition: 'recovery', source: { path: small.path } }], reboot: false, resume: false }));
        expect(unknown.code).toBe('odin-partition-unknown');
        expect(unknown.message).toContain('"recovery"');
        const big = imageFile(bench, 'big.img', 40 * MiB + 1);
        const tooBig = await refusalOf(odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: big.path } }], reboot: false, resume: true }));
        expect(tooBig.code).toBe('odin-file-too-large');
        expect(tooBig.message).toMatch(/partition RECOVERY holds only 41943040 bytes\. Nothing was written/);
        const pit = readFileSync(join(PIT_RESOURCE_DIR, 'gtaxllte.pit'));
        const unconfirmed = await refusalOf(odinFlash(transport, { files: [], repartitionPit: pit, reboot: false, resume: true }));
        expect(unconfirmed.code).toBe('odin-repartition-unconfirmed');
        expect(phone.partitions.writeCount('RECOVERY')).toBe(0);
        // The session is still usable afterwards.
        await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: small.path } }], reboot: false, resume: true });
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(small.bytes)).toBe(true);
    });

    it('flashes from a stream of known size', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const image = imageFile(bench, 'boot.img', 2 * MiB + 5);
        async function* pieces(): AsyncIterable<Uint8Array> {
            for (let at = 0; at < image.bytes.length; at += 77777) yield image.bytes.subarray(at, at + 77777);
        }
        await odinFlash(transport, { files: [{ partition: 'BOOT', source: { stream: pieces(), size: image.bytes.length } }], reboot: false, resume: false });
        expect(readFileSync(phone.partitions.path('BOOT')).equals(image.bytes)).toBe(true);
    });

    it('repartitions only behind the expert confirmation, and the phone then reports the new PIT', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const original = parsePit(readFileSync(join(PIT_RESOURCE_DIR, 'gtaxllte.pit')));
        const changed = serializePit({ ...original, entries: original.entries.map((e) => (e.partitionName === 'CACHE' ? { ...e, blockCount: e.blockCount - 2048 } : e)) });
        await odinFlash(transport, { files: [], repartitionPit: changed, expertRepartition: true, reboot: false, resume: false });
        const now = await odinDownloadPit(transport, { reboot: false, resume: true });
        expect(Buffer.from(now.subarray(0, changed.length)).equals(Buffer.from(changed))).toBe(true);
        expect(now.length % 4096).toBe(0);
    });

    it('works with an old bootloader: 128 KiB parts, and refuses a >4 GiB file before sending it', async () => {
        const phone = await downloadPhone(bench, 'gtaxllte', { [LEGACY_BOOTLOADER_KEY]: true });
        const transport = await connect(bench, phone);
        const image = imageFile(bench, 'recovery.img', MiB + 3);
        const result = await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false });
        expect(result.partSize).toBe(128 * 1024);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
        const sparse = join(bench.dir, 'system.img');
        const fd = openSync(sparse, 'w');
        ftruncateSync(fd, 4 * 1024 * MiB + 4096);
        closeSync(fd);
        const hostBytes = phone.hostBytes;
        const refused = await refusalOf(odinFlash(transport, { files: [{ partition: 'SYSTEM', source: { path: sparse } }], reboot: false, resume: true }));
        expect(refused.code).toBe('odin-too-large');
        expect(refused.message).toMatch(/below 4 GiB.*Nothing was sent/);
        expect(phone.partitions.writeCount('SYSTEM')).toBe(0);
        expect(phone.hostBytes - hostBytes).toBeLessThan(16 * 1024);
    });

    it('reports a bootloader failure reply and a corrupted reply, naming the partition; the next flash succeeds', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const image = imageFile(bench, 'recovery.img', 2 * MiB);
        phone.faults.failNext = 'flash';
        const refused = await refusalOf(odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false }));
        expect(refused.message).toMatch(/^Flashing RECOVERY failed after 0\.0 MiB of 2\.0 MiB sent: The phone refused the start of flashing RECOVERY: writing failed/);
        phone.faults.corruptNextReply = true;
        const corrupt = await refusalOf(odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: true }));
        expect(corrupt.message).toMatch(/packet type/);
        expect(phone.partitions.writeCount('RECOVERY')).toBe(0);
        await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: true });
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
    });

    it('cancels between parts, says RECOVERY is incomplete, and the phone takes the next flash', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const image = imageFile(bench, 'recovery.img', 40 * MiB);
        const controller = new AbortController();
        const cancelled = await refusalOf(
            odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false }, {
                signal: controller.signal,
                onProgress: (p) => p.bytesDone >= 33 * MiB && controller.abort(),
            }),
        );
        expect(cancelled.code).toBe('odin-cancelled');
        expect(cancelled.message).toMatch(/^Flashing RECOVERY was cancelled after 33\.0 MiB of 40\.0 MiB sent\. RECOVERY is now incomplete/);
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(true);
        await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: true });
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(false);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
    });

    it.each([
        ['in the first block', 5 * MiB, false],
        ['just after the first block', 31 * MiB, true],
        ['near the end', 39 * MiB + 1000, true],
    ])('unplug %s of a 40 MiB flash: clear error, no success, partition state honest; then the next flash succeeds', async (_where, after, incomplete) => {
        const phone = await downloadPhone(bench);
        let transport = await connect(bench, phone);
        const image = imageFile(bench, 'recovery.img', 40 * MiB);
        phone.faults.unplugAfterBytes = after;
        const failure = await refusalOf(odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false }));
        expect(failure.message).toMatch(/^Flashing RECOVERY failed after \d+\.\d MiB of 40\.0 MiB sent: .*(disconnected|unplugged).*the flash did not succeed/);
        expect(failure.details).toMatchObject({ partition: 'RECOVERY', bytesTotal: 40 * MiB });
        expect(Number(failure.details?.bytesDone)).toBeLessThanOrEqual(after);
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(incomplete);
        if (!incomplete) expect(phone.partitions.writeCount('RECOVERY')).toBe(0);
        phone.replug();
        transport = await connect(bench, phone);
        await odinFlash(transport, { files: [{ partition: 'RECOVERY', source: { path: image.path } }], reboot: false, resume: false });
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(false);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image.bytes)).toBe(true);
    });

    it('reboots the phone into its system', async () => {
        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        await odinReboot(transport);
        await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
    });
});

