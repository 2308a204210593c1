/**
 * adb over TCP into the virtual phone, our client against Debian's adb in the same run:
 * sideload of a 1 GiB package (recovery's sideload mode) and push of a 1 GiB file (Android).
 * `npx tsx bench/adb.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AdbKeyStore } from '../native/adb/credentials.js';
import { connectAdb } from '../native/adb/phone.js';
import { writeDemoRom } from '../native/integrity/demo-packages.js';
import { VirtualPhone } from '../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../native/virtual/tcp/adb-endpoint.js';
import type { BenchResult } from './types.js';
import { freePort } from '../test/support/free-port.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;

async function makeRandomFile(path: string, bytes: number): Promise<void> {
    const handle = await open(path, 'w');
    try {
        const block = 4 * 1024 * 1024;
        for (let offset = 0; offset < bytes; offset += block) await handle.write(randomBytes(Math.min(block, bytes - offset)));
    } finally {
        await handle.close();
    }
}

async function waitForMode(phone: VirtualPhone, mode: 'android' | 'recovery' | 'sideload'): Promise<void> {
    await phone.waitForDevice({ mode, timeoutMs: 30_000 });
}

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-adb-'));
    await mkdir(join(dir, 'home'), { recursive: true });
    const serverPort = await freePort();
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'sideload', owner: 'accept', stateDir: join(dir, 'phone') });
    const endpoint = await startAdbTcpEndpoint(phone, 0);
    const serial = `127.0.0.1:${endpoint.port}`;
    const env = { ...process.env, HOME: join(dir, 'home') };
    const adb = (args: string[]): Promise<unknown> => exec('adb', ['-P', String(serverPort), ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    const keyStore = new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null });
    try {
        const pkg = join(dir, 'rom.zip');
        await writeDemoRom(pkg, { devices: phone.recipe.codenames, androidVersion: '8.1.0', payloadBytes: GiB - 128 * 1024 });
        const big = join(dir, 'big.bin');
        await makeRandomFile(big, GiB);
        await exec('sync');

        // Sideload, ours.
        let started = performance.now();
        const ours = await connectAdb({ host: '127.0.0.1', port: endpoint.port }, { keyStore });
        await ours.sideload(pkg);
        const oursSideload = (performance.now() - started) / 1000;
        await ours.close();

        // Sideload, Debian adb.
        phone.reboot('sideload');
        await waitForMode(phone, 'sideload');
        await adb(['connect', serial]);
        await adb(['-s', serial, 'wait-for-sideload']);
        started = performance.now();
        await adb(['-s', serial, 'sideload', pkg]);
        const refSideload = (performance.now() - started) / 1000;
        await adb(['disconnect', serial]);
        // Recovery goes back to its menu after the install; let that reboot happen before the next one.
        await new Promise((resolve) => setTimeout(resolve, 500));
        await waitForMode(phone, 'recovery');

        // Push 1 GiB in Android, ours then Debian adb.
        phone.reboot('android');
        await waitForMode(phone, 'android');
        started = performance.now();
        const pusher = await connectAdb({ host: '127.0.0.1', port: endpoint.port }, { keyStore });
        await pusher.push(big, '/sdcard/big-ours.bin');
        const oursPush = (performance.now() - started) / 1000;
        await pusher.close();
        const peakRssMB = process.resourceUsage().maxRSS / 1024;
        await adb(['connect', serial]);
        await adb(['-s', serial, 'wait-for-device']);
        started = performance.now();
        await adb(['-s', serial, 'push', big, '/sdcard/big-adb.bin']);
        const refPush = (performance.now() - started) / 1000;

        const notes = 'the virtual phone runs in the same process as our client and writes to disk; peak RSS is the whole process';
        return [
            { name: 'adb sideload 1 GiB over TCP into the virtual phone', ours: { seconds: oursSideload, peakRssMB }, reference: { tool: 'adb 29 (Debian)', seconds: refSideload }, notes: `${notes}; includes recovery's package check` },
            { name: 'adb push 1 GiB over TCP into the virtual phone', ours: { seconds: oursPush, peakRssMB }, reference: { tool: 'adb 29 (Debian)', seconds: refPush }, notes },
        ];
    } finally {
        await adb(['kill-server']).catch(() => undefined);
        await endpoint.close();
        await phone.close();
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
