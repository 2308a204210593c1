/**
 * adb over TCP into the virtual phone, our client against Debian's adb in the same run:
 * sideload of a 1 GiB package (recovery's sideload mode) and push of a 1 GiB file (Android).
 * `npx tsx bench/adb.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectAdb } from '../native/adb/phone.js';
import { writeDemoRom } from '../native/integrity/demo-packages.js';
import type { VirtualPhone } from '../native/virtual/phone.js';
import { startAdbRig } from './adb-rig.js';
import type { BenchResult } from './types.js';

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
    const rig = await startAdbRig('adb', 'sideload');
    const { dir, phone, serial, keyStore, adb } = rig;
    try {
        const pkg = join(dir, 'rom.zip');
        await writeDemoRom(pkg, { devices: phone.recipe.codenames, androidVersion: '8.1.0', payloadBytes: GiB - 128 * 1024 });
        const big = join(dir, 'big.bin');
        await makeRandomFile(big, GiB);
        await exec('sync');

        // Sideload, ours.
        let started = performance.now();
        const ours = await connectAdb({ host: '127.0.0.1', port: rig.port }, { keyStore });
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
        const pusher = await connectAdb({ host: '127.0.0.1', port: rig.port }, { keyStore });
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
        await rig.close();
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
