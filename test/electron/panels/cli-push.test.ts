/**
 * `revive keys push`, `vpn push`, `firewall push` through the CLI entry point against an
 * in-process virtual phone (`--virtual`, with a state dir): each file lands byte-identical where the
 * phone's app looks, and no secret is printed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { generateWireGuardKeyPair } from '../../../native/panels/wireguard.js';
import { revive } from '../../support/run-cli.js';

const PASSPHRASE = 'ember quartz ladder meadow';

let dir: string;
let state: string;
beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-cli-push-'));
    state = join(dir, 'phone');
    process.env['REVIVE_HOME'] = join(dir, 'home');
    writeFileSync(join(dir, 'pass'), `${PASSPHRASE}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));

const phone = ['--virtual', 'ks01ltexx', '--virtual-state'] as const;

/** The virtual phone keeps /sdcard under <state>/fs/data/media/0. */
function onPhone(remote: string): string {
    return join(state, 'fs', remote.replace(/^\/sdcard\//, '/data/media/0/'));
}

/** Base64 bodies of an armored block: the parts of a secret that must never be printed. */
function armorLines(text: string): string[] {
    return text.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line));
}

function expectNoSecrets(output: string, secrets: readonly string[]): void {
    for (const secret of secrets) expect(output.includes(secret), `printed a secret: ${secret.slice(0, 12)}…`).toBe(false);
}

describe('revive keys|vpn|firewall push to a virtual phone', () => {
    it('keys push sends the public key to /sdcard/OpenKeychain, the secret key only when asked', async () => {
        const created = await revive('keys', 'create', '--uid', 'Dana <dana@example.org>', '--out', join(dir, 'k'), '--passphrase-file', join(dir, 'pass'));
        expect(created.code, created.err).toBe(0);
        const publicKey = /Public key:\s+(\S+)/.exec(created.out)?.[1] ?? '';
        const secretKey = /Secret key:\s+(\S+)/.exec(created.out)?.[1] ?? '';
        const keyId = /([0-9A-F]{16})\.pub\.asc$/i.exec(publicKey)?.[1] ?? '';
        expect(keyId).not.toBe('');
        const secrets = [PASSPHRASE, ...armorLines(readFileSync(secretKey, 'utf8'))];

        const pushed = await revive('keys', 'push', publicKey, ...phone, state);
        expect(pushed.code, pushed.err).toBe(0);
        const remote = `/sdcard/OpenKeychain/${keyId}.pub.asc`;
        expect(pushed.out).toContain(`→ ${remote}`);
        expect(readFileSync(onPhone(remote)).equals(readFileSync(publicKey))).toBe(true);
        expect(existsSync(onPhone(`/sdcard/OpenKeychain/${keyId}.sec.asc`))).toBe(false);
        expectNoSecrets(pushed.out + pushed.err, secrets);

        // A secret key given as the "public" file is refused before the phone is reached.
        const mixup = await revive('keys', 'push', secretKey, ...phone, join(dir, 'never'));
        expect(mixup.code).toBe(1);
        expect(mixup.err).toMatch(/holds a SECRET key/);
        expect(existsSync(join(dir, 'never'))).toBe(false);

        const withSecret = await revive('keys', 'push', publicKey, '--secret-key', secretKey, ...phone, state);
        expect(withSecret.code, withSecret.err).toBe(0);
        expect(readFileSync(onPhone(`/sdcard/OpenKeychain/${keyId}.sec.asc`)).equals(readFileSync(secretKey))).toBe(true);
        expect(withSecret.out).toMatch(/Delete it from the phone/);
        expectNoSecrets(withSecret.out + withSecret.err, secrets);
    });

    it('vpn push sends the wg-quick config to /sdcard/Download', async () => {
        const server = generateWireGuardKeyPair();
        const created = await revive('vpn', 'create', '--name', 'home', '--address', '10.8.0.2/32', '--server-key', server.publicKey, '--endpoint', 'vpn.example.org:51820', '--out', join(dir, 'v'));
        expect(created.code, created.err).toBe(0);
        const conf = join(dir, 'v', 'wg-home.conf');
        const text = readFileSync(conf, 'utf8');
        const secrets = [/PrivateKey = (\S+)/.exec(text)?.[1] ?? 'missing', /PresharedKey = (\S+)/.exec(text)?.[1] ?? 'missing'];
        expectNoSecrets(created.out, secrets);

        const pushed = await revive('vpn', 'push', conf, ...phone, state);
        expect(pushed.code, pushed.err).toBe(0);
        expect(readFileSync(onPhone('/sdcard/Download/wg-home.conf')).equals(readFileSync(conf))).toBe(true);
        expectNoSecrets(pushed.out + pushed.err, secrets);

        writeFileSync(join(dir, 'not-wg.conf'), 'hello\n');
        expect((await revive('vpn', 'push', join(dir, 'not-wg.conf'), ...phone, state)).code).toBe(2);
    });

    it('firewall push sends the AFWall+ file and the root script (outside shared storage)', async () => {
        const created = await revive('firewall', 'create', '--allow', 'org.mozilla.focus:wv=10071', '--allow', 'com.wireguard.android:wm=10088', '--out', join(dir, 'f'));
        expect(created.code, created.err).toBe(0);
        const afwall = /AFWall\+ import file: (\S+)/.exec(created.out)?.[1] ?? '';
        const pushed = await revive('firewall', 'push', afwall, ...phone, state);
        expect(pushed.code, pushed.err).toBe(0);
        const expected: Array<[string, string]> = [
            ['/sdcard/afwall/afwall-revive-private.json', afwall],
            ['/data/local/tmp/revive-firewall.sh', join(dir, 'f', 'revive-firewall.sh')],
        ];
        for (const [remote, local] of expected) {
            expect(pushed.out).toContain(`→ ${remote}`);
            expect(readFileSync(onPhone(remote)).equals(readFileSync(local)), remote).toBe(true);
        }
        expect(pushed.err).toMatch(/100% of \d+ bytes/);
    });

    it('firewall create --from-phone asks the phone over adb and says plainly when it lists nothing', async () => {
        // In recovery there is no package manager: the listing is empty, and the command must stop
        // with that fact rather than write a profile without the phone's UIDs.
        const inRecovery = join(dir, 'phone-recovery');
        await (await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', stateDir: inRecovery, enumerationDelayMs: 20 })).close();
        const fromPhone = await revive('firewall', 'create', '--allow', 'org.mozilla.focus', '--from-phone', ...phone, inRecovery, '--out', join(dir, 'fp'));
        expect(fromPhone.code).toBe(1);
        expect(fromPhone.err).toMatch(/The phone listed no installed apps/);
        expect(existsSync(join(dir, 'fp'))).toBe(false);
        // Started normally, the phone lists its apps.
        const started = await revive('firewall', 'create', '--allow', 'com.android.phone', '--from-phone', ...phone, state, '--out', join(dir, 'fp2'));
        expect(started.code, started.err).toBe(0);
        expect(started.err).toMatch(/✓ 1\d app\(s\) installed on the phone/);
        expect(started.out).toContain('com.android.phone (uid 1001)');
        expect((await revive('firewall', 'create', '--allow', 'org.mozilla.focus', '--from-phone', '--packages', 'x.txt')).code).toBe(2);
        expect((await revive('firewall', 'create', '--allow', 'org.mozilla.focus', ...phone, state)).code).toBe(2);
    });
});
