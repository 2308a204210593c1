import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, truncate, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint, type AdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { connectAdb, usbManagerFromDetach, WAITING_FOR_AUTH_MESSAGE, type AdbPhone, type AdbTarget } from '../../../native/adb/phone.js';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { Twrp } from '../../../native/adb/twrp.js';
import { probeAdbState } from '../../../native/adb/probe.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { UsbIpClient } from '../../../native/usbip/client.js';
import { writeDemoRom } from '../../../native/integrity/demo-packages.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { ProgressFacts } from '../../../native/jobs/progress.js';
import { axmlManifest } from './apk-manifest.js';

let dir: string;
let phone: VirtualPhone;
let endpoint: AdbTcpEndpoint | undefined;
const opened: AdbPhone[] = [];

beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-adb-host-'));
    endpoint = undefined;
});

afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
    await endpoint?.close();
    await phone?.close();
    await rm(dir, { recursive: true, force: true });
});

async function makePhone(mode: 'android' | 'recovery' | 'sideload', owner: 'accept' | 'deny' = 'accept'): Promise<VirtualPhone> {
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode, owner, stateDir: join(dir, 'phone'), enumerationDelayMs: 20 });
    return phone;
}

function keyStore(): AdbKeyStore {
    return new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null });
}

function usbDeviceOf(p: VirtualPhone): USBDevice {
    const usbDevice = p.usbDevice;
    if (!usbDevice) throw new Error('virtual phone not on the bus');
    return usbDevice;
}

function usbTarget(p: VirtualPhone): AdbTarget {
    const usbDevice = p.usbDevice;
    if (!usbDevice) throw new Error('virtual phone not on the bus');
    return { usbDevice, usb: usbManagerFromDetach(p), findAgain: (signal) => p.waitForDevice({ timeoutMs: 10_000, signal }) };
}

