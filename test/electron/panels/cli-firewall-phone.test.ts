/**
 * `revive firewall create --from-phone` end to end: the phone's installed packages and their UIDs
 * are read over adb (`pm list packages -U` on Android 8+, `dumpsys package` on older phones) and
 * the allowed apps reach the AFWall+ file and the iptables scripts with the phone's UIDs.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { apkBytes } from '../../native/adb/apk-manifest.js';
import { revive } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-cli-firewall-phone-');

async function apk(packageName: string): Promise<string> {
    const path = join(temp.dir, `${packageName}.apk`);
    writeFileSync(path, await apkBytes(packageName, { 'classes.dex': randomBytes(500) }));
    return path;
}

/** A virtual S4 in stateDir with these apps installed over adb (and, if given, another system). */
async function preparePhone(stateDir: string, apps: readonly string[], system?: { androidVersion: string; buildFingerprint: string }): Promise<VirtualPhone> {
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir, enumerationDelayMs: 20 });
    if (system) Object.assign(phone.state, system);
    await phone.saveState();
    const usbDevice = await phone.waitForDevice({ mode: 'android', timeoutMs: 5000 });
    const adb = await connectAdb({ usbDevice }, { keyStore: new AdbKeyStore({ appDir: join(temp.dir, 'app'), userAdbDir: null }) });
    try {
        for (const app of apps) await adb.install(await apk(app));
    } finally {
        await adb.close();
    }
    return phone;
}

describe('revive firewall create --from-phone', () => {
    it('on a stock Android 5 phone (--virtual): UIDs of the allowed apps come from dumpsys package', async () => {
        const state = join(temp.dir, 'stock');
        await (await preparePhone(state, ['org.mozilla.focus', 'com.wireguard.android'])).close();
        const out = join(temp.dir, 'fw-stock');
        const result = await revive('firewall', 'create', '--from-phone', '--virtual', 'ks01ltexx', '--virtual-state', state, '--allow', 'org.mozilla.focus:w', '--allow', 'com.wireguard.android', '--out', out);
        expect(result.code, result.err).toBe(0);
        expect(result.err).toMatch(/✓ 1[0-9] app\(s\) installed on the phone, 2 with their UID/);
        expect(result.out).toContain('org.mozilla.focus (uid 10100): Wi-Fi');
        expect(result.out).toContain('com.wireguard.android (uid 10101)');
        const afwall = JSON.parse(readFileSync(join(out, 'afwall-revive-private.json'), 'utf8')) as Array<Record<string, unknown>>;
        expect(Object.keys(afwall[0] ?? {}).sort()).toEqual(['com.wireguard.android', 'org.mozilla.focus']);
        const rules = readFileSync(join(out, 'revive-iptables.rules'), 'utf8');
        expect(rules).toContain('--uid-owner 10100');
        expect(rules).toContain('--uid-owner 10101');
    });

    it('on LineageOS 15.1 over adb TCP (-s tcp:): every package with its UID from pm list packages -U', async () => {
        const phone = await preparePhone(join(temp.dir, 'lineage'), ['org.torproject.android'], { androidVersion: '8.1.0', buildFingerprint: 'lineage/lineage_ks01ltexx/ks01ltexx:8.1.0/OPM7.181205.001/1:userdebug/test-keys' });
        const tcp = await startAdbTcpEndpoint(phone, 0);
        try {
            const out = join(temp.dir, 'fw-lineage');
            const result = await revive('firewall', 'create', '--from-phone', '-s', `tcp:127.0.0.1:${tcp.port}`, '--allow', 'org.torproject.android:wmv', '--allow', 'org.lineageos.jelly:w', '--out', out);
            expect(result.code, result.err).toBe(0);
            expect(result.err).toMatch(/✓ (1[2-9]) app\(s\) installed on the phone, \1 with their UID/);
            expect(result.out).toContain('org.torproject.android (uid 10100): Wi-Fi, mobile data, VPN');
            expect(result.out).toMatch(/org\.lineageos\.jelly \(uid 1\d{4}\): Wi-Fi/);
            const afwall = JSON.parse(readFileSync(join(out, 'afwall-revive-private.json'), 'utf8')) as Array<Record<string, unknown>>;
            expect(Object.keys(afwall[0] ?? {}).sort()).toEqual(['org.lineageos.jelly', 'org.torproject.android']);
            expect(readFileSync(join(out, 'revive-iptables.rules'), 'utf8')).toContain('--uid-owner 10100');
        } finally {
            await tcp.close();
            await phone.close();
        }
    });
});
