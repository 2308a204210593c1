/** `revive keys|vpn|firewall` end to end through the CLI entry point. */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';
import { runCli } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-panel-cli-');

const revive = (...argv: string[]): ReturnType<typeof runCli> => runCli(argv);

describe('revive keys / vpn / firewall', () => {
    it('creates, rotates and revokes keys with passphrases from files only', async () => {
        writeFileSync(join(temp.dir, 'pass'), 'ember quartz ladder meadow\n');
        writeFileSync(join(temp.dir, 'pass2'), 'copper willow thirty lanterns\n');
        const created = await revive('keys', 'create', '--uid', 'Carol Example (phone) <carol@example.org>', '--uid', 'carol@work.example', '--out', join(temp.dir, 'k'), '--passphrase-file', join(temp.dir, 'pass'));
        expect(created.code, created.err).toBe(0);
        const secret = /Secret key:\s+(\S+)/.exec(created.out)?.[1] ?? '';
        expect((statSync(secret).mode & 0o777).toString(8)).toBe('600');
        expect(created.out).toMatch(/Passphrase strength: (strong|very-strong)/);
        expect(created.out).toContain('Store the revocation certificate apart');
        expect(readFileSync(secret, 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');

        const rotated = await revive('keys', 'rotate', '--old-key', secret, '--old-passphrase-file', join(temp.dir, 'pass'), '--uid', 'Carol Example <carol@example.org>', '--passphrase-file', join(temp.dir, 'pass2'), '--out', join(temp.dir, 'k'));
        expect(rotated.code, rotated.err).toBe(0);
        expect(rotated.out).toMatch(/Old key revocation:\s+\S+\.superseded\.rev\.asc/);

        const wrong = await revive('keys', 'revoke', '--key', secret, '--reason', 'compromised', '--passphrase-file', join(temp.dir, 'pass2'), '--out', join(temp.dir, 'k'));
        expect(wrong.code).toBe(1);
        expect(wrong.err).toMatch(/passphrase does not unlock/);
        expect((await revive('keys', 'revoke', '--key', secret, '--reason', 'lost')).code).toBe(2);
        expect((await revive('keys', 'create', '--uid', 'x <x@example.org>', '--passphrase', 'in argv')).code).toBe(2);
    });

    it('creates a VPN profile and a firewall profile', async () => {
        const server = generateWireGuardKeyPair();
        const vpn = await revive('vpn', 'create', '--name', 'home', '--address', '10.8.0.2/32', '--dns', '10.8.0.1', '--server-key', server.publicKey, '--endpoint', 'vpn.example.org:51820', '--out', join(temp.dir, 'v'));
        expect(vpn.code, vpn.err).toBe(0);
        expect(vpn.out).toContain('[Peer]\nPublicKey = ');
        const conf = join(temp.dir, 'v', 'wg-home.conf');
        const qr = await revive('vpn', 'qr', conf, '--png', join(temp.dir, 'v', 'again.png'));
        expect(qr.code, qr.err).toBe(0);
        const decoded = execFileSync('zbarimg', ['--raw', '-q', join(temp.dir, 'v', 'again.png')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(decoded).toBe(`${readFileSync(conf, 'utf8')}\n`);

        writeFileSync(join(temp.dir, 'pm.txt'), 'package:org.mozilla.focus uid:10071\npackage:com.wireguard.android uid:10088\n');
        const fw = await revive('firewall', 'create', '--allow', 'org.mozilla.focus:wv', '--allow', 'com.wireguard.android:wm', '--packages', join(temp.dir, 'pm.txt'), '--out', join(temp.dir, 'f'));
        expect(fw.code, fw.err).toBe(0);
        expect(fw.out).toContain('org.mozilla.focus (uid 10071): Wi-Fi, VPN');
        expect(JSON.parse(readFileSync(join(temp.dir, 'f', 'afwall-revive-private.json'), 'utf8'))).toEqual([{ 'com.wireguard.android': { '0': true, '1': true }, 'org.mozilla.focus': { '0': true, '3': true } }]);
        expect(readFileSync(join(temp.dir, 'f', 'revive-iptables.rules'), 'utf8')).toContain('-A revive-vpn -m owner --uid-owner 10071 -j RETURN');
    });
});