async function connect(target: AdbTarget, onWaitingForAuth?: (m: string) => void): Promise<AdbPhone> {
    const adbPhone = await connectAdb(target, { keyStore: keyStore(), onWaitingForAuth });
    opened.push(adbPhone);
    return adbPhone;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('adb host side against the virtual phone', () => {
    it('authenticates over in-process USB after the owner allows the key, then reads identity and battery', async () => {
        const p = await makePhone('android');
        const waits: string[] = [];
        const adb = await connect(usbTarget(p), (m) => waits.push(m));
        expect(waits).toEqual([WAITING_FOR_AUTH_MESSAGE]);
        expect(p.state.adbKeys).toHaveLength(1);
        expect(adb.state).toBe('device');
        const id = await adb.identity();
        expect(id).toMatchObject({ device: 'ks01ltexx', model: 'GT-I9506', androidVersion: '5.0.1', bootloader: 'I9506XXUDRB1', serial: p.serial });
        expect(await adb.battery()).toBe(p.state.batteryPercent);
        const shell = await adb.shell('echo hi; ls /nonexistent');
        expect(shell.stdout).toBe('hi\n');
        expect(shell.stderr).toContain('No such file');
        expect(shell.exitCode).toBe(1);
        // A second connection with the same key (over TCP this time) is trusted without asking again.
        endpoint = await startAdbTcpEndpoint(p, 0);
        const again = await connect({ host: '127.0.0.1', port: endpoint.port }, (m) => waits.push(m));
        expect(waits).toHaveLength(1);
        expect(again.state).toBe('device');
    });

    it('pushes and pulls over TCP byte-identically with SHA-256 and progress, and reboots to recovery', async () => {
        const p = await makePhone('android');
        endpoint = await startAdbTcpEndpoint(p, 0);
        const adb = await connect({ host: '127.0.0.1', port: endpoint.port });
        const data = randomBytes(3 * 1024 * 1024 + 123);
        await writeFile(join(dir, 'up.bin'), data);
        const progress: number[] = [];
        const pushed = await adb.push(join(dir, 'up.bin'), '/sdcard/Download/up.bin', { onProgress: (f) => progress.push(f.bytesDone) });
        expect(pushed.sha256).toBe(sha256(data));
        expect(progress.at(-1)).toBe(data.length);
        // Compare digests: deep equality of megabyte buffers is very slow in the test runner.
        expect(sha256(await readFile(join(p.stateDir, 'fs/data/media/0/Download/up.bin')))).toBe(sha256(data));
        const pulled = await adb.pull('/sdcard/Download/up.bin', join(dir, 'down.bin'));
        expect(pulled.sha256).toBe(sha256(data));
        expect(sha256(await readFile(join(dir, 'down.bin')))).toBe(sha256(data));
        await expect(adb.pull('/sdcard/missing.bin', join(dir, 'x'))).rejects.toMatchObject({ code: 'adb-no-such-file' });

        await adb.reboot('recovery');
        await adb.reconnect(['recovery'], { timeoutMs: 10_000 });
        expect(adb.state).toBe('recovery');
        expect(p.mode).toBe('recovery');
    });

    it("a file an app is still writing (fault change-after-pull): the copy is what was read, the phone's sha256sum what it holds now", async () => {
        const p = await makePhone('android');
        const adb = await connect(usbTarget(p));
        const photo = randomBytes(100_000);
        await writeFile(join(p.stateDir, 'fs/data/media/0/IMG_1.jpg'), photo);
        // Named by another alias of internal storage than the pull's, as a shop would type it.
        p.faults.changeAfterPull = '/sdcard/IMG_1.jpg';
        const pulled = await adb.pull('/storage/emulated/0/IMG_1.jpg', join(dir, 'IMG_1.jpg'));
        expect(pulled.sha256).toBe(sha256(photo));
        const onPhone = await adb.sha256OnPhone('/storage/emulated/0/IMG_1.jpg');
        expect(onPhone).not.toBe(sha256(photo));
        expect(onPhone).toBe(sha256(await readFile(join(p.stateDir, 'fs/data/media/0/IMG_1.jpg'))));
        // One-shot: the next copy is the phone's file as it is now.
        expect((await adb.pull('/sdcard/IMG_1.jpg', join(dir, 'again.jpg'))).sha256).toBe(onPhone);
        expect(p.faults.changeAfterPull).toBeUndefined();
    });

    it('installs an APK with pm and reports a broken one', async () => {
        const p = await makePhone('android');
        const adb = await connect(usbTarget(p));
        const { default: yazl } = await import('yazl');
        const zip = new yazl.ZipFile();
        zip.addBuffer(axmlManifest('org.example.revive'), 'AndroidManifest.xml');
        zip.addBuffer(randomBytes(1000), 'classes.dex');
        zip.end();
        const chunks: Buffer[] = [];
        for await (const c of zip.outputStream) chunks.push(c as Buffer);
        await writeFile(join(dir, 'app.apk'), Buffer.concat(chunks));
        await adb.install(join(dir, 'app.apk'));
        expect(p.state.extra['apps']).toHaveLength(1);
        await writeFile(join(dir, 'bad.apk'), 'not a zip');
        await expect(adb.install(join(dir, 'bad.apk'))).rejects.toMatchObject({ code: 'apk-install-failed' });
    });

    it('drives a TWRP backup over USB, pulls it and verifies every digest; restores it', async () => {
        const p = await makePhone('recovery');
        await p.partitions.write('BOOT', 0, new Uint8Array(randomBytes(256 * 1024)));
        const adb = await connect(usbTarget(p));
        expect(adb.state).toBe('recovery');
        const twrp = new Twrp(adb);
        const result = await twrp.backup('BR', 'before-upgrade');
        expect(result.output).toContain('[BACKUP COMPLETED]');
        const checks = await twrp.pullBackup('before-upgrade', join(dir, 'backup'));
        expect(checks.map((c) => c.file).sort()).toEqual(['boot.emmc.win', 'recovery.emmc.win']);
        expect(checks.every((c) => c.ok)).toBe(true);
        expect(sha256(await readFile(join(dir, 'backup/boot.emmc.win')))).toBe(sha256(await p.partitions.read('BOOT', 0, 256 * 1024)));
        expect((await stat(join(dir, 'backup/recovery.log'))).size).toBeGreaterThan(0);

        await twrp.wipe('cache');
        await expect(twrp.wipe('modem' as 'cache')).rejects.toMatchObject({ code: 'twrp-failed' });
        await p.partitions.erase('BOOT');
        await twrp.restore('before-upgrade', 'B');
        expect(sha256(await p.partitions.read('BOOT', 0, 256 * 1024))).toBe(checks.find((c) => c.file === 'boot.emmc.win')?.sha256);
        await expect(twrp.restore('no-such-backup')).rejects.toMatchObject({ code: 'twrp-failed' });
        // A damaged image is caught by its digest before anything is written.
        const win = join(p.stateDir, `fs/data/media/TWRP/BACKUPS/${p.serial}/before-upgrade/boot.emmc.win`);
        await writeFile(win, randomBytes(1024));
        const writes = p.partitions.writeCount('BOOT');
        await expect(twrp.restore('before-upgrade', 'B')).rejects.toThrow(/Digest failed to match on 'boot.emmc.win'/);
        expect(p.partitions.writeCount('BOOT')).toBe(writes);
    });

    it('sideloads a package built for the phone and records it; refuses another phone\'s package with recovery\'s words', async () => {
        const p = await makePhone('recovery');
        endpoint = await startAdbTcpEndpoint(p, 0);
        const adb = await connect({ host: '127.0.0.1', port: endpoint.port });
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx', 'ks01lte'], androidVersion: '8.1.0', payloadBytes: 700 * 1024 });
        const romSize = (await stat(rom)).size;
        let last = 0;
        await adb.sideload(rom, { onProgress: (f) => (last = f.bytesDone) });
        expect(last).toBe(romSize);
        expect(adb.state).toBe('recovery');
        expect(p.state.installed).toHaveLength(1);
        expect(p.state.installed[0]?.id).toContain('ks01ltexx:8.1.0');
        expect(p.state.androidVersion).toBe('8.1.0');
        expect(JSON.parse(await readFile(join(p.stateDir, 'state.json'), 'utf8')).installed).toHaveLength(1);

        const other = join(dir, 'other.zip');
        await writeDemoRom(other, { devices: ['shamu'], androidVersion: '9.0.0', payloadBytes: 100 * 1024 });
        const error = await adb.sideload(other).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReviveError);
        expect((error as ReviveError).message).toContain('This package is for device: shamu; this device is ks01ltexx.');
        expect(p.state.installed).toHaveLength(1);

        // The trap: TWRP left in sideload mode; the next twrp command gets it back to the menu first.
        p.reboot('sideload');
        await adb.reconnect(['sideload'], { timeoutMs: 10_000 });
        await new Twrp(adb).wipe('dalvik');
        expect(adb.state).toBe('recovery');
    });

    it('pushes, pulls and sideloads over in-process USB too', async () => {
        const p = await makePhone('recovery');
        const adb = await connect(usbTarget(p));
        const data = randomBytes(2 * 1024 * 1024 + 7);
        await writeFile(join(dir, 'up.bin'), data);
        expect((await adb.push(join(dir, 'up.bin'), '/sdcard/up.bin')).sha256).toBe(sha256(data));
        expect((await adb.pull('/sdcard/up.bin', join(dir, 'down.bin'))).sha256).toBe(sha256(data));
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01lte'], androidVersion: '8.1.0', payloadBytes: 600 * 1024 });
        await adb.sideload(rom);
        expect(adb.state).toBe('recovery');
        expect(p.state.installed.map((i) => i.sha256)).toEqual([sha256(await readFile(rom))]);
    });

    it('refuses a truncated or non-zip package before the phone is touched', async () => {
        const p = await makePhone('sideload');
        const adb = await connect(usbTarget(p));
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 200 * 1024 });
        await copyFile(rom, join(dir, 'cut.zip'));
        await truncate(join(dir, 'cut.zip'), (await stat(rom)).size - 1000);
        await writeFile(join(dir, 'text.zip'), 'hello, I am not a zip');
        const before = p.hostBytes;
        await expect(adb.sideload(join(dir, 'cut.zip'))).rejects.toMatchObject({ code: 'sideload-not-zip' });
        await expect(adb.sideload(join(dir, 'text.zip'))).rejects.toMatchObject({ code: 'sideload-not-zip' });
        expect(p.hostBytes).toBe(before);
        expect(p.state.installed).toEqual([]);
    });

    it('reports an unplug mid-sideload clearly and claims nothing installed', async () => {
        const p = await makePhone('sideload');
        const adb = await connect(usbTarget(p));
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 1024 * 1024 });
        p.faults.unplugAfterBytes = 400 * 1024;
        const error = await adb.sideload(rom).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'sideload-interrupted' });
        expect((error as ReviveError).message).toMatch(/disconnected|broke/);
        expect(p.state.installed).toEqual([]);
        const saved = JSON.parse(await readFile(join(p.stateDir, 'state.json'), 'utf8')) as { installed: unknown[] };
        expect(saved.installed).toEqual([]);
    });

    it('denied by the owner: the connection keeps waiting and can be cancelled', async () => {
        const p = await makePhone('android', 'deny');
        const controller = new AbortController();
        const waits: string[] = [];
        const pending = connectAdb(usbTarget(p), { keyStore: keyStore(), onWaitingForAuth: (m) => { waits.push(m); setTimeout(() => controller.abort(), 100); }, signal: controller.signal });
        await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
        expect(waits).toEqual([WAITING_FOR_AUTH_MESSAGE]);
        expect(p.state.adbKeys).toEqual([]);
    });
});

