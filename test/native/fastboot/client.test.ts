/** Our FastbootClient against the virtual phone, over its in-process USB face and over TCP. */
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FastbootClient } from '../../../native/fastboot/client.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { ProgressFacts } from '../../../native/jobs/progress.js';
import { layoutFromRawFile, sparseImage, writeByteSource } from '../../../native/sparse/index.js';
import { FrameDecoder } from '../../../native/tcp/fastboot-frames.js';
import { connectFastbootTcp } from '../../../native/tcp/fastboot-tcp.js';
import { WebUsbTransport } from '../../../native/usb/webusb-transport.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';
import { startFastbootTcpEndpoint } from '../../../native/virtual/tcp/fastboot-endpoint.js';
import { expandWithOurReader, tempDir } from '../sparse/images.js';
import { bootloaderPhone, makeImage } from './phones.js';

const FASTBOOT_INTERFACE = { class: 0xff, subclass: 0x42, protocol: 0x03 } as const;

let work: Awaited<ReturnType<typeof tempDir>>;
let bigImage: string;
let bootImage: string;
const phones: VirtualPhone[] = [];
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
    work = await tempDir('fastboot-client');
    bigImage = join(work.dir, 'big.img');
    await makeImage(bigImage, 700, { bootImage: true });
    bootImage = join(work.dir, 'twrp.img');
    await makeImage(bootImage, 40, { bootImage: true });
});
afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    for (const phone of phones.splice(0)) await phone.close();
});
afterAll(() => work.cleanup());

async function usbClient(phone: VirtualPhone, options: { timeoutMs?: number } = {}): Promise<FastbootClient> {
    const device = await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
    const transport = await WebUsbTransport.open(device, FASTBOOT_INTERFACE);
    const client = await FastbootClient.open(transport, options);
    cleanups.push(() => client.close().catch(() => undefined));
    return client;
}

async function tcpClient(phone: VirtualPhone): Promise<FastbootClient> {
    const endpoint = await startFastbootTcpEndpoint(phone, 0);
    const client = await FastbootClient.open(await connectFastbootTcp('127.0.0.1', endpoint.port));
    cleanups.push(async () => {
        await client.close().catch(() => undefined);
        await endpoint.close();
    });
    return client;
}

async function phone(codename: string, options: Parameters<typeof bootloaderPhone>[1] = {}): Promise<VirtualPhone> {
    const made = await bootloaderPhone(codename, options);
    phones.push(made);
    return made;
}

