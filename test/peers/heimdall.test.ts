/**
 * Debian's heimdall 1.4.2 against our virtual phone's download mode, over USB/IP through our
 * umockdev bridge (tools/usbip-bridge; no kernel modules). The phone and its USB/IP server live in
 * this test process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPit, parsePit } from '../../native/pit/index.js';
import type { UsbIpServer } from '../../native/usbip/server.js';
import { PIT_RESOURCE_DIR } from '../../native/virtual/odin-device.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { BRIDGE, PYTHON, exportVirtualPhone, requireBridge, type ExportedPhone } from '../support/usbip-bridge.js';

const MiB = 1024 * 1024;

let exported: ExportedPhone;
let dir: string;
let phone: VirtualPhone;
let server: UsbIpServer;

function heimdall(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(PYTHON, [BRIDGE, '--server', server.address, '--busid', '1-1', '--timeout', '60', '--', 'heimdall', ...args], { encoding: 'latin1', timeout: 80_000, maxBuffer: 16 * MiB }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

function expectOk(result: { code: number; stdout: string; stderr: string }, what: string): void {
    if (result.code !== 0) throw new Error(`heimdall ${what} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}\n--- phone log\n${phone.logLines.slice(-30).join('\n')}`);
}

beforeAll(async () => {
    requireBridge([['/usr/bin/heimdall', 'heimdall (Debian package heimdall-flash)']]);
    exported = await exportVirtualPhone('gtaxllte', 'download');
    ({ dir, phone, server } = exported);
});

afterAll(async () => {
    await exported?.close();
});

describe('real heimdall against the virtual phone over USB/IP', () => {
    const pitBytes = (): Buffer => readFileSync(join(PIT_RESOURCE_DIR, 'gtaxllte.pit'));

    it('print-pit --no-reboot prints the phone\'s PIT', async () => {
        const result = await heimdall(['print-pit', '--no-reboot']);
        expectOk(result, 'print-pit');
        expect(result.stdout).toContain(formatPit(parsePit(pitBytes())).trimEnd());
        expect(phone.mode).toBe('download');
    });

    it('download-pit --output F --no-reboot --resume writes the phone\'s PIT byte for byte', async () => {
        const output = join(dir, 'downloaded.pit');
        const result = await heimdall(['download-pit', '--output', output, '--no-reboot', '--resume']);
        expectOk(result, 'download-pit');
        expect(readFileSync(output).equals(pitBytes())).toBe(true);
    });

    it.each([
        ['1 byte', 1],
        ['1 MiB + 3 bytes', MiB + 3],
        ['40 MiB', 40 * MiB],
    ])('flash --RECOVERY with %s: the RECOVERY partition equals the image', async (_label, size) => {
        const image = randomBytes(size);
        const path = join(dir, `recovery-${size}.img`);
        writeFileSync(path, image);
        const result = await heimdall(['flash', '--RECOVERY', path, '--no-reboot', '--resume']);
        expectOk(result, `flash ${size} bytes`);
        expect(readFileSync(phone.partitions.path('RECOVERY')).equals(image)).toBe(true);
        expect(phone.partitions.isIncomplete('RECOVERY')).toBe(false);
        expect(phone.mode).toBe('download');
    });
});