describe('probeAdbState', () => {
    it('tells unauthorized from device without prompting the owner, and sees recovery', async () => {
        const p = await makePhone('android');
        const store = keyStore();
        expect(await probeAdbState(usbDeviceOf(p), undefined, store)).toBe('unauthorized');
        expect(p.state.adbKeys).toEqual([]);
        // Allow the key over TCP (the probe's USB session is over; the chassis does not cancel its
        // pending IN transfer on close(), so a second USB session on the same USBDevice would race it).
        endpoint = await startAdbTcpEndpoint(p, 0);
        const adb = await connectAdb({ host: '127.0.0.1', port: endpoint.port }, { keyStore: store });
        opened.push(adb);
        await adb.reboot('recovery');
        await p.waitForDevice({ mode: 'recovery', timeoutMs: 10_000 });
        expect(await probeAdbState(usbDeviceOf(p), undefined, store)).toBe('recovery');
    });
});

describe('adb over USB/IP', () => {
    it('connects through the USB/IP client to the exported virtual phone and runs commands', async () => {
        const p = await makePhone('recovery');
        const server = await UsbIpServer.start({ port: 0 });
        try {
            server.export(p, '1-1');
            const client = new UsbIpClient(server.address);
            const entry = (await client.list()).find((e) => e.interfaces.some((i) => i.interfaceClass === 0xff && i.interfaceSubclass === 0x42 && i.interfaceProtocol === 0x01));
            expect(entry).toBeDefined();
            const device = await client.import(entry?.device.busid ?? '1-1');
            const adb = await connect({ usbDevice: device });
            expect(adb.state).toBe('recovery');
            expect((await adb.shell('getprop ro.product.model')).stdout).toBe('GT-I9506\n');
            const data = randomBytes(300 * 1024);
            await writeFile(join(dir, 'u.bin'), data);
            expect((await adb.push(join(dir, 'u.bin'), '/sdcard/u.bin')).sha256).toBe(sha256(data));
            await adb.close();
        } finally {
            await server.close();
        }
    });
});

