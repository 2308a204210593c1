/** Acceptance against wireguard-tools and zbar: keys, wg-quick config and QR image. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qrPng } from '../../native/panels/qr.js';
import { createWireGuardProfile, generateWireGuardKeyPair, wireGuardPublicKey } from '../../native/panels/wireguard.js';

function requireTool(name: string, pkg: string): void {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) throw new Error(`This test needs ${name} on PATH. Install it: apt-get install -y ${pkg}`);
}

let dir: string;
beforeAll(() => {
    requireTool('wg', 'wireguard-tools');
    requireTool('wg-quick', 'wireguard-tools');
    requireTool('zbarimg', 'zbar-tools');
    dir = mkdtempSync(join(tmpdir(), 'revive-wg-'));
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('WireGuard tools accept our profile', () => {
    it('wg pubkey derives our public key from our private key, and we derive wg genkey keys the same way', () => {
        for (let i = 0; i < 3; i++) {
            const pair = generateWireGuardKeyPair();
            expect(execFileSync('wg', ['pubkey'], { input: `${pair.privateKey}\n`, encoding: 'utf8' }).trim()).toBe(pair.publicKey);
        }
        const theirs = execFileSync('wg', ['genkey'], { encoding: 'utf8' }).trim();
        expect(wireGuardPublicKey(theirs)).toBe(execFileSync('wg', ['pubkey'], { input: `${theirs}\n`, encoding: 'utf8' }).trim());
    });

    it('wg-quick strip accepts the configuration and keeps every wg setting', () => {
        const server = generateWireGuardKeyPair();
        const profile = createWireGuardProfile({
            name: 'home',
            addresses: ['10.8.0.2/32', 'fd00:8::2/128'],
            dns: ['10.8.0.1', 'fd00:8::1'],
            serverPublicKey: server.publicKey,
            endpoint: '[2001:db8::1]:51820',
        });
        // wg-quick wants the file name to be a valid interface name.
        const path = join(dir, 'wg0.conf');
        writeFileSync(path, profile.config, { mode: 0o600 });
        const stripped = execFileSync('wg-quick', ['strip', path], { encoding: 'utf8' });
        expect(stripped).toContain(`PrivateKey = ${profile.keyPair.privateKey}`);
        expect(stripped).toContain(`PublicKey = ${server.publicKey}`);
        expect(stripped).toContain(`PresharedKey = ${profile.presharedKey}`);
        expect(stripped).toContain('Endpoint = [2001:db8::1]:51820');
        expect(stripped).toContain('PersistentKeepalive = 25');
        expect(stripped).not.toContain('Address');

        // The server side: a config with our [Peer] block is accepted too.
        const serverConf = join(dir, 'wg1.conf');
        writeFileSync(serverConf, `[Interface]\nPrivateKey = ${server.privateKey}\nListenPort = 51820\n\n${profile.serverPeerBlock}`, { mode: 0o600 });
        expect(execFileSync('wg-quick', ['strip', serverConf], { encoding: 'utf8' })).toContain('AllowedIPs = 10.8.0.2/32, fd00:8::2/128');
    });

    it('zbarimg decodes the QR PNG back to exactly the configuration text', async () => {
        const profile = createWireGuardProfile({ name: 'phone', addresses: ['10.8.0.3/32'], dns: ['9.9.9.9'], serverPublicKey: generateWireGuardKeyPair().publicKey, endpoint: 'vpn.example.org:51820' });
        const png = join(dir, 'qr.png');
        writeFileSync(png, await qrPng(profile.config));
        const decoded = execFileSync('zbarimg', ['--raw', '-q', png], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        // zbarimg ends each decoded symbol with one newline of its own.
        expect(decoded).toBe(`${profile.config}\n`);
    });
});
