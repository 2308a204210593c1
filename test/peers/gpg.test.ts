/** Acceptance against GnuPG 2.2: our keys, certifications, revocations and messages as gpg sees them. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyPair, createRevocation, rotateKey, unlockSecretKey, type KeyBundle } from '../../native/panels/openpgp.js';

function requireTool(name: string): void {
    const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
    if (!found) throw new Error(`This test needs ${name} on PATH (Debian package: gnupg). Install it: apt-get install -y gnupg`);
}

let dir: string;
const homes: string[] = [];

function gpgHome(): string {
    const home = mkdtempSync(join(dir, 'gnupg-'));
    homes.push(home);
    return home;
}

function gpg(home: string, args: readonly string[], input?: string): string {
    return execFileSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--quiet', ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
}

/** `--with-colons` records of one kind. */
function records(listing: string, kind: string): string[][] {
    return listing.split('\n').filter((l) => l.startsWith(`${kind}:`)).map((l) => l.split(':'));
}

const PASS = 'tangerine orbit seven canyons';
let alice: KeyBundle;

beforeAll(async () => {
    requireTool('gpg');
    dir = mkdtempSync(join(tmpdir(), 'revive-gpg-'));
    alice = await createKeyPair({ userIds: [{ name: 'Alice Example', email: 'alice@example.org' }, { email: 'alice@work.example' }], passphrase: PASS, expiresInDays: 730 });
});

afterAll(() => {
    for (const home of homes) spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GnuPG reads our keys', () => {
    it('imports the public and the secret key with both user IDs and the expiry', () => {
        const home = gpgHome();
        gpg(home, ['--import', file('alice.pub.asc', alice.publicKeyArmored)]);
        gpg(home, ['--import', file('alice.sec.asc', alice.secretKeyArmored)]);
        const pub = gpg(home, ['--with-colons', '--list-keys', alice.fingerprint]);
        expect(records(pub, 'fpr')[0]?.[9]).toBe(alice.fingerprint);
        expect(records(pub, 'uid').map((r) => r[9])).toEqual(['Alice Example <alice@example.org>', '<alice@work.example>']);
        const expires = Number(records(pub, 'pub')[0]?.[6]);
        expect(expires * 1000).toBe(Date.parse(alice.expiresAt ?? ''));
        const sec = gpg(home, ['--with-colons', '--list-secret-keys', alice.fingerprint]);
        expect(records(sec, 'sec')).toHaveLength(1);
        expect(records(sec, 'ssb')).toHaveLength(1);
    });

    it('decrypts with our secret key a message gpg encrypted to our public key, and gpg decrypts ours', async () => {
        const home = gpgHome();
        gpg(home, ['--import', file('alice2.pub.asc', alice.publicKeyArmored)]);
        const fromGpg = gpg(home, ['--trust-model', 'always', '--armor', '--encrypt', '--recipient', alice.fingerprint], 'hello from gpg\n');
        const key = await unlockSecretKey(alice.secretKeyArmored, PASS);
        const { data } = await openpgp.decrypt({ message: await openpgp.readMessage({ armoredMessage: fromGpg }), decryptionKeys: key });
        expect(data).toBe('hello from gpg\n');

        const ours = await openpgp.encrypt({ message: await openpgp.createMessage({ text: 'hello from revive\n' }), encryptionKeys: await openpgp.readKey({ armoredKey: alice.publicKeyArmored }) });
        gpg(home, ['--import', file('alice2.sec.asc', alice.secretKeyArmored)]);
        const plain = gpg(home, ['--pinentry-mode', 'loopback', '--passphrase', PASS, '--decrypt', file('to-alice.asc', ours as string)]);
        expect(plain).toBe('hello from revive\n');
    });

    it('marks the key revoked when our revocation certificate is imported', () => {
        const home = gpgHome();
        gpg(home, ['--import', file('alice3.pub.asc', alice.publicKeyArmored)]);
        expect(records(gpg(home, ['--with-colons', '--list-keys', alice.fingerprint]), 'pub')[0]?.[1]).not.toBe('r');
        gpg(home, ['--import', file('alice.rev.asc', alice.revocationCertificate)]);
        expect(records(gpg(home, ['--with-colons', '--list-keys', alice.fingerprint]), 'pub')[0]?.[1]).toBe('r');
    });

    it('imports a compromised-key revocation made later from the secret key', async () => {
        const { revocationCertificate } = await createRevocation(alice.secretKeyArmored, PASS, 'compromised', 'Laptop stolen');
        const home = gpgHome();
        gpg(home, ['--import', file('alice4.pub.asc', alice.publicKeyArmored), file('alice4.rev.asc', revocationCertificate)]);
        const listing = gpg(home, ['--with-colons', '--list-sigs', alice.fingerprint]);
        expect(records(listing, 'pub')[0]?.[1]).toBe('r');
        // gpg appends the reason code to the signature class: 02 = key material compromised.
        expect(records(listing, 'rev').map((r) => r[10])).toContain('20x,02');
    });
});

describe('key rotation as GnuPG sees it', () => {
    it('shows the new key certified by the old one, the old one revoked as superseded, and a statement signed by both', async () => {
        const NEW_PASS = 'violet harbour ninety lanterns';
        const rotation = await rotateKey({
            oldSecretKeyArmored: alice.secretKeyArmored,
            oldPassphrase: PASS,
            newKey: { userIds: [{ name: 'Alice Example', email: 'alice@example.org' }], passphrase: NEW_PASS },
        });
        const home = gpgHome();
        gpg(home, ['--import', file('old.pub.asc', alice.publicKeyArmored), file('new.pub.asc', rotation.newKey.publicKeyArmored)]);
        const sigs = gpg(home, ['--with-colons', '--check-sigs', rotation.newKey.fingerprint]);
        const certs = records(sigs, 'sig').filter((r) => r[4] === alice.keyId);
        expect(certs.length).toBe(1);
        expect(certs[0]?.[1]).toBe('!');

        const statement = file('statement.asc', rotation.transitionStatement);
        const verify = spawnSync('gpg', ['--homedir', home, '--batch', '--status-fd', '1', '--verify', statement], { encoding: 'utf8' });
        const good = verify.stdout.split('\n').filter((l) => l.startsWith('[GNUPG:] VALIDSIG'));
        expect(good.map((l) => l.split(' ')[2]).sort()).toEqual([alice.fingerprint, rotation.newKey.fingerprint].sort());

        gpg(home, ['--import', file('old.rev.asc', rotation.oldKeyRevocation)]);
        const old = gpg(home, ['--with-colons', '--list-sigs', alice.fingerprint]);
        expect(records(old, 'pub')[0]?.[1]).toBe('r');
        // 01 = key superseded, with our comment naming the new key.
        const rev = records(old, 'rev').find((r) => r[10] === '20x,01');
        expect(rev?.[20]).toBe(`Superseded by ${rotation.newKey.fingerprint}`);
    });
});