for (const [name, connect] of [
    ['USB', usbClient],
    ['TCP', tcpClient],
] as const) {
    describe(`FastbootClient over ${name}`, () => {
        it('reads variables, refuses while locked, unlocks, flashes split raw and sparse images, boots, erases, reboots', async () => {
            const shamu = await phone('shamu');
            const client = await connect(shamu);
            const vars = await client.getVarAll();
            expect(vars.get('product')).toBe('shamu');
            expect(vars.get('partition-size:recovery')).toBe('0x1000000');
            expect(await client.getVar('version')).toBe('0.4');
            expect(await client.maxDownloadSize()).toBe(1024 * 1024);

            const locked = await client.flash('recovery', { path: bigImage }).catch((error: unknown) => error);
            expect(locked).toBeInstanceOf(ReviveError);
            expect((locked as ReviveError).code).toBe('bootloader-locked');
            expect((locked as ReviveError).message).toMatch(/The bootloader is locked: unlock it first/);

            const log: string[] = [];
            await client.unlock('flashing', { onLog: (line) => log.push(line) });
            expect(log.some((line) => line.startsWith('(bootloader) Check the phone'))).toBe(true);
            expect(shamu.state.bootloaderLocked).toBe(false);

            const progress: ProgressFacts[] = [];
            await client.flash('recovery', { path: bigImage }, { onProgress: (facts) => progress.push(facts), onLog: (line) => log.push(line) });
            expect(log.filter((line) => /^Sending sparse 'recovery' \d\/3 \(\d+ KB\)$/.test(line))).toHaveLength(3);
            expect((await readFile(shamu.partitions.path('recovery'))).equals(await readFile(bigImage))).toBe(true);
            const last = progress[progress.length - 1];
            expect(last?.bytesDone).toBe(last?.bytesTotal);
            expect(progress.every((p, i) => i === 0 || p.bytesDone >= (progress[i - 1]?.bytesDone ?? 0))).toBe(true);
            // The phone has a piece when it answers OKAY after the data phase: what it has moves in
            // three steps (one per sparse piece), while what was sent runs ahead during each data phase.
            expect(new Set(progress.map((p) => p.bytesDone)).size).toBeLessThanOrEqual(4);
            expect(progress.filter((p) => (p.bytesSent ?? 0) > p.bytesDone)).toHaveLength(3);
            expect(progress.every((p) => p.toPhone === true && (p.bytesSent ?? 0) >= p.bytesDone)).toBe(true);

            const sparse = join(work.dir, `boot-${name}.simg`);
            await writeByteSource(sparseImage(await layoutFromRawFile(bigImage)), sparse);
            await client.flash('boot', { path: sparse });
            expect((await readFile(shamu.partitions.path('boot'))).equals(await expandWithOurReader([sparse]))).toBe(true);

            await client.erase('boot');
            expect(await shamu.partitions.storedLength('boot')).toBe(0);

            const missing = await client.flash('radio', { path: bootImage }).catch((error: unknown) => error);
            expect((missing as ReviveError).code).toBe('partition-unknown');

            await client.boot({ path: bootImage });
            await shamu.waitForDevice({ mode: 'recovery', timeoutMs: 5000 });
            expect((shamu.state.extra['fastboot'] as { bootedFromRam?: { bytes: number } }).bootedFromRam?.bytes).toBe(40 * 4096);
            // Back to the bootloader before the phone is closed: recovery sets up its files as it starts.
            shamu.reboot('bootloader');
            await shamu.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
        });
    });
}

describe('A/B phone (Pixel 3a)', () => {
    it('flashes boot into the active slot, switches slots, and reboots to the bootloader', async () => {
        const sargo = await phone('sargo');
        const client = await usbClient(sargo);
        expect(await client.getVar('slot-count')).toBe('2');
        expect(await client.resolvePartition('boot')).toEqual(['boot_a']);
        expect(await client.resolvePartition('userdata')).toEqual(['userdata']);
        expect(await client.resolvePartition('boot', 'all')).toEqual(['boot_a', 'boot_b']);
        await client.unlock('flashing');
        await client.flash('boot', { path: bootImage });
        expect((await readFile(sargo.partitions.path('boot_a'))).equals(await readFile(bootImage))).toBe(true);
        await client.setActive('b');
        expect(await client.currentSlot()).toBe('b');
        await client.flash('boot', { path: bootImage });
        expect((await readFile(sargo.partitions.path('boot_b'))).equals(await readFile(bootImage))).toBe(true);
        await client.reboot('bootloader');
        await sargo.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
        const again = await usbClient(sargo);
        expect(await again.getVar('current-slot')).toBe('b');
    });
});

