/** Sidecar checksum files are read with a size limit and only when they are regular files. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSidecarChecksum } from '../../../native/integrity/checksums.js';

let dir: string;
beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-sidecar-'));
});
afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
});

describe('sidecar checksum files', () => {
    it('reads a .sha256 next to the file', () => {
        const rom = join(dir, 'rom.zip');
        writeFileSync(rom, 'x');
        writeFileSync(`${rom}.sha256`, `${'a'.repeat(64)}  rom.zip\n`);
        expect(findSidecarChecksum(rom)).toEqual({ sha256: 'a'.repeat(64), from: `${rom}.sha256` });
    });

    it('refuses a .sha256 that is a link to /dev/zero at once, naming it (it was read whole until memory ran out)', () => {
        const rom = join(dir, 'rom.zip');
        writeFileSync(rom, 'x');
        symlinkSync('/dev/zero', `${rom}.sha256`);
        expect(() => findSidecarChecksum(rom)).toThrow(expect.objectContaining({ code: 'file-not-regular', message: expect.stringContaining(`${rom}.sha256`) }));
    });

    it('refuses a SHA256SUMS of gigabyte size without reading it', () => {
        const rom = join(dir, 'rom.zip');
        writeFileSync(rom, 'x');
        writeFileSync(join(dir, 'SHA256SUMS'), '');
        // A sparse file: huge by its size, no disk used.
        truncateSync(join(dir, 'SHA256SUMS'), 3 * 1024 ** 3);
        expect(() => findSidecarChecksum(rom)).toThrow(expect.objectContaining({ code: 'file-too-large' }));
    });
});
