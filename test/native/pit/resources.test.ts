import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPit, type PitDescription } from '../../../native/pit/build.js';
import { findByFlashFilename, findPartition, formatPit, parsePit, serializePit } from '../../../native/pit/index.js';

const PIT_DIR = fileURLToPath(new URL('../../../resources/pit/', import.meta.url));
const PHONES = ['ks01ltexx', 'serranoveltexx', 'gtaxllte'];

describe.each(PHONES)('resources/pit/%s.pit', (codename) => {
    const bytes = new Uint8Array(readFileSync(`${PIT_DIR}${codename}.pit`));
    const pit = parsePit(bytes, `${codename}.pit`);

    it('is what generate.ts makes from its description', () => {
        const description = JSON.parse(readFileSync(`${PIT_DIR}${codename}.pit.json`, 'utf8')) as PitDescription;
        expect(Buffer.from(serializePit(buildPit(description))).equals(Buffer.from(bytes))).toBe(true);
    });

    it('has the partitions a flash needs, found by name and by file name', () => {
        for (const [name, file] of [['BOOT', 'boot.img'], ['RECOVERY', 'recovery.img'], ['SYSTEM', 'system.img'], ['CACHE', 'cache.img'], ['USERDATA', 'userdata.img'], ['EFS', 'efs.img']]) {
            expect(findPartition(pit, name as string)?.flashFilename, name).toBe(file);
            expect(findByFlashFilename(pit, file as string)?.partitionName, file).toBe(name);
        }
        expect(['MODEM', 'RADIO']).toContain(findByFlashFilename(pit, 'modem.bin')?.partitionName);
        expect(pit.entries.some((entry) => /^(SBL1|ABOOT|BOOTLOADER)$/.test(entry.partitionName))).toBe(true);
        const ids = pit.entries.map((entry) => entry.identifier);
        expect(new Set(ids).size).toBe(ids.length);
    });

    it('partitions do not overlap', () => {
        const ranges = pit.entries
            .filter((entry) => entry.blockCount > 0 && entry.partitionName !== 'PIT' && entry.partitionName !== 'MD5HDR')
            .map((entry) => [entry.blockSizeOrOffset, entry.blockSizeOrOffset + entry.blockCount] as const)
            .sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    });

    it('heimdall print-pit --file accepts it and prints the same table', () => {
        if (!existsSync('/usr/bin/heimdall')) throw new Error('heimdall is not installed (Debian package heimdall-flash); this test runs it.');
        const out = execFileSync('heimdall', ['print-pit', '--file', `${PIT_DIR}${codename}.pit`], { encoding: 'latin1' });
        expect(out.split('\n').slice(12).join('\n')).toBe(formatPit(pit));
    });
});
