/**
 * Debian's adb (29.x) against the virtual phone over TCP, with an isolated adb server (own port,
 * own HOME so it makes its own ~/.android/adbkey) that is killed at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { startAdbTcpEndpoint, type AdbTcpEndpoint } from '../../native/virtual/tcp/adb-endpoint.js';
import { writeDemoRom } from '../../native/integrity/demo-packages.js';
import { connectAdb } from '../../native/adb/phone.js';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { freePort } from '../support/free-port.js';

const ADB = '/usr/bin/adb';
let dir: string;
let phone: VirtualPhone;
let endpoint: AdbTcpEndpoint;
let serverPort: number;
let serial: string;

function adb(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(ADB, ['-P', String(serverPort), ...args], { env: { ...process.env, HOME: join(dir, 'home'), ADB_VENDOR_KEYS: '' }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
        });
    });
}

async function sha256File(path: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
}

/** (Re)connect adb to the endpoint and wait until adb sees the phone in `state`. */
async function connectAs(state: 'device' | 'recovery' | 'sideload'): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
        await adb(['disconnect', serial]);
        await adb(['connect', serial]);
        for (let i = 0; i < 20; i++) {
            const listing = await adb(['devices']);
            if (listing.stdout.includes(`${serial}\t${state}`)) return;
            await new Promise((r) => setTimeout(r, 150));
        }
        if (Date.now() > deadline) throw new Error(`adb never saw ${serial} in ${state} state: ${(await adb(['devices'])).stdout}`);
    }
}

beforeAll(async () => {
    if (!existsSync(ADB)) throw new Error(`Debian adb is missing (${ADB}); install the "adb" package (CI installs it).`);
    dir = await mkdtemp(join(tmpdir(), 'revive-adb-peer-'));
    await mkdir(join(dir, 'home'), { recursive: true });
    serverPort = await freePort();
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20 });
    endpoint = await startAdbTcpEndpoint(phone, 0);
    serial = `127.0.0.1:${endpoint.port}`;
});

afterAll(async () => {
    if (serverPort) await adb(['kill-server']);
    await endpoint?.close();
    await phone?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Debian adb against the virtual phone over TCP', () => {
    it('authenticates with adb\'s own key once the owner accepts it, and runs shell commands', async () => {
        await connectAs('device');
        expect(phone.state.adbKeys).toHaveLength(1);
        const ownKey = (await readFile(join(dir, 'home/.android/adbkey.pub'), 'utf8')).trim().split(/\s+/)[0];
        expect(phone.state.adbKeys[0]).toContain(ownKey);
        const prop = await adb(['-s', serial, 'shell', 'getprop', 'ro.product.device']);
        expect(prop).toMatchObject({ code: 0, stdout: 'ks01ltexx\n' });
        // shell_v2 carries the exit status through to adb's own exit code.
        expect((await adb(['-s', serial, 'shell', 'ls /no/such/dir'])).code).toBe(1);
    });

    it('Revive signs with the user\'s ~/.android/adbkey, so a phone that trusts their adb trusts Revive', async () => {
        const waits: string[] = [];
        const ours = await connectAdb(
            { host: '127.0.0.1', port: endpoint.port },
            { keyStore: new AdbKeyStore({ appDir: join(dir, 'revive-app'), userAdbDir: join(dir, 'home/.android') }), onWaitingForAuth: (m) => waits.push(m) },
        );
        try {
            expect(waits).toEqual([]);
            expect(phone.state.adbKeys).toHaveLength(1);
            expect((await ours.identity()).device).toBe('ks01ltexx');
        } finally {
            await ours.close();
        }
    });

    it('pushes and pulls a 50 MiB file byte-identically', async () => {
        const big = join(dir, 'big.bin');
        const block = createHash('sha512');
        const parts: Buffer[] = [];
        for (let i = 0; i < 50 * 1024 * 1024 / 64; i++) parts.push(block.copy().update(String(i)).digest());
        await writeFile(big, Buffer.concat(parts));
        const push = await adb(['-s', serial, 'push', big, '/sdcard/big.bin'], 120_000);
        expect(push.code, push.stderr).toBe(0);
        const pull = await adb(['-s', serial, 'pull', '/sdcard/big.bin', join(dir, 'back.bin')], 120_000);
        expect(pull.code, pull.stderr).toBe(0);
        const want = await sha256File(big);
        expect(await sha256File(join(phone.stateDir, 'fs/data/media/0/big.bin'))).toBe(want);
        expect(await sha256File(join(dir, 'back.bin'))).toBe(want);
    });

    it('`adb reboot recovery` moves the virtual phone to recovery', async () => {
        const reboot = await adb(['-s', serial, 'reboot', 'recovery']);
        expect(reboot.code, reboot.stderr).toBe(0);
        await new Promise((r) => setTimeout(r, 200));
        expect(phone.mode).toBe('recovery');
        await connectAs('recovery');
        expect((await adb(['-s', serial, 'shell', 'twrp', 'version'])).stdout).toContain('TWRP version');
    });

    it('`adb sideload` installs a package built for the phone and fails for another phone\'s package', async () => {
        const rom = join(dir, 'rom.zip');
        const other = join(dir, 'other.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx', 'ks01lte'], androidVersion: '8.1.0', payloadBytes: 2 * 1024 * 1024 });
        await writeDemoRom(other, { devices: ['shamu'], androidVersion: '9.0.0', payloadBytes: 256 * 1024 });

        phone.reboot('sideload');
        await connectAs('sideload');
        const ok = await adb(['-s', serial, 'sideload', rom], 120_000);
        expect(ok.code, ok.stdout + ok.stderr).toBe(0);
        expect(phone.state.installed.map((p) => p.id)).toEqual(['lineage/lineage_ks01ltexx/ks01ltexx:8.1.0/REVIVE.DEMO/20240101:userdebug/test-keys']);
        expect(phone.state.androidVersion).toBe('8.1.0');

        await new Promise((r) => setTimeout(r, 200));
        phone.reboot('sideload');
        await connectAs('sideload');
        const refused = await adb(['-s', serial, 'sideload', other], 120_000);
        expect(refused.code).not.toBe(0);
        expect(phone.state.installed).toHaveLength(1);
        // Recovery prints the updater's abort message; with TWRP it is read from its log.
        await connectAs('recovery');
        const log = await adb(['-s', serial, 'shell', 'cat', '/tmp/recovery.log']);
        expect(log.stdout).toContain('E3004: This package is for device: shamu; this device is ks01ltexx.');
        const saved = JSON.parse(await readFile(join(phone.stateDir, 'state.json'), 'utf8')) as { installed: unknown[] };
        expect(saved.installed).toHaveLength(1);
    });
});