describe('sideload waits that end', () => {
    it('a phone that stops answering mid-sideload ends in a clear error within the stall timeout (it was a silent exit 13)', async () => {
        const p = await makePhone('sideload');
        const adb = await connect(usbTarget(p));
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 1024 * 1024 });
        p.faults.stallAfterBytes = 300 * 1024;
        const started = Date.now();
        const error = await adb.sideload(rom, {}, { stallMs: 1500 }).catch((e: unknown) => e);
        p.faults.stallAfterBytes = undefined;
        expect(error).toMatchObject({ code: 'sideload-stalled' });
        expect((error as ReviveError).message).toMatch(/stopped answering while receiving rom\.zip \(\d+ of \d+ blocks sent, nothing for 2 s\)\. The package was not installed\./);
        expect(Date.now() - started).toBeLessThan(30_000);
        expect(p.state.installed).toEqual([]);
    });

    it('Ctrl-C mid-sideload ends at once with a message saying recovery did not install it', async () => {
        const p = await makePhone('sideload');
        const adb = await connect(usbTarget(p));
        const rom = join(dir, 'rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 2 * 1024 * 1024 });
        // The phone goes silent after a few blocks, so only the cancel can end the wait.
        p.faults.stallAfterBytes = 200 * 1024;
        const controller = new AbortController();
        let aborted = false;
        const seen: ProgressFacts[] = [];
        const pending = adb.sideload(rom, { signal: controller.signal, onProgress: (f) => {
            seen.push(f);
            if (!aborted && f.bytesDone > 0) {
                aborted = true;
                setTimeout(() => controller.abort(new Error('Interrupted')), 200);
            }
        } }, { stallMs: 120_000 });
        const error = await pending.catch((e: unknown) => e);
        p.faults.stallAfterBytes = undefined;
        expect(error).toMatchObject({ code: 'cancelled' });
        expect((error as ReviveError).message).toMatch(/Sideloading rom\.zip was cancelled after \d+ of \d+ blocks; recovery did not install it/);
        expect(p.state.installed).toEqual([]);
        // The bar is what the phone has: blocks it asked for past, never what only left the computer.
        const had = Math.max(...seen.map((f) => f.bytesDone));
        expect(had).toBeGreaterThan(0);
        expect(had).toBeLessThanOrEqual(200 * 1024);
        expect(seen.every((f) => f.toPhone === true && (f.bytesSent ?? 0) >= f.bytesDone)).toBe(true);
    });
});
