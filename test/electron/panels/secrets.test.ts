/** Panel jobs: files 0600, and no secret (passphrase, private keys, PSK) in events or the journal. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirewallJob } from '../../../electron/jobs/panels/firewall.js';
import type { PanelJobEvent as PanelEvent } from '../../../electron/jobs/panels/job.js';
import { createKeysJob, revokeKeyJob, rotateKeysJob } from '../../../electron/jobs/panels/keys.js';
import { createVpnJob } from '../../../electron/jobs/panels/vpn.js';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';

let dir: string;
const events: PanelEvent[] = [];
const home = (): string => join(dir, 'home');
const opts = () => ({ home: home(), onEvent: (e: PanelEvent) => void events.push(e) });

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-panel-jobs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The long base64 lines of an armored block: any one of them leaking is a leak. */
function armorLines(armored: string): string[] {
    return armored.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
}

describe('panel jobs keep secrets out of logs and the journal', () => {
    it('creates, rotates and revokes keys and a VPN profile with every secret only in 0600 files', async () => {
        const PASS = 'ember quartz ladder meadow';
        const NEW_PASS = 'copper willow thirty lanterns';
        const out = join(dir, 'keys');
        const created = await createKeysJob({ userIds: [{ name: 'Bob', email: 'bob@example.org' }], passphrase: PASS, expiresInDays: 365, outDir: out }, opts());
        const rotated = await rotateKeysJob({ oldSecretKeyPath: created.files.secretKey, oldPassphrase: PASS, newKey: { userIds: [{ name: 'Bob', email: 'bob@example.org' }], passphrase: NEW_PASS }, outDir: out }, opts());
        const revoked = await revokeKeyJob({ secretKeyPath: rotated.files.secretKey, passphrase: NEW_PASS, reason: 'retired', outDir: out }, opts());
        const vpn = await createVpnJob({ name: 'home', addresses: ['10.8.0.2/32'], dns: ['10.8.0.1'], serverPublicKey: generateWireGuardKeyPair().publicKey, endpoint: 'vpn.example.org:51820', outDir: join(dir, 'vpn') }, opts());

        const written = [...Object.values(created.files), ...Object.values(rotated.files), rotated.oldKeyRevocation, rotated.transitionStatement, revoked.revocation, ...Object.values(vpn.files)];
        for (const path of written) expect((statSync(path).mode & 0o777).toString(8), path).toBe('600');

        const secretKeys = [readFileSync(created.files.secretKey, 'utf8'), readFileSync(rotated.files.secretKey, 'utf8')];
        const wgConfig = readFileSync(vpn.files.config, 'utf8');
        const wgPrivate = /PrivateKey = (\S+)/.exec(wgConfig)?.[1] ?? '';
        const psk = /PresharedKey = (\S+)/.exec(wgConfig)?.[1] ?? '';
        expect(wgPrivate).toHaveLength(44);
        const secrets = [PASS, NEW_PASS, wgPrivate, psk, ...secretKeys.flatMap(armorLines)];
        expect(secrets.length).toBeGreaterThan(10);

        const journals = readdirSync(join(home(), 'jobs')).map((f) => readFileSync(join(home(), 'jobs', f), 'utf8'));
        expect(journals).toHaveLength(4);
        const sinks = [JSON.stringify(events), ...journals];
        expect(events.filter((e) => e.type === 'done')).toHaveLength(4);
        for (const sink of sinks) for (const secret of secrets) expect(sink.includes(secret), `secret ${secret.slice(0, 6)}… leaked`).toBe(false);
        // The public facts are there, so the grep above looked at real content.
        expect(sinks.join('\n')).toContain(created.key.fingerprint);
        expect(sinks.join('\n')).toContain(vpn.publicKey);
    });

    it('writes the firewall files, and only the AFWall+ file when UIDs are unknown', async () => {
        const withUids = await createFirewallJob({ allow: [{ packageName: 'org.mozilla.focus', uid: 10071 }], outDir: join(dir, 'fw1') }, opts());
        expect(withUids.files.ipv4 && readFileSync(withUids.files.ipv4, 'utf8')).toContain('--uid-owner 10071');
        expect(JSON.parse(readFileSync(withUids.files.afwall, 'utf8'))).toEqual([{ 'org.mozilla.focus': { '0': true, '1': true, '3': true } }]);
        const offline = await createFirewallJob({ allow: [{ packageName: 'org.mozilla.focus' }], outDir: join(dir, 'fw2') }, opts());
        expect(offline.files.ipv4).toBeNull();
        expect(offline.warnings.join(' ')).toMatch(/no VPN app/);
    });
});
