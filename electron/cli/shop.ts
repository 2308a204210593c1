/** `revive shop init|purge`, `revive receipt verify|pdf`, `revive history`: the repair shop's records. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLimitedFile, unreadableAs } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { appHome } from '../../native/jobs/journal.js';
import { checkDay, listReceipts, purgeOldJobs, searchHistory, type DeletionRecord } from '../shop/records.js';
import type { Receipt } from '../shop/receipt.js';
import { printReceiptPdf } from '../shop/receipt-pdf.js';
import { BACKUP_RECIPIENT_FILE, initShop, openShop, PUBLIC_KEY_FILE, readPublicKey, verifyDocument } from '../shop/shop.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';

async function init(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], options: { name: { type: 'string' } }, allowPositionals: true, strict: true });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new CliUsageError('Give one folder for the shop: revive shop init DIR --name "Shop name".');
    if (!values.name) throw new CliUsageError('--name "Shop name" is required (it is printed on every receipt).');
    const shop = await initShop(dir, values.name);
    io.out(
        `Shop "${shop.name}" created in ${dir}.\n  Signing key (keep it private, 0600): ${join(dir, 'shop-key.pem')}\n  Public key (give it to whoever checks receipts): ${join(dir, PUBLIC_KEY_FILE)}\n  Key id: ${shop.keyId}\n` +
            `  Backup key (age identity, keep it private, 0600; it opens the counter's backups): ${shop.backupIdentityFile}\n  Backup recipient: ${shop.backupRecipient ?? ''} (${join(dir, BACKUP_RECIPIENT_FILE)})\n`,
    );
    return 0;
}

async function purge(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({ args: [...args], options: { shop: { type: 'string' }, 'older-than': { type: 'string' }, home: { type: 'string' } }, strict: true });
    if (!values.shop) throw new CliUsageError('--shop DIR is required.');
    const days = Number(values['older-than']);
    if (values['older-than'] === undefined || !/^\d+$/.test(values['older-than']) || !Number.isSafeInteger(days)) throw new CliUsageError('--older-than takes a whole number of days, e.g. --older-than 30.');
    const shop = await openShop(values.shop);
    const { record, file } = await purgeOldJobs(shop, days, values.home ?? appHome());
    for (const item of record.deleted) io.out(`deleted ${item.what} of ticket ${item.ticket || '-'} (job ${item.jobId}): ${item.path}\n`);
    io.out(`${record.deleted.length} item(s) deleted; the signed deletion record is ${file}\n`);
    return 0;
}

/** A receipt is a few KiB of signed JSON; a larger file is not one (and is not read into memory). */
const RECEIPT_MAX_BYTES = 1024 * 1024;

async function verifyReceipt(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({ args: [...args], options: { shop: { type: 'string' }, key: { type: 'string' } }, allowPositionals: true, strict: true });
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliUsageError('Give one receipt file: revive receipt verify FILE --shop DIR | --key PUB.');
    if (Boolean(values.shop) === Boolean(values.key)) throw new CliUsageError("Give the shop whose signature to check: --shop DIR or --key shop-key.pub.pem (one of them).");
    const key = await readPublicKey(values.key ?? join(values.shop ?? '', PUBLIC_KEY_FILE));
    const bytes = await unreadableAs(readLimitedFile(file, { what: 'receipt', maxBytes: RECEIPT_MAX_BYTES }), (cause) => ReviveError.of('receipt-missing', { file }, { cause }));
    const outcome = verifyDocument<Receipt | DeletionRecord>(Buffer.from(bytes), key);
    if (!outcome.ok) {
        io.err(`NOT VALID: ${file}: ${outcome.reason}\n`);
        return 1;
    }
    const r = outcome.document;
    if (r.format === 'revive-deletion/1') {
        io.out(`VALID: deletion record signed by ${r.shop.name} (key ${r.shop.keyId}): ${r.deleted.length} item(s) deleted on ${r.at}.\n`);
        return 0;
    }
    io.out(`VALID: signed by ${r.shop.name} (key ${r.shop.keyId}). Ticket ${r.ticket || '-'}, ${r.phone.name ?? 'phone not found'}${r.phone.serial ? ` ${r.phone.serial}` : ''}: ${r.result.outcome}, ${r.finishedAt}.\n`);
    return 0;
}

async function pdf(args: readonly string[], io: CliIo): Promise<number> {
    const { positionals } = parseArgs({ args: [...args], options: {}, allowPositionals: true, strict: true });
    if (positionals.length === 0 || positionals.some((p) => !p.endsWith('.html'))) throw new CliUsageError('Give receipt pages (.html) to print: revive receipt pdf FILE.html…');
    for (const html of positionals) {
        const out = `${html.slice(0, -'.html'.length)}.pdf`;
        await printReceiptPdf(html, out);
        io.out(`${out}\n`);
    }
    return 0;
}

async function history(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
        args: [...args],
        options: { shop: { type: 'string' }, ticket: { type: 'string' }, serial: { type: 'string' }, imei: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean', default: false } },
        strict: true,
    });
    if (!values.shop) throw new CliUsageError('--shop DIR is required.');
    checkDay(values.from, '--from');
    checkDay(values.to, '--to');
    const found = searchHistory(await listReceipts(await openShop(values.shop)), values);
    if (values.json) {
        for (const { file, receipt } of found) io.out(`${JSON.stringify({ file, ...receipt })}\n`);
        return 0;
    }
    if (found.length === 0) {
        io.out('No jobs match.\n');
        return 0;
    }
    const rows = found.map(({ file, receipt: r }) => [r.startedAt.slice(0, 16).replace('T', ' '), r.ticket || '-', r.phone.name ?? '-', r.phone.serial ?? '-', r.phone.imei ?? '-', r.result.outcome, r.technician || '-', file]);
    const head = ['STARTED (UTC)', 'TICKET', 'PHONE', 'SERIAL', 'IMEI', 'RESULT', 'TECHNICIAN', 'RECEIPT'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    for (const line of [head, ...rows]) io.out(`${line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
    return 0;
}

export const commands: readonly CliCommand[] = [
    { name: 'shop init', usage: 'revive shop init DIR --name "Shop name"', run: init },
    {
        name: 'shop purge',
       
        usage: 'revive shop purge --shop DIR --older-than DAYS [--home DIR]\n  Receipts stay; backups and job journals of jobs finished more than DAYS ago are deleted.',
        run: purge,
    },
    { name: 'receipt verify', usage: 'revive receipt verify FILE (--shop DIR | --key shop-key.pub.pem)\nExit status 0 only for an untampered receipt or deletion record signed by that shop.', run: verifyReceipt },
    { name: 'receipt pdf', usage: 'revive receipt pdf FILE.html…', run: pdf },
    {
        name: 'history',
       
        usage: 'revive history --shop DIR [--ticket T] [--serial S] [--imei N] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]',
        run: history,
    },
];
