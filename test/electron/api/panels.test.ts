/** The panels through the backend exactly as IPC and the bridge call it: validated, no secrets in events or the journal. */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { KeysResult, VpnResult } from '../../../electron/api/contract.js';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';

let dir: string;
let backend: Backend;
const seen: string[] = [];

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-api-panels-'));
    backend = createBackend({ home: dir });
    backend.subscribe((event, payload) => seen.push(`${event} ${JSON.stringify(payload)}`));
});
afterAll(async () => {
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
});

async function journals(): Promise<string> {
    const root = join(dir, 'jobs');
    const files = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    let text = '';
    for (const f of files) text += await readFile(join(root, String(f)), 'utf8').catch(() => '');
    return text;
}

const PASSPHRASE = 'violet harbour seventeen lanterns';

describe('panels through the API', () => {
    let keys: KeysResult;
    let vpn: VpnResult;

    it('creates keys; the passphrase and the secret key appear in no event and no journal', async () => {
        const result = await backend.call('createKeys', { jobId: 't1', key: { userIds: [{ name: 'Ada', email: 'ada@example.org' }, { email: 'ada@work.example' }], passphrase: PASSPHRASE } });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        keys = result.value as KeysResult;
        expect(keys.userIds).toEqual(['Ada <ada@example.org>', '<ada@work.example>']);
        expect(keys.algorithm).toMatch(/curve25519|ed25519/i);
        expect(seen.some((e) => e.startsWith('jobStep') && e.includes('"t1"'))).toBe(true);
        const secret = await readFile(keys.files.secretKey, 'utf8');
        const body = secret.split('\n').filter((l) => l.length >= 60).slice(1).join('\n');
        expect(body.length).toBeGreaterThan(100);
        const everything = `${seen.join('\n')}\n${await journals()}`;
        expect(everything).not.toContain(PASSPHRASE);
        for (const line of body.split('\n')) expect(everything).not.toContain(line);
        expect(everything).not.toContain('PRIVATE KEY');
    });

    it('refuses a malformed panel request with plain words', async () => {
        const result = await backend.call('createKeys', { jobId: 't2', key: { userIds: [], passphrase: '' } });
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.error.code).toBe('bad-request');
        const push = await backend.call('pushPanelFiles', { jobId: 't2', deviceId: 'virtual:ks01ltexx', resultId: 'nope' });
        expect(push.ok).toBe(false);
    });

    it('creates a VPN profile with its QR and server block, and pushes it byte-identical to the virtual phone', async () => {
        const result = await backend.call('createVpn', {
            jobId: 't3',
            name: 'home',
            addresses: ['10.8.0.2/32'],
            dns: ['10.8.0.1'],
            serverPublicKey: generateWireGuardKeyPair().publicKey,
            endpoint: 'vpn.example.org:51820',
            allowedIps: ['0.0.0.0/0', '::/0'],
            persistentKeepalive: 25,
        });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        vpn = result.value as VpnResult;
        expect(vpn.serverPeerBlock).toContain(`PublicKey = ${vpn.publicKey}`);
        expect(vpn.qrDataUrl.startsWith('data:image/png;base64,')).toBe(true);
        const privateKey = /PrivateKey = (\S+)/.exec(await readFile(vpn.files.config, 'utf8'))?.[1] ?? 'missing';
        expect(seen.join('\n')).not.toContain(privateKey);

        const notYet = await backend.call('pushPanelFiles', { jobId: 't4', deviceId: 'virtual:ks01ltexx', resultId: vpn.resultId });
        expect(notYet.ok).toBe(false);
        await backend.call('startVirtualPhone', { codename: 'ks01ltexx' });
        const pushed = await backend.call('pushPanelFiles', { jobId: 't4', deviceId: 'virtual:ks01ltexx', resultId: vpn.resultId });
        expect(pushed).toMatchObject({ ok: true, value: { pushed: [{ remote: '/sdcard/Download/wg-home.conf' }] } });
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const landed = await readFile(join(phone.stateDir, 'fs', 'data', 'media', '0', 'Download', 'wg-home.conf'));
        expect(landed.equals(await readFile(vpn.files.config))).toBe(true);
        expect(`${seen.join('\n')}\n${await journals()}`).not.toContain(privateKey);
    });

    it('removes the imported WireGuard profile (it holds the private key) from the phone\'s shared storage (issue 13, L5)', async () => {
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const landed = join(phone.stateDir, 'fs', 'data', 'media', '0', 'Download', 'wg-home.conf');
        expect(existsSync(landed)).toBe(true);
        const removed = await backend.call('removePushedFiles', { jobId: 't4b', deviceId: 'virtual:ks01ltexx', resultId: vpn.resultId });
        expect(removed).toMatchObject({ ok: true, value: { removed: ['/sdcard/Download/wg-home.conf'] } });
        expect(existsSync(landed)).toBe(false);
    });

    it('sends the secret key only when asked, and refuses a modified APK before installing anything', async () => {
        const pub = await backend.call('pushPanelFiles', { jobId: 't5', deviceId: 'virtual:ks01ltexx', resultId: keys.resultId });
        expect(pub.ok && (pub.value as { pushed: unknown[] }).pushed).toHaveLength(1);
        const apk = join(dir, 'focus.apk');
        await writeFile(apk, Buffer.from('PK\u0003\u0004 not really an apk'));
        const result = await backend.call('installApps', { jobId: 't6', deviceId: 'virtual:ks01ltexx', apps: [{ file: await backend.uploads.grant(apk), sha256: '0'.repeat(64) }] });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const value = result.value as { results: Array<{ status: string }>; error: { code: string } | null };
        expect(value.results.map((r) => r.status)).toEqual(['refused']);
        expect(value.error?.code).toBe('apk-checksum');
        expect(seen.some((e) => e.includes('"t6"') && e.includes('"connect"'))).toBe(false);
    });
});
