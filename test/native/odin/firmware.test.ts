import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReviveError } from '../../../native/jobs/errors.js';
import { odinFlash } from '../../../native/odin/flash.js';
import { firmwareFlashFiles, inspectFirmware } from '../../../native/odin/firmware.js';
import { decodeLz4 } from '../../../native/odin/lz4.js';
import { compressible, lz4Frame, lz4FrameOfBlocks, tarBytes, withMd5Trailer, writeFile } from './firmware-fixtures.js';
import { MiB, cleanup, connect, createBench, downloadPhone, type Bench } from './helpers.js';
import { refusalOf } from '../../support/refusal.js';

let bench: Bench;
beforeEach(() => {
    bench = createBench();
});
afterEach(async () => {
    await cleanup(bench);
});

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const part of stream) parts.push(part);
    return Buffer.concat(parts);
}

async function* once(data: Uint8Array, piece = 1000): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < data.length; at += piece) yield data.subarray(at, at + piece);
}

describe('LZ4 frames', () => {
    it('decodes multi-block linked frames in small input pieces', async () => {
        const data = compressible(9 * MiB + 123);
        const frame = lz4Frame(data);
        expect(frame.length).toBeLessThan(data.length / 2);
        expect((await collect(decodeLz4(once(frame, 7777)))).equals(Buffer.from(data))).toBe(true);
    });

    it('decodes concatenated frames and a frame with a content size, and refuses damage', async () => {
        const a = compressible(100_000, 2);
        const b = compressible(50_000, 3);
        const both = Buffer.concat([lz4Frame(a), lz4Frame(b)]);
        expect((await collect(decodeLz4(once(both)))).equals(Buffer.concat([a, b]))).toBe(true);
        const frame = lz4Frame(a);
        await expect(collect(decodeLz4(once(frame.subarray(0, frame.length - 100))))).rejects.toThrow(/ends after/);
        const bad = Buffer.from(frame);
        bad[0] = 0;
        await expect(collect(decodeLz4(once(bad)))).rejects.toThrow(/instead of the LZ4 signature/);
    });
});

