/** Debian's fastboot (29) driving our virtual phone over fastboot-over-TCP, as a person would. */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { startFastbootTcpEndpoint, type FastbootTcpEndpoint } from '../../native/virtual/tcp/fastboot-endpoint.js';
import { bootloaderPhone, makeImage, SMALL_MAX_DOWNLOAD } from '../native/fastboot/phones.js';
import { tempDir } from '../native/sparse/images.js';

const run = promisify(execFile);

async function requireTool(name: string, pkg: string): Promise<void> {
    try {
        await run('sh', ['-c', `command -v ${name}`]);
    } catch {
        throw new Error(`${name} is not installed: apt-get install ${pkg}`);
    }
}

let work: Awaited<ReturnType<typeof tempDir>>;
let phone: VirtualPhone;
let endpoint: FastbootTcpEndpoint;

async function fastboot(...args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
        const { stdout, stderr } = await run('fastboot', ['-s', `tcp:127.0.0.1:${endpoint.port}`, ...args], { timeout: 60_000 });
        return { ok: true, output: stdout + stderr };
    } catch (error) {
        const failure = error as { stdout?: string; stderr?: string };
        return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
    }
}

beforeAll(async () => {
    await requireTool('fastboot', 'fastboot');
    await requireTool('img2simg', 'android-sdk-libsparse-utils');
    work = await tempDir('peer-fastboot');
    phone = await bootloaderPhone('shamu');
    endpoint = await startFastbootTcpEndpoint(phone, 0);
});

afterAll(async () => {
    await endpoint?.close();
    await phone?.close();
    await work?.cleanup();
});

describe('fastboot 29 against the virtual Nexus 6', () => {
    it('getvar all lists the recipe variables', async () => {
        const { ok, output } = await fastboot('getvar', 'all');
        expect(ok).toBe(true);
        expect(output).toContain('(bootloader) product:shamu');
        expect(output).toContain(`(bootloader) serialno:${phone.serial}`);
        expect(output).toContain('(bootloader) unlocked:no');
        expect(output).toContain(`(bootloader) max-download-size:0x${SMALL_MAX_DOWNLOAD.toString(16)}`);
        expect(output).toContain('(bootloader) partition-size:recovery:0x1000000');
    });

    it('a flash while locked fails with the bootloader\'s message and writes nothing', async () => {
        const image = join(work.dir, 'small.img');
        await makeImage(image, 8);
        const { ok, output } = await fastboot('flash', 'recovery', image);
        expect(ok).toBe(false);
        expect(output).toContain('Flashing is not allowed in Lock State');
        expect(phone.partitions.writeCount('recovery')).toBe(0);
    });

    it('flashing unlock succeeds after the owner confirms, and wipes userdata', async () => {
        await phone.partitions.write('userdata', 0, Buffer.from('photos'));
        const { ok, output } = await fastboot('flashing', 'unlock');
        expect(ok, output).toBe(true);
        expect(phone.state.bootloaderLocked).toBe(false);
        expect(await phone.partitions.storedLength('userdata')).toBe(0);
        expect((await fastboot('getvar', 'unlocked')).output).toContain('unlocked: yes');
    });

    it('flash recovery of a raw image larger than max-download-size: sent in sparse pieces, stored exactly', async () => {
        const image = join(work.dir, 'twrp.img');
        await makeImage(image, 768, { bootImage: true });
        const { ok, output } = await fastboot('flash', 'recovery', image);
        expect(ok, output).toBe(true);
        expect(output).toMatch(/Sending sparse 'recovery' 1\/3/);
        expect((await readFile(phone.partitions.path('recovery'))).equals(await readFile(image))).toBe(true);
    });

    it('flash of an img2simg sparse image stores what simg2img expands', async () => {
        const image = join(work.dir, 'boot.img');
        await makeImage(image, 600);
        const sparse = join(work.dir, 'boot.simg');
        await run('img2simg', [image, sparse]);
        const expanded = join(work.dir, 'boot.expanded');
        await run('simg2img', [sparse, expanded]);
        const { ok, output } = await fastboot('flash', 'boot', sparse);
        expect(ok, output).toBe(true);
        expect((await readFile(phone.partitions.path('boot'))).equals(await readFile(expanded))).toBe(true);
    });

    it('erase empties a partition', async () => {
        const { ok, output } = await fastboot('erase', 'boot');
        expect(ok, output).toBe(true);
        expect(await phone.partitions.storedLength('boot')).toBe(0);
    });

    it('boot runs an image from RAM: the phone goes to recovery, nothing is flashed', async () => {
        const image = join(work.dir, 'twrp-small.img');
        await makeImage(image, 64, { bootImage: true });
        const writes = phone.partitions.writeCount('recovery');
        const { ok, output } = await fastboot('boot', image);
        expect(ok, output).toBe(true);
        await phone.waitForDevice({ mode: 'recovery', timeoutMs: 5000 });
        expect(phone.partitions.writeCount('recovery')).toBe(writes);
        expect((phone.state.extra['fastboot'] as { bootedFromRam?: { bytes: number } }).bootedFromRam?.bytes).toBe(64 * 4096);
        phone.reboot('bootloader');
        await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
    });

    it('reboot leaves the bootloader for Android', async () => {
        const { ok, output } = await fastboot('reboot');
        expect(ok, output).toBe(true);
        await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
        expect(phone.mode).toBe('android');
    });
});

describe('fastboot 29 against the virtual Pixel 3a (A/B)', () => {
    it('flashes the active slot, switches slots with set_active, and flashes both with --slot all', async () => {
        const sargo = await bootloaderPhone('sargo');
        const sargoEndpoint = await startFastbootTcpEndpoint(sargo, 0);
        const fb = async (...args: string[]): Promise<string> => {
            const { stdout, stderr } = await run('fastboot', ['-s', `tcp:127.0.0.1:${sargoEndpoint.port}`, ...args], { timeout: 60_000 });
            return stdout + stderr;
        };
        try {
            const image = join(work.dir, 'ab-boot.img');
            await makeImage(image, 300, { bootImage: true });
            await fb('flashing', 'unlock');
            expect(await fb('flash', 'boot', image)).toContain("Writing 'boot_a'");
            expect((await readFile(sargo.partitions.path('boot_a'))).equals(await readFile(image))).toBe(true);
            await fb('set_active', 'b');
            expect(await fb('getvar', 'current-slot')).toContain('current-slot: b');
            await fb('--slot', 'all', 'flash', 'dtbo', image);
            for (const name of ['dtbo_a', 'dtbo_b']) expect((await readFile(sargo.partitions.path(name))).equals(await readFile(image))).toBe(true);
            expect(sargo.partitions.writeCount('boot_b')).toBe(0);
        } finally {
            await sargoEndpoint.close();
            await sargo.close();
        }
    });
});
