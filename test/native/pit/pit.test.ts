import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ReviveError } from '../../../native/jobs/errors.js';
import { findByFlashFilename, findPartition, formatPit, parsePit, serializePit, type Pit, type PitEntry } from '../../../native/pit/index.js';

const run = promisify(execFile);
const TESTDATA = new URL('../../fixtures/pit/', import.meta.url).pathname;
const BANNER_LINES = 12;

function stripBanner(text: string): string {
    return text.split('\n').slice(BANNER_LINES).join('\n');
}

function requireTestdata(): string[] {
    if (!existsSync(TESTDATA)) throw new Error(`The PIT fixtures are missing: expected ${TESTDATA} (test/fixtures/pit in the checkout).`);
    return readdirSync(TESTDATA).filter((name) => name.endsWith('.pit')).sort();
}

/** Deterministic PRNG so a failure can be reproduced from its seed. */
function prng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function randomPit(seed: number): Pit {
    const rand = prng(seed);
    const u32 = (): number => {
        const pick = rand();
        if (pick < 0.25) return Math.floor(rand() * 10);
        if (pick < 0.5) return 0x80000000 + Math.floor(rand() * 0x7fffffff);
        if (pick < 0.6) return 0xffffffff;
        return Math.floor(rand() * 0x100000000);
    };
    const name = (): string => {
        // 31 at most: heimdall strcpy()s names and aborts (fortify) on a 32-byte name without NUL.
        const length = rand() < 0.2 ? 0 : rand() < 0.1 ? 31 : Math.floor(rand() * 32);
        let text = '';
        for (let i = 0; i < length; i++) text += String.fromCharCode(0x21 + Math.floor(rand() * 94));
        return text;
    };
    const count = Math.floor(rand() * 40);
    const entries: PitEntry[] = [];
    for (let i = 0; i < count; i++) {
        entries.push({
            binaryType: rand() < 0.5 ? Math.floor(rand() * 3) : u32(),
            deviceType: rand() < 0.5 ? Math.floor(rand() * 9) : u32(),
            identifier: u32(),
            attributes: rand() < 0.5 ? Math.floor(rand() * 8) : u32(),
            updateAttributes: rand() < 0.5 ? Math.floor(rand() * 8) : u32(),
            blockSizeOrOffset: u32(),
            blockCount: u32(),
            fileOffset: u32(),
            fileSize: u32(),
            partitionName: name(),
            flashFilename: name(),
            fotaFilename: name(),
        });
    }
    const u16 = (): number => Math.floor(rand() * 0x10000);
    const trailer = new Uint8Array(rand() < 0.5 ? 0 : 256);
    for (let i = 0; i < trailer.length; i++) trailer[i] = Math.floor(rand() * 256);
    return {
        header: { unknown1: u32(), unknown2: u32(), unknown3: u16(), unknown4: u16(), unknown5: u16(), unknown6: u16(), unknown7: u16(), unknown8: u16() },
        entries,
        trailer,
    };
}

describe('PIT against the real PITs in test/fixtures/pit', () => {
    const files = requireTestdata();

    it('has the ground truth to compare with', () => {
        expect(files.length).toBeGreaterThanOrEqual(20);
    });

    it.each(files)('%s prints exactly as heimdall print-pit --file', (file) => {
        const bytes = new Uint8Array(readFileSync(join(TESTDATA, file)));
        const expected = stripBanner(readFileSync(join(TESTDATA, file.replace(/\.pit$/, '.txt')), 'latin1'));
        expect(formatPit(parsePit(bytes, file))).toBe(expected);
    });

    it.each(files)('%s re-serialises to the same bytes', (file) => {
        const bytes = new Uint8Array(readFileSync(join(TESTDATA, file)));
        expect(Buffer.from(serializePit(parsePit(bytes))).equals(Buffer.from(bytes))).toBe(true);
    });

    it('finds entries by partition name and by flash file name', () => {
        const pit = parsePit(new Uint8Array(readFileSync(join(TESTDATA, 'GT-I9505.pit'))));
        expect(findPartition(pit, 'RECOVERY')?.flashFilename).toBe('recovery.img');
        expect(findByFlashFilename(pit, 'recovery.img')?.partitionName).toBe('RECOVERY');
        expect(findByFlashFilename(pit, 'boot.img.lz4')?.partitionName).toBe('BOOT');
        expect(findPartition(pit, 'recovery')).toBeUndefined();
        expect(findPartition(pit, '')).toBeUndefined();
    });
});