describe('firmware archives', () => {
    it('flashes a generated AP .tar.md5 with an .lz4 member into the right partitions and skips unknown members', async () => {
        const recovery = compressible(3 * MiB + 7, 4);
        const boot = compressible(5 * MiB + 11, 5);
        const modem = compressible(MiB, 6);
        const tar = await tarBytes([
            { name: 'recovery.img', data: recovery },
            { name: 'boot.img.lz4', data: lz4Frame(boot) },
            { name: 'modem.bin', data: modem },
            { name: 'meta-data', data: new Uint8Array(0), type: 'directory' },
            { name: 'meta-data/fota.zip', data: new Uint8Array(1000) },
        ]);
        const path = writeFile(join(bench.dir, 'AP_TEST.tar.md5'), withMd5Trailer(tar, 'AP_TEST.tar'));
        const archive = await inspectFirmware(path);
        expect(archive.md5).toMatch(/^[0-9a-f]{32}$/);
        expect(archive.members.map((m) => [m.name, m.size])).toEqual([
            ['recovery.img', recovery.length],
            ['boot.img.lz4', boot.length],
            ['modem.bin', modem.length],
            ['meta-data/fota.zip', 1000],
        ]);
        expect(archive.ignored).toEqual([{ name: 'meta-data', reason: 'directory' }]);

        const phone = await downloadPhone(bench);
        const transport = await connect(bench, phone);
        const logs: string[] = [];
        const result = await odinFlash(transport, { files: firmwareFlashFiles(archive), reboot: false, resume: false }, { onLog: (line) => logs.push(line) });
        expect(result.flashed).toEqual([
            { partition: 'RECOVERY', bytes: recovery.length },
            { partition: 'BOOT', bytes: boot.length },
            { partition: 'RADIO', bytes: modem.length },
        ]);
        expect(result.skipped).toEqual(['meta-data/fota.zip']);
        expect(logs.join('\n')).toContain('Skipping meta-data/fota.zip');
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(Buffer.from(recovery))).toBe(true);
        expect(readFileSync(phone.partitions.path('BOOT')).equals(Buffer.from(boot))).toBe(true);
        expect(readFileSync(phone.partitions.path('RADIO')).equals(Buffer.from(modem))).toBe(true);
    });

    it('refuses a corrupted MD5 trailer or changed contents before anything is written', async () => {
        const tar = await tarBytes([{ name: 'recovery.img', data: compressible(MiB, 7) }]);
        const good = withMd5Trailer(tar, 'AP.tar');
        const badTrailer = Buffer.from(good);
        const digit = badTrailer.length - 'AP.tar'.length - 4;
        badTrailer[digit] = badTrailer[digit] === 0x30 ? 0x31 : 0x30;
        const badBody = Buffer.from(good);
        badBody[2000] = badBody[2000]! ^ 1;
        const phone = await downloadPhone(bench);
        const before = phone.hostBytes;
        for (const [name, bytes] of [['trailer', badTrailer], ['body', badBody]] as const) {
            const error = await refusalOf(inspectFirmware(writeFile(join(bench.dir, `${name}.tar.md5`), bytes)));
            expect(error.code).toBe('firmware-md5-mismatch');
            expect(error.message).toMatch(/MD5 checksum does not match.*Nothing was sent to the phone/);
        }
        const missing = await refusalOf(inspectFirmware(writeFile(join(bench.dir, 'none.tar.md5'), tar)));
        expect(missing.code).toBe('firmware-md5-missing');
        expect(phone.partitions.writeCount('RECOVERY')).toBe(0);
        expect(phone.hostBytes).toBe(before);
    });

    it('refuses path traversal, absurd sizes and truncated archives', async () => {
        const evil = await tarBytes([{ name: '../../etc/evil.img', data: new Uint8Array(10) }]);
        expect((await refusalOf(inspectFirmware(writeFile(join(bench.dir, 'evil.tar'), evil)))).code).toBe('firmware-unsafe-path');

        const ok = await tarBytes([{ name: 'boot.img', data: new Uint8Array(600) }]);
        const absurd = Buffer.from(ok);
        absurd.write('77777777777\0', 124, 'latin1');
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : absurd[i]!;
        absurd.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
        const error = await refusalOf(inspectFirmware(writeFile(join(bench.dir, 'absurd.tar'), absurd)));
        expect(error.code).toBe('firmware-absurd-size');
        expect(error.message).toMatch(/claims a member of 8589934591 bytes/);

        const cut = await refusalOf(inspectFirmware(writeFile(join(bench.dir, 'cut.tar'), ok.subarray(0, 700))));
        expect(cut.code).toBe('firmware-absurd-size');
        const damaged = Buffer.from(ok);
        damaged[10] = 0x41;
        expect((await refusalOf(inspectFirmware(writeFile(join(bench.dir, 'damaged.tar'), damaged)))).code).toBe('firmware-damaged');
    });
});