describe('failures', () => {
    it('an unplug mid-download is a clear error, never a success', async () => {
        const shamu = await phone('shamu', { owner: 'accept' });
        shamu.state.bootloaderLocked = false;
        const client = await usbClient(shamu, { timeoutMs: 3000 });
        shamu.faults.unplugAfterBytes = 1_500_000;
        const started = Date.now();
        const error = await client.flash('recovery', { path: bigImage }).then(
            () => undefined,
            (failure: unknown) => failure,
        );
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).code).toBe('fastboot-disconnected');
        expect((error as ReviveError).message).toMatch(/disconnected during the download .*'recovery' may be partly written/);
        expect(Date.now() - started).toBeLessThan(4000);
    });

    it('a stalled device times out within the timeout, never a success', async () => {
        const shamu = await phone('shamu');
        shamu.state.bootloaderLocked = false;
        const client = await usbClient(shamu, { timeoutMs: 800 });
        await client.getVar('product');
        shamu.faults.stallAfterBytes = 300_000;
        const started = Date.now();
        const error = await client.flash('recovery', { path: bigImage }).then(
            () => undefined,
            (failure: unknown) => failure,
        );
        expect((error as ReviveError).code).toBe('fastboot-timeout');
        expect((error as ReviveError).message).toMatch(/stopped answering/);
        expect(Date.now() - started).toBeLessThan(5000);
    });

    it('an owner who declines keeps the phone locked; an injected FAIL and a corrupt reply surface as errors', async () => {
        const shamu = await phone('shamu', { owner: 'deny' });
        const client = await usbClient(shamu);
        const declined = await client.unlock('flashing').catch((error: unknown) => error);
        expect((declined as ReviveError).code).toBe('declined-on-phone');
        expect(shamu.state.bootloaderLocked).toBe(true);
        shamu.state.bootloaderLocked = false;
        shamu.faults.failNext = 'flash';
        const failed = await client.flash('recovery', { path: bootImage }).catch((error: unknown) => error);
        expect((failed as ReviveError).message).toMatch(/Flash write failure/);
        shamu.faults.corruptNextReply = true;
        const corrupt = await client.getVar('product').catch((error: unknown) => error);
        expect((corrupt as ReviveError).code).toBe('fastboot-protocol');
    });

    it('sends each download as one frame, as AOSP fastboot does, so the phone streams it', async () => {
        const shamu = await phone('shamu');
        shamu.state.bootloaderLocked = false;
        const endpoint = await startFastbootTcpEndpoint(shamu, 0);
        // A tap between client and phone that reads the frames the computer sends.
        const frames: Array<{ length: number; text: string }> = [];
        const decoder = new FrameDecoder(64);
        let handshake = 4;
        const tap = createServer((socket) => {
            const upstream = connect(endpoint.port, '127.0.0.1');
            upstream.pipe(socket);
            socket.on('data', (chunk: Buffer) => {
                const skip = Math.min(handshake, chunk.length);
                handshake -= skip;
                for (const segment of decoder.push(chunk.subarray(skip))) {
                    if (segment.first) frames.push({ length: 0, text: '' });
                    const frame = frames[frames.length - 1];
                    if (frame && segment.data.length <= 64) frame.text = new TextDecoder().decode(segment.data);
                    if (frame) frame.length += segment.data.length;
                }
                upstream.write(chunk);
            });
            socket.on('close', () => upstream.destroy());
        });
        await new Promise<void>((resolve) => tap.listen(0, '127.0.0.1', resolve));
        const address = tap.address();
        // Small writes: a download takes many, and still goes out as one frame.
        const client = await FastbootClient.open(await connectFastbootTcp('127.0.0.1', typeof address === 'object' && address ? address.port : 0), { transferBytes: 4096 });
        cleanups.push(async () => {
            await client.close().catch(() => undefined);
            await new Promise((resolve) => tap.close(resolve));
            await endpoint.close();
        });
        // bigImage is above max-download-size: several sparse pieces, each its own download.
        await client.flash('recovery', { path: bigImage });
        const downloads = frames.flatMap((frame, index) => (frame.text.startsWith('download:') ? [{ announced: Number.parseInt(frame.text.slice(9), 16), next: frames[index + 1] }] : []));
        expect(downloads.length).toBeGreaterThan(1);
        for (const { announced, next } of downloads) expect(next?.length).toBe(announced);
        expect((await readFile(shamu.partitions.path('recovery'))).equals(await readFile(bigImage))).toBe(true);
    });

    it('cancelling stops between transfers with a cancelled error', async () => {
        const shamu = await phone('shamu');
        shamu.state.bootloaderLocked = false;
        const client = await tcpClient(shamu);
        const controller = new AbortController();
        const error = await client
            .flash('recovery', { path: bigImage }, { signal: controller.signal, onProgress: (facts) => facts.bytesDone > 500_000 && controller.abort() })
            .catch((failure: unknown) => failure);
        expect((error as ReviveError).code).toBe('cancelled');
    });
});
