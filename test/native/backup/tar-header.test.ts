/**
 * The archive's tar framing is tar-stream's, byte for byte: a file's header (ustar, its name split
 * at a `/` into the prefix, or a pax record for a long or non-ASCII name), a size past 8 GiB in
 * base-256, the padding and the end — compared with what tar-stream's pack writes for the same file.
 */
import fc from 'fast-check';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { TAR_END, tarFileHeader, tarPadding, type TarFile } from '../../../native/backup/tar-header.js';

/** Everything tar-stream's pack writes for `file` with `data` as its bytes, and the end of the archive. */
async function packed(file: TarFile, data: Uint8Array): Promise<Buffer> {
    const pack = tar.pack();
    const out: Buffer[] = [];
    pack.on('data', (chunk: unknown) => out.push(chunk as Buffer));
    const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
    pack.entry({ name: file.name, size: file.size, mode: file.mode, mtime: file.mtime }, Buffer.from(data));
    pack.finalize();
    await ended;
    return Buffer.concat(out);
}

/** Only the header tar-stream writes for `file` (an entry whose bytes never come). */
async function packedHeader(file: TarFile): Promise<Buffer> {
    const pack = tar.pack();
    const first = new Promise<Buffer>((resolve) => pack.once('data', (chunk: unknown) => resolve(chunk as Buffer)));
    pack.entry({ name: file.name, size: file.size, mode: file.mode, mtime: file.mtime });
    const header = await first;
    pack.destroy();
    return header;
}

function ours(file: TarFile, data: Uint8Array): Buffer {
    return Buffer.concat([tarFileHeader(file), data, TAR_END.subarray(0, tarPadding(data.length)), TAR_END]);
}

const mtime = new Date('2026-11-29T12:34:56.789Z');

describe('tar framing', () => {
    it.each([
        ['a short name', 'device.json'],
        ['a part name', 'twrp/data.ext4.win000'],
        ['a name split into the prefix', `storage/${'d'.repeat(60)}/${'e'.repeat(60)}/photo.jpg`],
        ['a name too long for the prefix (pax)', `storage/${'f'.repeat(200)}`],
        ['a non-ASCII name (pax)', 'storage/DCIM/Ärger am Strand — 海.jpg'],
        ['a pax record whose length gains a digit', `storage/${'g'.repeat(86)}é`],
    ])('writes %s as tar-stream does', async (_what, name) => {
        for (const size of [0, 1, 511, 512, 513, 1500]) {
            const data = Buffer.alloc(size, 0x5a);
            const file = { name, size, mode: 0o600, mtime };
            expect(ours(file, data).equals(await packed(file, data))).toBe(true);
        }
    });

    it('writes sizes past 8 GiB in base-256 as tar-stream does', async () => {
        for (const size of [8 * 1024 ** 3 - 1, 8 * 1024 ** 3, 50 * 1024 ** 3 + 12345]) {
            const file = { name: 'raw/userdata.emmc.win', size, mode: 0o600, mtime };
            expect(Buffer.from(tarFileHeader(file)).equals(await packedHeader(file))).toBe(true);
        }
    });

    it('matches tar-stream for any path and size', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.array(fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('/') && !s.includes('\0'))), { minLength: 1, maxLength: 8 }),
                fc.integer({ min: 0, max: 3000 }),
                async (segments, size) => {
                    const file = { name: segments.join('/'), size, mode: 0o600, mtime };
                    const data = Buffer.alloc(size, 7);
                    expect(ours(file, data).equals(await packed(file, data))).toBe(true);
                },
            ),
            { numRuns: 200 },
        );
    });
});
