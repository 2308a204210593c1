/**
 * Every file a person names on the command line for the panels and the shop — OpenPGP keys, a
 * WireGuard profile, AFWall+ rules, an app list, a receipt and the shop's public key — is read only
 * when it is a regular file of a size such a file has: a link to /dev/zero, a FIFO or a sparse
 * 10 GiB file is refused at once, by name, before anything is sent to a phone.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startFastbootTcpEndpoint } from '../../../native/virtual/tcp/fastboot-endpoint.js';
import { bootloaderPhone } from '../../native/fastboot/phones.js';
import { makeSpecialFile, REFUSED_AS, SPECIAL_FILES } from '../../support/special-files.js';
import { runCli } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-named-files-');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const execFileP = promisify(execFile);
let publicKey: string;
let passphrase: string;

beforeAll(() => {
    publicKey = join(temp.dir, 'shop-key.pub.pem');
    writeFileSync(publicKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    passphrase = join(temp.dir, 'pass.txt');
    writeFileSync(passphrase, 'orchard violin seventy lanterns\n');
});
/** The command line with the special file in its place. */
const COMMANDS: ReadonlyArray<readonly [string, (file: string) => string[]]> = [
    ['keys push KEY.pub.asc', (file) => ['keys', 'push', file, '--virtual', 'ks01ltexx']],
    ['keys revoke --key', (file) => ['keys', 'revoke', '--key', file, '--reason', 'superseded', '--passphrase-file', passphrase, '--out', temp.dir]],
    ['keys rotate --old-key', (file) => ['keys', 'rotate', '--old-key', file, '--old-passphrase-file', passphrase, '--uid', 'A <a@example.org>', '--passphrase-file', passphrase, '--out', temp.dir]],
    ['vpn qr', (file) => ['vpn', 'qr', file]],
    ['vpn push', (file) => ['vpn', 'push', file, '--virtual', 'ks01ltexx']],
    ['firewall push', (file) => ['firewall', 'push', file, '--virtual', 'ks01ltexx']],
    ['firewall create --packages', (file) => ['firewall', 'create', '--allow', 'org.fdroid.fdroid', '--packages', file, '--out', temp.dir]],
    ['receipt verify FILE', (file) => ['receipt', 'verify', file, '--key', publicKey]],
    ['receipt verify --key', (file) => ['receipt', 'verify', join(temp.dir, 'receipt.json'), '--key', file]],
];

describe.each(COMMANDS)('revive %s', (name, argsWith) => {
    it.each(SPECIAL_FILES)('refuses a file that is %s, naming it', async (kind) => {
        const file = makeSpecialFile(kind, join(temp.dir, `${name.replace(/\W+/g, '-')}-${kind}`));
        const run = await runCli(argsWith(file));
        expect(run.code, run.out).toBe(1);
        expect(run.err).toContain(file);
        expect(run.err).toMatch(REFUSED_AS[kind]);
    });
});

/**
 * `revive fastboot flash` reads the head of the image it is given synchronously, before the phone
 * answers: a FIFO waited for there would hold the whole process, deaf to Ctrl-C. In a process of
 * its own, so that such a wait fails this test instead of holding the test run.
 */
describe('revive fastboot flash PARTITION FILE', () => {
    it.each(['zero', 'fifo'] as const)('refuses an image that is %s, naming it, before anything is sent', async (kind) => {
        const phone = await bootloaderPhone('shamu');
        const endpoint = await startFastbootTcpEndpoint(phone, 0);
        try {
            const file = makeSpecialFile(kind, join(temp.dir, `fastboot-flash-${kind}`));
            const run = await execFileP(process.execPath, ['bin/revive.js', 'fastboot', 'flash', 'boot', file, '-s', `tcp:127.0.0.1:${endpoint.port}`], { cwd: ROOT, timeout: 60_000, env: process.env }).then(
                () => ({ code: 0, err: '' }),
                (error: { code?: number | string; killed?: boolean; stderr?: string }) => ({ code: error.killed ? 'killed' : error.code, err: error.stderr ?? '' }),
            );
            expect(run.code, run.err).toBe(1);
            expect(run.err).toContain(file);
            expect(run.err).toMatch(REFUSED_AS[kind]);
            expect(phone.partitions.writeCount('boot')).toBe(0);
        } finally {
            await endpoint.close();
            await phone.close();
        }
    });
});
