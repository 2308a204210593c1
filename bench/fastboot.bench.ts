/**
 * Flash 1 GiB over fastboot-over-TCP into the virtual Nexus 6's system partition, with our client and
 * with Debian's fastboot, same run (max-download-size 512 MiB: both split into sparse pieces).
 * `npx tsx bench/fastboot.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FastbootClient } from '../native/fastboot/client.js';
import { connectFastbootTcp } from '../native/tcp/fastboot-tcp.js';
import { VirtualPhone } from '../native/virtual/phone.js';
import { startFastbootTcpEndpoint } from '../native/virtual/tcp/fastboot-endpoint.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;

async function makeRandomImage(path: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
        const block = 4 * 1024 * 1024;
        for (let offset = 0; offset < GiB; offset += block) await handle.write(randomBytes(block));
    } finally {
        await handle.close();
    }
}

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-fastboot-'));
    const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', owner: 'accept', stateDir: join(dir, 'phone') });
    const endpoint = await startFastbootTcpEndpoint(phone, 0);
    try {
        phone.state.bootloaderLocked = false;
        const image = join(dir, 'system.img');
        await makeRandomImage(image);
        // Flush the freshly written image first, so neither side pays for the other's writeback.
        await exec('sync');

        const started = performance.now();
        const client = await FastbootClient.open(await connectFastbootTcp('127.0.0.1', endpoint.port));
        try {
            await client.flash('system', { path: image });
        } finally {
            await client.close();
        }
        const oursSeconds = (performance.now() - started) / 1000;
        const peakRssMB = process.resourceUsage().maxRSS / 1024;

        await phone.partitions.erase('system');
        const refStarted = performance.now();
        await exec('fastboot', ['-s', `tcp:127.0.0.1:${endpoint.port}`, 'flash', 'system', image], { maxBuffer: 16 * 1024 * 1024 });
        const refSeconds = (performance.now() - refStarted) / 1000;
        return [
            {
                name: 'fastboot flash 1 GiB over TCP into the virtual phone',
                ours: { seconds: oursSeconds, peakRssMB },
                reference: { tool: 'fastboot 29 (Debian)', seconds: refSeconds },
                notes: 'both send 512 MiB sparse pieces; the virtual phone writes to disk in the same process as our client; peak RSS is the whole process',
            },
        ];
    } finally {
        await endpoint.close();
        await phone.close();
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
