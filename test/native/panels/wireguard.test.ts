import { describe, expect, it } from 'vitest';
import { createWireGuardProfile, generateWireGuardKeyPair, wireGuardPublicKey } from '../../../native/panels/wireguard.js';

const server = generateWireGuardKeyPair().publicKey;
const base = { name: 'home', addresses: ['10.8.0.2'], dns: [], serverPublicKey: server, endpoint: 'vpn.example.org:51820' };

describe('WireGuard profile', () => {
    it('writes a full-tunnel config with PSK and keepalive, and the matching server peer', () => {
        const p = createWireGuardProfile(base);
        expect(wireGuardPublicKey(p.keyPair.privateKey)).toBe(p.keyPair.publicKey);
        expect(p.config).toContain('Address = 10.8.0.2/32\n');
        expect(p.config).not.toContain('DNS');
        expect(p.config).toContain('AllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\n');
        expect(p.serverPeerBlock).toContain(`PublicKey = ${p.keyPair.publicKey}\nPresharedKey = ${p.presharedKey}\nAllowedIPs = 10.8.0.2/32\n`);
        expect(p.phonePath).toBe('/sdcard/Download/wg-home.conf');
    });

    it('keeps a given key pair and refuses a mismatched one', () => {
        const pair = generateWireGuardKeyPair();
        expect(createWireGuardProfile({ ...base, keyPair: pair }).keyPair).toEqual(pair);
        expect(() => createWireGuardProfile({ ...base, keyPair: { ...pair, publicKey: server } })).toThrow(/does not belong/);
    });

    it('explains each malformed field', () => {
        expect(() => createWireGuardProfile({ ...base, name: 'much too long name' })).toThrow(/tunnel name/);
        expect(() => createWireGuardProfile({ ...base, addresses: ['10.8.0.300/32'] })).toThrow(/tunnel address "10.8.0.300\/32"/);
        expect(() => createWireGuardProfile({ ...base, endpoint: 'vpn.example.org' })).toThrow(/host:port/);
        expect(() => createWireGuardProfile({ ...base, serverPublicKey: 'abc' })).toThrow(/server public key "abc"/);
        expect(() => createWireGuardProfile({ ...base, dns: ['dns.example'] })).toThrow(/DNS server/);
    });
});
