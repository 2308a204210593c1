/**
 * The project's USB/IP bridge (tools/usbip-bridge) and what it needs, for tests that run real tools
 * (heimdall, lsusb, the usbdevfs probe) against the virtual phone through it.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhoneMode } from '../../native/manifests/schema.js';
import { UsbIpServer } from '../../native/usbip/server.js';
import { VirtualPhone } from '../../native/virtual/phone.js';

export const BRIDGE = fileURLToPath(new URL('../../tools/usbip-bridge/umockdev-usbip.py', import.meta.url));
export const PROBE = fileURLToPath(new URL('../../tools/usbip-bridge/usbdevfs-probe.py', import.meta.url));
/** Debian's python3, which has gi (python3-gi); a pyenv or venv python first on PATH usually has not. */
export const PYTHON = '/usr/bin/python3';

function umockdevPreload(): string | undefined {
    for (const lib of ['/usr/lib', ...readdirSync('/usr/lib').filter((d) => d.endsWith('-linux-gnu')).map((d) => `/usr/lib/${d}`)]) {
        if (existsSync(`${lib}/libumockdev-preload.so.0`)) return `${lib}/libumockdev-preload.so.0`;
    }
    return undefined;
}

/** udev's hardware database, where lsusb (usbutils 014) finds class and vendor names. */
export function udevHwdb(): string | undefined {
    return ['/etc/udev/hwdb.bin', '/usr/lib/udev/hwdb.bin', '/lib/udev/hwdb.bin'].find((path) => existsSync(path));
}

/** Fails naming everything missing (path or undefined, and what installs it), so the fix is plain. */
export function requireBridge(alsoNeeded: ReadonlyArray<readonly [string | undefined, string]> = []): void {
    const needed: ReadonlyArray<readonly [string | undefined, string]> = [
        [PYTHON, '/usr/bin/python3 with gi (Debian package python3-gi)'],
        [umockdevPreload(), 'umockdev (Debian packages umockdev, gir1.2-umockdev-1.0)'],
        ...alsoNeeded,
    ];
    const missing = needed.filter(([path]) => !path || !existsSync(path));
    if (missing.length > 0) throw new Error(`This test needs ${missing.map(([, what]) => what).join(', ')}; bash scripts/setup.sh installs them.`);
}

export interface ExportedPhone {
    /** A temp folder for the test's own files; the phone keeps its state in `dir/phone`. */
    readonly dir: string;
    readonly phone: VirtualPhone;
    /** Exports the phone as bus id 1-1 on a free loopback port (`server.address`). */
    readonly server: UsbIpServer;
    close(): Promise<void>;
}

/** A virtual phone in this process, exported over USB/IP for a real tool to reach through the bridge. */
export async function exportVirtualPhone(codename: string, mode: PhoneMode): Promise<ExportedPhone> {
    const dir = mkdtempSync(join(tmpdir(), `revive-usbip-${codename}-`));
    const phone = await VirtualPhone.create({ codename, mode, stateDir: join(dir, 'phone'), enumerationDelayMs: 10 });
    const server = await UsbIpServer.start({ port: 0 });
    server.export(phone, '1-1');
    return {
        dir,
        phone,
        server,
        async close() {
            await server.close();
            await phone.close();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
