/** The virtual phone's package manager: pm install, pm list packages [-U], dumpsys package, over our adb host side. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb, type AdbPhone } from '../../../native/adb/phone.js';
import { parsePackageList } from '../../../native/panels/firewall.js';
import { manifestPackage } from '../../../native/virtual/adbd-packages.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { axmlManifest } from '../adb/apk-manifest.js';

let dir: string;
let phone: VirtualPhone | undefined;
const opened: AdbPhone[] = [];

beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-adbd-pm-'));
});
afterEach(async () => {
    for (const adb of opened.splice(0)) await adb.close();
    await phone?.close();
    phone = undefined;
    await rm(dir, { recursive: true, force: true });
});

async function apk(name: string, manifest: Buffer): Promise<string> {
    const zip = new yazl.ZipFile();
    zip.addBuffer(manifest, 'AndroidManifest.xml');
    zip.addBuffer(randomBytes(500), 'classes.dex');
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const path = join(dir, name);
    await writeFile(path, Buffer.concat(chunks));
    return path;
}

async function start(system?: { androidVersion: string; buildFingerprint: string }): Promise<{ phone: VirtualPhone; adb: AdbPhone }> {
    const p = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20 });
    phone = p;
    if (system) Object.assign(p.state, system);
    return { phone: p, adb: await reconnect(p) };
}

async function reconnect(p: VirtualPhone): Promise<AdbPhone> {
    const usbDevice = await p.waitForDevice({ mode: 'android', timeoutMs: 5000 });
    const adb = await connectAdb({ usbDevice }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) });
    opened.push(adb);
    return adb;
}

const LINEAGE = { androidVersion: '8.1.0', buildFingerprint: 'lineage/lineage_ks01ltexx/ks01ltexx:8.1.0/OPM7.181205.001/1:userdebug/test-keys' };

describe('pm on the virtual phone', () => {
    it('reads the package name of binary and plain manifests', () => {
        expect(manifestPackage(axmlManifest('org.mozilla.focus'))).toBe('org.mozilla.focus');
        expect(manifestPackage(Buffer.from('<manifest xmlns:android="x" package="com.fsck.k9"/>'))).toBe('com.fsck.k9');
        expect(manifestPackage(Buffer.from('manifest'))).toBeUndefined();
        expect(manifestPackage(axmlManifest('org.mozilla.focus').subarray(0, 40))).toBeUndefined();
    });

    it('stock Samsung on Android 5: the TouchWiz apps and installed ones, no -U, UIDs from dumpsys package', async () => {
        const { adb } = await start();
        await adb.install(await apk('focus.apk', axmlManifest('org.mozilla.focus')));
        const listed = await adb.shell('pm list packages');
        expect(listed.exitCode).toBe(0);
        const names = parsePackageList(listed.stdout).map((p) => p.packageName);
        expect(names).toContain('com.sec.android.app.launcher');
        expect(names).toContain('org.mozilla.focus');
        expect(names).not.toContain('org.lineageos.trebuchet');
        expect(listed.stdout).not.toContain('uid:');
        const withU = await adb.shell('pm list packages -U');
        expect(withU.stdout).toBe('');
        expect(withU.stderr).toBe('Error: Unknown option: -U\n');
        expect((await adb.shell('dumpsys package org.mozilla.focus')).stdout).toMatch(/^ {4}userId=10100 gids=\[3003\]$/m);
        expect((await adb.shell('pm list packages -3')).stdout).toBe('package:org.mozilla.focus\n');

        const refused = await adb.shell(`pm install /data/local/tmp/none.apk`);
        expect(refused.stdout).toMatch(/Failure \[INSTALL_FAILED_INVALID_APK\]/);
        await expect(adb.install(await apk('anonymous.apk', Buffer.from('manifest')))).rejects.toMatchObject({ code: 'apk-install-failed', message: expect.stringMatching(/MANIFEST_MALFORMED/) });
    });

    it('LineageOS 15.1: its own apps, `package:NAME uid:UID` lines, UIDs stable per package across reinstalls and reboots', async () => {
        const { phone, adb } = await start(LINEAGE);
        const modes: string[] = [];
        phone.on('mode', (m: string) => modes.push(m));
        await adb.install(await apk('focus.apk', axmlManifest('org.mozilla.focus')));
        await adb.install(await apk('k9.apk', axmlManifest('com.fsck.k9')));
        await adb.install(await apk('focus-update.apk', axmlManifest('org.mozilla.focus')));
        const listed = parsePackageList((await adb.shell('pm list packages -U')).stdout);
        const uid = (name: string): number | null | undefined => listed.find((p) => p.packageName === name)?.uid;
        expect(listed.length).toBeGreaterThanOrEqual(12);
        expect(uid('org.lineageos.trebuchet')).toBeGreaterThanOrEqual(10000);
        expect(uid('android')).toBe(1000);
        expect(uid('com.sec.android.app.launcher')).toBeUndefined();
        expect(uid('org.mozilla.focus')).toBe(10100);
        expect(uid('com.fsck.k9')).toBe(10101);
        expect(listed.every((p) => p.uid !== null)).toBe(true);

        const detached = new Promise((resolve) => phone.once('detach', resolve));
        await adb.reboot('system');
        await detached;
        const again = await reconnect(phone);
        expect(modes).toContain('android');
        const after = parsePackageList((await again.shell('pm list packages -U focus')).stdout);
        expect(after).toEqual([{ packageName: 'org.mozilla.focus', uid: 10100 }]);
    });
});
