/**
 * Backups taken at the counter are encrypted: to the shop's age backup key by default, or to the
 * customer's passphrase (--passphrase-file). The receipt names the archive and its SHA-256, and who
 * can open it; Debian's `age` opens it with the shop's identity, and nothing else does.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Receipt } from '../../../electron/shop/receipt.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { runCli } from '../../support/run-cli.js';
import { upgradeBench } from '../jobs/helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-counter-backup-', romBytes: 64 * 1024 });

beforeAll(async () => {
    expect((await runCli(['shop', 'init', join(bench.dir, 'shop'), '--name', 'Counter Backups'])).code).toBe(0);
}, 120_000);

async function counterUpgrade(ticket: string, extra: string[]): Promise<Receipt> {
    const device = 'virtual:ks01ltexx';
    const run = await runCli(['upgrade', '--device', device, '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--shop', join(bench.dir, 'shop'), '--ticket', `${device}=${ticket}`, '--backup-to', join(bench.dir, 'backups'), '--yes', '--json', '--home', bench.home, ...extra]);
    expect(run.code, `${run.out.slice(-2000)}\n${run.err}`).toBe(0);
    const summary = run.out.trim().split('\n').map((line) => JSON.parse(line) as { type?: string; lanes?: Array<{ receipt: string }> }).find((l) => l.type === 'summary');
    const file = summary?.lanes?.[0]?.receipt;
    expect((await runCli(['receipt', 'verify', file!, '--shop', join(bench.dir, 'shop')])).code).toBe(0);
    return (JSON.parse(readFileSync(file!, 'utf8')) as { document: Receipt }).document;
}

function archiveOf(receipt: Receipt): { path: string; name: string; sha256: string; openedBy: string | null } {
    expect(receipt.backup.kind).toBe('verified');
    const backup = receipt.backup.kind === 'verified' ? receipt.backup : undefined;
    const archive = backup?.archive;
    expect(archive?.name).toMatch(/\.tar\.age$/);
    const path = join(backup!.directory, archive!.name);
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(archive!.sha256);
    return { path, name: archive!.name, sha256: archive!.sha256, openedBy: archive!.openedBy };
}

describe('backups at the counter', () => {
    it("are encrypted to the shop's backup key, which alone opens them", async () => {
        const archive = archiveOf(await counterUpgrade('T-1', []));
        expect(archive.openedBy).toBe('shop-key');
        const listing = execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar t', 'sh', join(bench.dir, 'shop', 'shop-backup-key.txt'), archive.path]).toString();
        expect(listing).toMatch(/manifest/);
        expect((await runCli(['shop', 'init', join(bench.dir, 'other'), '--name', 'Other'])).code).toBe(0);
        expect(() => execFileSync('age', ['-d', '-i', join(bench.dir, 'other', 'shop-backup-key.txt'), archive.path], { stdio: ['ignore', 'pipe', 'ignore'] })).toThrow();
    }, 300_000);

    it("are encrypted to the customer's passphrase when one is given", async () => {
        const passphrase = join(bench.dir, 'customer-passphrase.txt');
        await writeFile(passphrase, 'correct horse battery staple counter\n');
        const archive = archiveOf(await counterUpgrade('T-2', ['--passphrase-file', passphrase]));
        expect(archive.openedBy).toBe('customer-passphrase');
        expect(() => execFileSync('age', ['-d', '-i', join(bench.dir, 'shop', 'shop-backup-key.txt'), archive.path], { stdio: ['ignore', 'pipe', 'ignore'] })).toThrow();
        const verified = await runCli(['backup', 'verify', archive.path, '--passphrase-file', passphrase]);
        expect(verified.code, verified.err).toBe(0);
    }, 300_000);
});