describe('PIT names', () => {
    it('prints a 32-byte name without NUL as its first 31 bytes, as libpit copies it', () => {
        const name = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
        const entry: PitEntry = { binaryType: 0, deviceType: 2, identifier: 1, attributes: 5, updateAttributes: 0, blockSizeOrOffset: 0, blockCount: 1, fileOffset: 0, fileSize: 0, partitionName: name, flashFilename: '', fotaFilename: '' };
        const pit = parsePit(serializePit({ header: { unknown1: 0, unknown2: 0, unknown3: 0, unknown4: 0, unknown5: 0, unknown6: 0, unknown7: 0, unknown8: 0 }, entries: [entry], trailer: new Uint8Array(0) }));
        expect(pit.entries[0]?.partitionName).toBe(name);
        expect(formatPit(pit)).toContain(`Partition Name: ${name.slice(0, 31)}\n`);
    });
});

describe('PIT on damaged input', () => {
    const good = new Uint8Array(readFileSync(join(TESTDATA, 'GT-I9505.pit')));

    const cases: Array<[string, Uint8Array, RegExp]> = [
        ['empty', new Uint8Array(0), /shorter than the 28-byte PIT header/],
        ['header only, cut', good.slice(0, 20), /shorter than the 28-byte/],
        ['truncated inside an entry', good.slice(0, 28 + 132 * 5 + 7), /truncated: 33 partitions need 4384 bytes/],
        ['garbage', new Uint8Array(4096).fill(0x41), /instead of the PIT signature/],
        ['oversized', new Uint8Array(2 * 1024 * 1024), /far larger than any PIT/],
        ['absurd count', (() => { const b = good.slice(); new DataView(b.buffer).setUint32(4, 0xfffffff0, true); return b; })(), /claims 4294967280 partitions/],
    ];

    it.each(cases)('%s → a clear ReviveError', (_name, bytes, message) => {
        let caught: unknown;
        try {
            parsePit(bytes, 'test.pit');
        } catch (error) {
            caught = error;
        }
        expect(caught).toBeInstanceOf(ReviveError);
        expect((caught as ReviveError).code).toBe('pit-invalid');
        expect((caught as ReviveError).message).toMatch(/^test\.pit is not a usable PIT file/);
        expect((caught as ReviveError).message).toMatch(message);
    });
});

describe('PIT against live heimdall on random PITs', () => {
    it('prints random PITs exactly as heimdall print-pit --file does', async () => {
        if (!existsSync('/usr/bin/heimdall')) throw new Error('heimdall is not installed (Debian package heimdall-flash); this test compares against it live.');
        const dir = mkdtempSync(join(tmpdir(), 'revive-pit-'));
        try {
            const seeds = Array.from({ length: 8 }, (_, i) => 1000 + i * 7919);
            await Promise.all(
                seeds.map(async (seed) => {
                    const pit = randomPit(seed);
                    const bytes = serializePit(pit);
                    const file = join(dir, `random-${seed}.pit`);
                    writeFileSync(file, bytes);
                    expect(Buffer.from(serializePit(parsePit(bytes))).equals(Buffer.from(bytes))).toBe(true);
                    const { stdout } = await run('heimdall', ['print-pit', '--file', file], { encoding: 'latin1' });
                    expect(formatPit(parsePit(bytes)), `seed ${seed}`).toBe(stripBanner(stdout));
                }),
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
