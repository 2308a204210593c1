/**
 * The panel commands reach a phone the ways the adb CLI does: `-s tcp:HOST:PORT` (adbd over TCP)
 * and `-s usbip:HOST:PORT` (a USB/IP export), here both of one virtual phone; what arrived is
 * pulled back over adb and compared byte for byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdb } from '../../../native/adb/phone.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint, type AdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { revive } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-cli-targets-');
let phone: VirtualPhone;
let tcp: AdbTcpEndpoint;
let usbip: UsbIpServer;

beforeAll(async () => {
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(temp.dir, 'phone'), enumerationDelayMs: 20 });
    await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
    tcp = await startAdbTcpEndpoint(phone, 0);
    usbip = await UsbIpServer.start();
    usbip.export(phone);
});
afterAll(async () => {
    await usbip?.close();
    await tcp?.close();
    await phone?.close();
});

async function pullBack(remote: string): Promise<Buffer> {
    const adb = await connectAdb({ host: '127.0.0.1', port: tcp.port });
    try {
        const local = join(temp.dir, `pulled-${Date.now()}`);
        await adb.pull(remote, local);
        return readFileSync(local);
    } finally {
        await adb.close();
    }
}

describe('panel commands over tcp: and usbip:', () => {
    it('vpn push over adb TCP and firewall push over USB/IP land byte-identical files', async () => {
        const conf = join(temp.dir, 'wg-office.conf');
        writeFileSync(conf, '[Interface]\nAddress = 10.8.0.3/32\nPrivateKey = not-a-real-key-only-bytes-to-compare=\n\n[Peer]\nPublicKey = x\nEndpoint = vpn.example.org:51820\nAllowedIPs = 0.0.0.0/0\n', { mode: 0o600 });
        const viaTcp = await revive('vpn', 'push', conf, '-s', `tcp:127.0.0.1:${tcp.port}`);
        expect(viaTcp.code, viaTcp.err).toBe(0);
        expect(viaTcp.err).toContain(`(tcp:127.0.0.1:${tcp.port})`);
        expect((await pullBack('/sdcard/Download/wg-office.conf')).equals(readFileSync(conf))).toBe(true);
        expect(viaTcp.out + viaTcp.err).not.toContain('not-a-real-key-only-bytes-to-compare');

        const created = await revive('firewall', 'create', '--allow', 'org.torproject.android:wmv', '--out', join(temp.dir, 'f'), '--name', 'tor');
        expect(created.code, created.err).toBe(0);
        const viaUsbip = await revive('firewall', 'push', join(temp.dir, 'f', 'afwall-revive-tor.json'), '-s', `usbip:${usbip.address}`);
        expect(viaUsbip.code, viaUsbip.err).toBe(0);
        // UIDs unknown, so no iptables scripts were written: only the AFWall+ file travels.
        expect(viaUsbip.out).not.toContain('/sdcard/revive/firewall');
        expect((await pullBack('/sdcard/afwall/afwall-revive-tor.json')).equals(readFileSync(join(temp.dir, 'f', 'afwall-revive-tor.json')))).toBe(true);
    });

    it('says plainly when nothing answers, and rejects muddled device options', async () => {
        const conf = join(temp.dir, 'wg-office.conf');
        const gone = await revive('vpn', 'push', conf, '-s', 'tcp:127.0.0.1:1');
        expect(gone.code).toBe(1);
        expect(gone.err).toMatch(/Nothing answers adb at 127\.0\.0\.1:1/);
        expect((await revive('vpn', 'push', conf, '-s', 'tcp:nowhere')).code).toBe(2);
        expect((await revive('vpn', 'push', conf, '-s', 'tcp:127.0.0.1:5555', '--virtual', 'ks01ltexx')).code).toBe(2);
        expect((await revive('vpn', 'push', conf, '--virtual-state', temp.dir)).code).toBe(2);
    });
});
