/** Panel artifacts pushed to the virtual phone land byte-identical where the phone's apps look. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirewallJob } from '../../../electron/jobs/panels/firewall.js';
import { createKeysJob } from '../../../electron/jobs/panels/keys.js';
import { firewallPushPlan, keysPushPlan, pushFilesJob, vpnPushPlan, type PhoneConnector } from '../../../electron/jobs/panels/push.js';
import { createVpnJob } from '../../../electron/jobs/panels/vpn.js';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

let dir: string;
let phone: VirtualPhone;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-panel-push-'));
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20 });
});
afterAll(async () => {
    await phone?.close();
    await rm(dir, { recursive: true, force: true });
});

const connect: PhoneConnector = (signal) => {
    const usbDevice = phone.usbDevice;
    if (!usbDevice) throw new Error('virtual phone not on the bus');
    return connectAdb({ usbDevice }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }), signal });
};

/** The virtual phone keeps /sdcard under stateDir/fs/data/media/0. */
const onPhone = (remote: string): Promise<Buffer> => readFile(join(dir, 'phone', 'fs', remote.replace(/^\/sdcard\//, '/data/media/0/')));

describe('push to the phone', () => {
    it('lands the public key, the WireGuard config and the firewall files byte-identical', async () => {
        const home = join(dir, 'home');
        const keys = await createKeysJob({ userIds: [{ email: 'dan@example.org' }], passphrase: 'ember quartz ladder meadow', outDir: join(dir, 'out') }, { home });
        const vpn = await createVpnJob({ name: 'home', addresses: ['10.8.0.2/32'], dns: [], serverPublicKey: generateWireGuardKeyPair().publicKey, endpoint: 'vpn.example.org:51820', outDir: join(dir, 'out') }, { home });
        const fw = await createFirewallJob({ allow: [{ packageName: 'org.mozilla.focus', uid: 10071 }], outDir: join(dir, 'out') }, { home });
        const plan = [...keysPushPlan(keys.files, false), ...vpnPushPlan(vpn.files.config), ...firewallPushPlan(fw.files)];
        expect(plan.map((p) => p.remote)).toEqual([
            `/sdcard/OpenKeychain/${keys.key.keyId}.pub.asc`,
            '/sdcard/Download/wg-home.conf',
            '/sdcard/afwall/afwall-revive-private.json',
            '/data/local/tmp/revive-firewall.sh',
        ]);
        const { pushed } = await pushFilesJob(connect, plan, { home });
        expect(pushed).toHaveLength(plan.length);
        for (const item of plan) expect((await onPhone(item.remote)).equals(await readFile(item.local)), item.remote).toBe(true);
        // The secret key goes only when asked for.
        await expect(onPhone(`/sdcard/OpenKeychain/${keys.key.keyId}.sec.asc`)).rejects.toThrow();
    });
});