describe('firmware archives as Samsung builds them, and damage found before the session', () => {
    it("accepts a .tar.md5 made as Samsung's are: tar -H ustar, then md5sum -t appended after the zero padding", async () => {
        const { execFileSync } = await import('node:child_process');
        const { mkdirSync } = await import('node:fs');
        const src = join(bench.dir, 'src');
        mkdirSync(src);
        const recovery = compressible(MiB + 5, 11);
        writeFile(join(src, 'recovery.img'), recovery);
        const tarPath = join(bench.dir, 'AP.tar');
        execFileSync('tar', ['-H', 'ustar', '-cf', tarPath, '-C', src, 'recovery.img']);
        const md5Line = execFileSync('md5sum', ['-t', 'AP.tar'], { cwd: bench.dir });
        const md5Path = writeFile(join(bench.dir, 'AP.tar.md5'), Buffer.concat([readFileSync(tarPath), md5Line]));
        const archive = await inspectFirmware(md5Path);
        expect(archive.md5).toBe(md5Line.toString().slice(0, 32));
        expect(archive.members.map((m) => [m.name, m.size])).toEqual([['recovery.img', recovery.length]]);
    });

    it('refuses LZ4 members with a bad match offset, overrunning literals, a wrong block or content checksum, before any write', async () => {
        const { execFileSync } = await import('node:child_process');
        const data = compressible(300_000, 5);
        const raw = writeFile(join(bench.dir, 'boot.img'), data);
        // The reference tool: content checksum on by default, -BX adds block checksums.
        const withSums = new Uint8Array(execFileSync('lz4', ['-q', '-c', '-BX', '--no-frame-crc', raw]));
        const withContentSum = new Uint8Array(execFileSync('lz4', ['-q', '-c', raw]));
        expect((await collect(decodeLz4(once(withSums)))).equals(Buffer.from(data))).toBe(true);
        expect((await collect(decodeLz4(once(withContentSum)))).equals(Buffer.from(data))).toBe(true);

        const flip = (frame: Uint8Array, at: number): Uint8Array => {
            const copy = frame.slice();
            copy[at] = copy[at]! ^ 0x55;
            return copy;
        };
        // Frames without content size or checksums (as lz4js writes them: the case that was flashed
        // with 395,264 bytes and "Done"): only the structure can be checked, and it is, strictly.
        const good = lz4FrameOfBlocks([new Uint8Array([0x14, 0x41, 0x01, 0x00, 0x20, 0x42, 0x43])]);
        expect(Buffer.from(await collect(decodeLz4(once(good)))).toString('latin1')).toBe('AAAAAAAAABC');
        const cases: Array<[string, Uint8Array]> = [
            ['block checksum', flip(withSums, 7 + 4 + 100)],
            ['content checksum', flip(withContentSum, withContentSum.length - 2)],
            ['offset before the data', lz4FrameOfBlocks([new Uint8Array([0x14, 0x41, 0x05, 0x00, 0x10, 0x42])])],
            ['zero offset', lz4FrameOfBlocks([new Uint8Array([0x14, 0x41, 0x00, 0x00, 0x10, 0x42])])],
            ['literals past the block', lz4FrameOfBlocks([new Uint8Array([0xf0, 0x40, 0x41])])],
            ['match cut short', lz4FrameOfBlocks([new Uint8Array([0x14, 0x41, 0x01])])],
            ['decodes past the block size', lz4FrameOfBlocks([new Uint8Array([0x1f, 0x41, 0x01, 0x00, ...new Array<number>(300).fill(0xff), 0x00, 0x10, 0x42])])],
        ];
        const phone = await downloadPhone(bench);
        const before = phone.hostBytes;
        for (const [label, frame] of cases) {
            await expect(collect(decodeLz4(once(frame))), label).rejects.toThrow(ReviveError);
            const tar = writeFile(join(bench.dir, `bad-${cases.findIndex((c) => c[0] === label)}.tar.md5`), withMd5Trailer(await tarBytes([{ name: 'recovery.img.lz4', data: frame }]), 'AP.tar'));
            const error = await refusalOf(inspectFirmware(tar));
            expect(error.code, label).toBe('lz4-invalid');
            expect(error.message, label).toContain('recovery.img.lz4 in bad-');
        }
        expect(phone.partitions.writeCount('RECOVERY')).toBe(0);
        expect(phone.hostBytes).toBe(before);
    });

    it('refuses a firmware archive that is a device or a folder at once', async () => {
        expect((await refusalOf(inspectFirmware('/dev/zero'))).code).toBe('file-not-regular');
        expect((await refusalOf(inspectFirmware(bench.dir))).code).toBe('file-not-regular');
    });
});
