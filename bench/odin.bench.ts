/**
 * Flash 1 GiB over Odin into the virtual Galaxy Tab A's SYSTEM partition, in-process (our host →
 * WebUSB face → virtual bootloader → partition file). Reports MB/s and the peak RSS sampled during
 * the flash (streaming: it must stay far below the image size; goal < 200 MB).
 * `npx tsx bench/odin.bench.ts` runs it alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { odinFlash } from '../native/odin/flash.js';
import { WebUsbTransport } from '../native/usb/webusb-transport.js';
import { VirtualPhone } from '../native/virtual/phone.js';
import type { BenchResult } from './types.js';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;

async function makeImage(path: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
        // One random 4 MiB block repeated: realistic to move, cheap to make.
        const block = randomBytes(4 * MiB);
        for (let offset = 0; offset < SIZE; offset += block.length) await handle.write(block);
    } finally {
        await handle.close();
    }
}

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-odin-'));
    const phone = await VirtualPhone.create({ codename: 'gtaxllte', mode: 'download', stateDir: join(dir, 'phone') });
    try {
        const image = join(dir, 'system.img');
        await makeImage(image);
        global.gc?.();
        const baseRss = process.memoryUsage().rss;
        let peakRss = baseRss;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
        const started = performance.now();
        try {
            const transport = await WebUsbTransport.open(await phone.waitForDevice({ mode: 'download', timeoutMs: 5000 }), 'samsung-download');
            try {
                await odinFlash(transport, { files: [{ partition: 'SYSTEM', source: { path: image } }], reboot: false, resume: false });
            } finally {
                await transport.close();
            }
        } finally {
            clearInterval(sampler);
        }
        const seconds = (performance.now() - started) / 1000;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const stored = (await stat(phone.partitions.path('SYSTEM'))).size;
        if (stored !== SIZE) throw new Error(`The virtual phone stored ${stored} bytes of SYSTEM instead of ${SIZE}.`);
        const peakRssMB = peakRss / MiB;
        return [
            {
                name: 'odin flash 1 GiB into the virtual phone (in-process USBDevice)',
                ours: { seconds, peakRssMB },
                notes: `${(SIZE / MiB / seconds).toFixed(0)} MB/s; peak RSS ${peakRssMB.toFixed(0)} MB during the flash (process before: ${(baseRss / MiB).toFixed(0)} MB; goal < 200 MB); host and virtual bootloader share the process`,
            },
        ];
    } finally {
        await phone.close();
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
