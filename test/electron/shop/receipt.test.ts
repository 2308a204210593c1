/**
 * The shop's folder and its receipts, from real jobs on the virtual phone: a finished upgrade and one
 * that failed, each with a signed shop copy, customer copy and printable page; verification, the
 * history search and the purge with its deletion record.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { readPhoneIdentity } from '../../../electron/phone-finding/phone-identity.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { writeReceipt, type JobOutcomeEvent, type Receipt, type WrittenReceipt } from '../../../electron/shop/receipt.js';
import { receiptPage } from '../../../electron/shop/receipt-page.js';
import { printReceiptPdf } from '../../../electron/shop/receipt-pdf.js';
import { openShop, shopBackupKeys, type Shop } from '../../../electron/shop/shop.js';
import { ageDecryptor, ageEncryptor } from '../../../native/backup/age/index.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import type { PhoneIdentity } from '../../../native/usb/port-identity.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { upgradeVirtual } from '../jobs/helpers.js';

let dir: string;
let demo: DemoPackages;
let shop: Shop;
let done: WrittenReceipt;
let failed: WrittenReceipt;
const recipe = requireRecipe('ks01ltexx');

async function identityOf(phone: VirtualPhone): Promise<PhoneIdentity> {
    const session = virtualPhoneSession(phone);
    try {
        const adb = await session.links.adb(session.locator.current()!, {});
        const identity = await readPhoneIdentity(adb);
        await adb.close();
        return identity;
    } finally {
        await session.close();
    }
}

async function jobWithReceipt(name: string, ticket: string, prepare: (phone: VirtualPhone) => void): Promise<WrittenReceipt> {
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, name), enumerationDelayMs: 20 });
    try {
        const identity = await identityOf(phone);
        prepare(phone);
        const result = await upgradeVirtual(phone, recipe, { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su }, { home: join(dir, 'home'), backupTo: join(dir, `backup-${name}`) });
        const outcome = result.events.find((e): e is JobOutcomeEvent => e.type === 'done' || e.type === 'failed' || e.type === 'cancelled');
        const journalPath = join(dir, 'home', 'jobs', `${outcome!.jobId}.jsonl`);
        return await writeReceipt({ shop, technician: 'Alex', ticket, notes: 'Screen scratched at intake.', recipe, port: `virtual:${phone.serial}`, identity, journalPath, outcome: outcome! });
    } finally {
        await phone.close();
    }
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-receipts-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 256 * 1024 });
    const created = await runCli(['shop', 'init', join(dir, 'shop'), '--name', 'Fix & Go <Berlin>']);
    expect(created.code, created.err).toBe(0);
    shop = await openShop(join(dir, 'shop'));
    done = await jobWithReceipt('ok', 'T-1001', () => undefined);
    failed = await jobWithReceipt('bad', 'T-1002', (phone) => void (phone.faults.failNext = 'sideload'));
}, 120_000);

afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('the shop folder', () => {
    it('holds a private signing key (0600) and its public key, and is never replaced', async () => {
        expect(statSync(join(dir, 'shop', 'shop-key.pem')).mode & 0o777).toBe(0o600);
        expect(await readFile(join(dir, 'shop', 'shop-key.pub.pem'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
        const again = await runCli(['shop', 'init', join(dir, 'shop'), '--name', 'Other']);
        expect(again.code).toBe(1);
        expect(again.err).toMatch(/already a shop folder/);
    });
});

describe('the shop\'s backup key', () => {
    it('is an age X25519 identity (0600) whose recipient the shop names, and the age tool opens what is encrypted to it', async () => {
        expect(statSync(shop.backupIdentityFile).mode & 0o777).toBe(0o600);
        expect(shop.backupRecipient).toMatch(/^age1[0-9a-z]{58}$/);
        expect((await readFile(join(dir, 'shop', 'shop-backup-key.pub.txt'), 'utf8')).trim()).toBe(shop.backupRecipient);
        const secret = 'a customer backup';
        const sealed = execFileSync('age', ['-e', '-r', shop.backupRecipient!], { input: secret });
        expect(execFileSync('age', ['-d', '-i', shop.backupIdentityFile], { input: sealed }).toString()).toBe(secret);
        expect((await runCli(['shop', 'init', join(dir, 'other-shop-for-keys'), '--name', 'Other'])).code).toBe(0);
        const other = await openShop(join(dir, 'other-shop-for-keys'));
        expect(other.backupRecipient).not.toBe(shop.backupRecipient);
        expect(() => execFileSync('age', ['-d', '-i', other.backupIdentityFile], { input: sealed, stdio: ['pipe', 'pipe', 'ignore'] })).toThrow();
    });

    it('gives the counter its recipient to encrypt to and its identity to read the archive back', async () => {
        const keys = await shopBackupKeys(shop);
        const encryptor = await ageEncryptor(keys.recipients);
        const sealed = Buffer.concat(await encryptor.end(Buffer.from('a counter backup')).toArray());
        expect(execFileSync('age', ['-d', '-i', shop.backupIdentityFile], { input: sealed }).toString()).toBe('a counter backup');
        const decryptor = ageDecryptor(keys.verifyWith);
        expect(Buffer.concat(await decryptor.end(sealed).toArray()).toString()).toBe('a counter backup');
        const older = { ...shop, backupRecipient: undefined };
        await expect(shopBackupKeys(older)).rejects.toMatchObject({ code: 'shop-no-backup-key' });
    });
});

describe('receipts', () => {
    it('records a finished job: phone, states, files with checksum origin, backup, journal hash', async () => {
        const r = done.receipt;
        expect(r).toMatchObject({ ticket: 'T-1001', technician: 'Alex', shop: { name: 'Fix & Go <Berlin>', keyId: shop.keyId }, result: { outcome: 'done' } });
        expect(r.phone).toMatchObject({ model: 'GT-I9506', codename: 'ks01ltexx', imei: expect.stringMatching(/^\d{15}$/), serial: expect.stringMatching(/^4d00/) });
        expect(r.before.androidVersion).not.toBe('');
        expect(r.after).toMatchObject({ androidVersion: '8.1.0' });
        expect(r.files.map((f) => f.role)).toEqual(['recovery', 'rom', 'gapps', 'su']);
        expect(r.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && ['recipe', 'sidecar', 'typed'].includes(f.checksumSource))).toBe(true);
        expect(r.backup.kind).toBe('verified');
        expect(r.journal.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(r.notes).toBe('Screen scratched at intake.');
        const html = await readFile(done.shopHtml, 'utf8');
        expect(html).toContain('Fix &amp; Go &lt;Berlin&gt;');
        expect(html).toContain('Screen scratched at intake.');
        expect(html).toContain(r.files[1]!.sha256);
    });

    it('records a failed job: what failed and what state the phone was left in', () => {
        const r = failed.receipt;
        expect(r.result).toMatchObject({ outcome: 'failed', step: 'install:rom', code: expect.any(String), phoneState: expect.stringMatching(/TWRP|erased/), phoneChanged: 'changed' });
        expect(r.after).toBeNull();
        expect(r.backup.kind).toBe('verified');
        expect(r.files).toHaveLength(4);
    });

    it('gives the customer a copy without the technician\'s notes', async () => {
        const customer = JSON.parse(await readFile(done.customerJson, 'utf8')) as { document: Record<string, unknown> };
        expect(customer.document['copy']).toBe('customer');
        expect(customer.document['notes']).toBeUndefined();
        expect(await readFile(done.customerHtml, 'utf8')).not.toContain('Screen scratched');
    });

    it('verifies only untampered receipts signed by that shop', async () => {
        for (const file of [done.shopJson, done.customerJson, failed.shopJson]) {
            const ok = await runCli(['receipt', 'verify', file, '--shop', join(dir, 'shop')]);
            expect(ok.code, ok.err).toBe(0);
            expect(ok.out).toMatch(/^VALID/);
        }
        expect((await runCli(['receipt', 'verify', done.shopJson, '--key', join(dir, 'shop', 'shop-key.pub.pem')])).code).toBe(0);
        const bytes = await readFile(done.shopJson);
        for (const at of [10, Math.floor(bytes.length / 2), bytes.length - 1]) {
            const flipped = Buffer.from(bytes);
            flipped[at] = flipped[at]! ^ 0x01;
            await writeFile(join(dir, 'tampered.json'), flipped);
            const bad = await runCli(['receipt', 'verify', join(dir, 'tampered.json'), '--shop', join(dir, 'shop')]);
            expect(bad.code).toBe(1);
            expect(bad.err).toMatch(/NOT VALID/);
        }
        expect((await runCli(['shop', 'init', join(dir, 'other-shop'), '--name', 'Other'])).code).toBe(0);
        const other = await runCli(['receipt', 'verify', done.shopJson, '--shop', join(dir, 'other-shop')]);
        expect(other.code).toBe(1);
        expect(other.err).toMatch(/another key/);
        expect((await runCli(['receipt', 'verify', done.shopJson])).code).toBe(2);
    });

    it('names an encrypted backup archive, its SHA-256 and who can open it on the page', () => {
        const archive = { name: 'ks01ltexx-4d00-20261129.tar.age', sizeBytes: 3 * 1024 * 1024, sha256: 'ab'.repeat(32) };
        const receipt: Receipt = { ...done.receipt, backup: { kind: 'verified', directory: '/backups/T-1001', files: [archive], archive: { ...archive, openedBy: 'customer-passphrase' } } };
        const english = receiptPage(receipt, 'en');
        expect(english).toContain(archive.name);
        expect(english).toContain(archive.sha256);
        expect(english).toMatch(/opens only with the customer&#39;s passphrase/);
        const forShop: Receipt = { ...receipt, backup: { kind: 'verified', directory: '/backups/T-1001', files: [archive], archive: { ...archive, openedBy: 'shop-key' } } };
        expect(receiptPage(forShop, 'de')).toMatch(/nur mit dem Sicherungsschlüssel der Werkstatt/);
    });

    it('prints a receipt page to PDF with Chromium', async () => {
        const pdf = done.customerHtml.replace(/\.html$/, '.pdf');
        await printReceiptPdf(done.customerHtml, pdf);
        expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }, 120_000);
});

describe('history and purge', () => {
    it('finds jobs by ticket, serial, IMEI and date', async () => {
        const shopDir = join(dir, 'shop');
        const byTicket = await runCli(['history', '--shop', shopDir, '--ticket', 'T-1002', '--json']);
        expect(byTicket.out.trim().split('\n').map((l) => (JSON.parse(l) as { ticket: string }).ticket)).toEqual(['T-1002']);
        const bySerial = await runCli(['history', '--shop', shopDir, '--serial', done.receipt.phone.serial!, '--json']);
        expect(bySerial.out.trim().split('\n')).toHaveLength(1);
        const byImei = await runCli(['history', '--shop', shopDir, '--imei', failed.receipt.phone.imei!]);
        expect(byImei.out).toMatch(/T-1002/);
        expect(byImei.out).not.toMatch(/T-1001/);
        const today = new Date().toISOString().slice(0, 10);
        expect((await runCli(['history', '--shop', shopDir, '--from', today, '--to', today, '--json'])).out.trim().split('\n')).toHaveLength(2);
        expect((await runCli(['history', '--shop', shopDir, '--to', '2000-01-01'])).out).toMatch(/No jobs match/);
        expect((await runCli(['history', '--shop', shopDir, '--from', 'yesterday'])).code).toBe(1);
    });

    it('deletes old backups and journals, keeps receipts, and signs a deletion record', async () => {
        const backup = done.receipt.backup.kind === 'verified' ? done.receipt.backup.directory : '';
        const journal = join(dir, 'home', 'jobs', done.receipt.journal.name);
        expect(existsSync(backup) && existsSync(journal)).toBe(true);
        const kept = await runCli(['shop', 'purge', '--shop', join(dir, 'shop'), '--older-than', '30', '--home', join(dir, 'home')]);
        expect(kept.out).toMatch(/^0 item/m);
        expect(existsSync(backup)).toBe(true);
        const purged = await runCli(['shop', 'purge', '--shop', join(dir, 'shop'), '--older-than', '0', '--home', join(dir, 'home')]);
        expect(purged.code, purged.err).toBe(0);
        expect(existsSync(backup) || existsSync(journal)).toBe(false);
        expect(existsSync(done.shopJson)).toBe(true);
        const record = /deletion record is (\S+)/.exec(purged.out)?.[1];
        expect(record).toBeDefined();
        const verified = await runCli(['receipt', 'verify', record!, '--shop', join(dir, 'shop')]);
        expect(verified.code, verified.err).toBe(0);
        const text = JSON.parse(await readFile(record!, 'utf8')) as { document: { deleted: Array<{ what: string; ticket: string }> } };
        expect(text.document.deleted).toEqual(expect.arrayContaining([expect.objectContaining({ what: 'backup', ticket: 'T-1001' }), expect.objectContaining({ what: 'journal', ticket: 'T-1002' })]));
    });
});
