/**
 * The virtual phone's shell runs `dd … | sha256sum` as a real toybox or busybox does (a range of a
 * file hashed on the phone), and its adbd writes a pushed file in place as adbd does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdbPhone } from '../../../native/adb/phone.js';
import { shellCommand } from '../../../native/adb/shell-words.js';
import { useVirtualAdb } from '../../support/virtual-adb.js';

const RANGE = 64 * 1024;

const rig = useVirtualAdb('adbd-pipe');

async function connect(): Promise<AdbPhone> {
    return rig.adb(await rig.phone('android'));
}

describe("the virtual phone's dd and pipes", () => {
    it('hashes a range of a pushed file with dd | sha256sum', async () => {
        const phoneAdb = await connect();
        const bytes = randomBytes(3 * RANGE + 4321);
        const path = join(rig.dir, 'image.bin');
        await writeFile(path, bytes);
        // A second push replaces the first file in place (adbd unlinks it first).
        await writeFile(join(rig.dir, 'old.bin'), randomBytes(5 * RANGE));
        await phoneAdb.push(join(rig.dir, 'old.bin'), '/sdcard/image.bin');
        await phoneAdb.push(path, '/sdcard/image.bin', {}, { verifyOnPhone: true });
        expect((await readFile(join(rig.dir, 'phone', 'fs', 'data', 'media', '0', 'image.bin'))).equals(bytes)).toBe(true);

        const range = async (words: string[]): Promise<string> => (await phoneAdb.shell(`${shellCommand('dd', 'if=/sdcard/image.bin', ...words)} 2>/dev/null | sha256sum`)).stdout;
        const sha = (data: Buffer): string => `${createHash('sha256').update(data).digest('hex')}  -\n`;
        expect(await range(['bs=65536', 'skip=1', 'count=1'])).toBe(sha(bytes.subarray(RANGE, 2 * RANGE)));
        expect(await range(['bs=64k', 'skip=3'])).toBe(sha(bytes.subarray(3 * RANGE)));
        // Past the end: nothing, as dd reads nothing there.
        expect(await range(['bs=1M', 'skip=9', 'count=1'])).toBe(sha(Buffer.alloc(0)));
        const noisy = await phoneAdb.shell(shellCommand('dd', 'if=/sdcard/image.bin', 'bs=65536', 'count=1', 'skip=1'));
        expect(noisy.stderr).toBe(`1+0 records in\n1+0 records out\n${RANGE} bytes copied\n`);
        expect((await phoneAdb.shell(shellCommand('dd', 'if=/sdcard/nothing.bin'))).exitCode).toBe(1);
        // A pipe after a failed && runs not at all.
        expect((await phoneAdb.shell('false && echo x | sha256sum')).stdout).toBe('');
        expect((await phoneAdb.shell('echo x | sha256sum')).stdout).toBe(sha(Buffer.from('x\n')));
    });

    it('takes a character the host split between two writes (an interactive shell)', async () => {
        const phoneAdb = await connect();
        const socket = await phoneAdb.adb.createSocket('shell:');
        const writer = socket.writable.getWriter();
        const line = Buffer.from('echo grüß\nexit\n', 'utf8');
        const split = line.indexOf(0xc3) + 1;
        // Each write is a WRTE of its own: the two bytes of ü arrive in two.
        await writer.write(line.subarray(0, split));
        await writer.write(line.subarray(split));
        let output = '';
        const decoder = new TextDecoder();
        for await (const chunk of socket.readable) output += decoder.decode(chunk, { stream: true });
        expect(output).toContain('grüß\n');
    });
});
