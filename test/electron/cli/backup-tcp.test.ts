/**
 * `revive backup create --device tcp:HOST:PORT`: adb over the network (`adb tcpip`, here the
 * virtual phone's TCP endpoint, as `revive virtual-phone serve --adb-port` gives it). A full backup
 * from TWRP, one from Android that restarts the phone into TWRP and finds it again at the same
 * address, internal storage alone from Android, and a step that needs the bootloader refused
 * before the phone is told anything.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint, type AdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-backup-tcp-');

beforeAll(() => {
    writeFileSync(join(temp.dir, 'pass.txt'), 'juniper kettle orbit seventeen\n', { mode: 0o600 });
});

/** A virtual phone in this mode with photos in internal storage, served over adb TCP until `close`. */
async function servedPhone(codename: string, mode: 'android' | 'recovery', name: string): Promise<{ phone: VirtualPhone; endpoint: AdbTcpEndpoint; device: string; close(): Promise<void> }> {
    const stateDir = join(temp.dir, name);
    mkdirSync(join(stateDir, 'fs', 'data', 'media', '0', 'DCIM'), { recursive: true });
    writeFileSync(join(stateDir, 'fs', 'data', 'media', '0', 'DCIM', 'IMG_1.jpg'), randomBytes(50_000));
    const phone = await VirtualPhone.create({ codename, mode, stateDir, owner: 'accept', enumerationDelayMs: 20 });
    const endpoint = await startAdbTcpEndpoint(phone, 0);
    return {
        phone,
        endpoint,
        device: `tcp:127.0.0.1:${endpoint.port}`,
        async close() {
            await endpoint.close();
            await phone.close();
        },
    };
}

interface BackupReport {
    readonly path: string;
    readonly kind: string;
    readonly twrpWay: string | null;
    readonly verified: boolean;
}

async function partsOf(archive: string): Promise<string[]> {
    const verified = await runCli(['backup', 'verify', archive, '--passphrase-file', join(temp.dir, 'pass.txt'), '--json']);
    expect(verified.code, verified.err).toBe(0);
    return (JSON.parse(verified.out) as { parts: { path: string }[] }).parts.map((p) => p.path);
}

/** A virtual Galaxy S4 in `mode`, backed up over TCP with `extra` options: the report, the archive's parts, where the phone was left. */
async function backedUpOverTcp(mode: 'android' | 'recovery', name: string, extra: readonly string[] = []): Promise<{ report: BackupReport; parts: string[]; phoneMode: string }> {
    const served = await servedPhone('ks01ltexx', mode, name);
    try {
        const made = await runCli(['backup', 'create', '--device', served.device, '--to', join(temp.dir, `${name}-backups`), '--passphrase-file', join(temp.dir, 'pass.txt'), '--wait', '60', '--json', ...extra]);
        expect(made.code, made.err).toBe(0);
        const report = JSON.parse(made.out.trim().split('\n').pop() ?? '') as BackupReport;
        return { report, parts: await partsOf(report.path), phoneMode: served.phone.mode };
    } finally {
        await served.close();
    }
}

describe('backup create --device tcp:HOST:PORT', () => {
    it('backs up a phone in TWRP over TCP: archive written and verified', async () => {
        const { report, parts } = await backedUpOverTcp('recovery', 'twrp');
        expect(report.kind).toBe('full');
        expect(report.twrpWay).toBe('already');
        expect(parts).toEqual(expect.arrayContaining(['twrp/boot.emmc.win', 'raw/efs.emmc.win', 'storage/DCIM/IMG_1.jpg']));
    }, 180_000);

    it('from Android, restarts the phone into TWRP and finds it again at the same address', async () => {
        const { report, parts } = await backedUpOverTcp('android', 'android-full');
        expect(report.twrpWay).toBe('adb-reboot');
        expect(parts).toEqual(expect.arrayContaining(['twrp/system.ext4.win', 'storage/DCIM/IMG_1.jpg']));
    }, 180_000);

    it('copies internal storage alone from Android over TCP (--storage-only)', async () => {
        const { report, parts, phoneMode } = await backedUpOverTcp('android', 'storage', ['--storage-only']);
        expect(report.kind).toBe('storage-only');
        expect(parts).toContain('storage/DCIM/IMG_1.jpg');
        expect(parts.filter((p) => p.startsWith('twrp/'))).toEqual([]);
        expect(phoneMode).toBe('android');
    }, 180_000);

    it('refuses a step that needs the bootloader, saying to use USB, before the phone restarts', async () => {
        const served = await servedPhone('shamu', 'android', 'fastboot');
        // Unlocked: TWRP could start from RAM (fastboot boot), but only over USB.
        served.phone.state.bootloaderLocked = false;
        const image = join(temp.dir, 'twrp.img');
        writeFileSync(image, randomBytes(4096));
        try {
            const made = await runCli(['backup', 'create', '--device', served.device, '--to', join(temp.dir, 'fastboot-backups'), '--passphrase-file', join(temp.dir, 'pass.txt'), '--twrp', image, '--wait', '60', '--json']);
            expect(made.code).not.toBe(0);
            // tcp-mode-needs-usb, worded: which mode, and what to do.
            expect(made.err).toMatch(/Over TCP \(tcp:127\.0\.0\.1:\d+\).*bootloader \(fastboot\)/);
            expect(made.err).toMatch(/What to do: Connect the phone with a USB cable/);
            // Refused before `adb reboot bootloader`: the phone still runs Android.
            expect(served.phone.mode).toBe('android');
        } finally {
            await served.close();
        }
    }, 180_000);
});
