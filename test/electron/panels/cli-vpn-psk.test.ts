/** `revive vpn create` keeps the preshared key off stdout: it is in the 0600 server-peer file only (issue 13). */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli.js';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-vpn-psk-');

describe('revive vpn create', () => {
    it('names the file that holds the preshared key instead of printing it', async () => {
        let out = '';
        let err = '';
        const argv = ['vpn', 'create', '--name', 'home', '--address', '10.8.0.2/32', '--server-key', generateWireGuardKeyPair().publicKey, '--endpoint', 'vpn.example.org:51820', '--out', join(temp.dir, 'v')];
        const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
        expect(code, err).toBe(0);
        const peerFile = join(temp.dir, 'v', 'wg-home.server-peer.conf');
        const psk = /PresharedKey = (\S+)/.exec(readFileSync(peerFile, 'utf8'))?.[1];
        expect(psk).toMatch(/^[A-Za-z0-9+/]{43}=$/);
        expect((statSync(peerFile).mode & 0o777).toString(8)).toBe('600');
        expect(out).not.toContain(psk);
        expect(err).not.toContain(psk);
        expect(out).toContain('[Peer]\nPublicKey = ');
        expect(out).toContain(peerFile);
    });
});
