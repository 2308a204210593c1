/**
 * What a shop keeps and for how long: its job history (searchable by ticket, serial, IMEI and date,
 * from the shop copies of its receipts) and the purge of old customer data — backups and journals —
 * with a signed deletion record. Receipts stay: they are the shop's record of the work.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviveError } from '../../native/jobs/errors.js';
import { jobsDir } from '../../native/jobs/journal.js';
import type { Receipt } from './receipt.js';
import { signDocument, type Shop, type SignedDocument } from './shop.js';

export interface StoredReceipt {
    readonly file: string;
    readonly receipt: Receipt;
}

/** The shop copies in receipts/, oldest first. */
export async function listReceipts(shop: Shop): Promise<StoredReceipt[]> {
    if (!existsSync(shop.receiptsDir)) return [];
    const names = (await readdir(shop.receiptsDir)).filter((n) => n.endsWith('.json') && !n.endsWith('.customer.json'));
    const out: StoredReceipt[] = [];
    for (const name of names) {
        const file = join(shop.receiptsDir, name);
        try {
            const signed = JSON.parse(await readFile(file, 'utf8')) as SignedDocument<Receipt>;
            if (signed.document?.format === 'revive-receipt/1') out.push({ file, receipt: signed.document });
        } catch {
            // Not a receipt (or damaged): `revive receipt verify` is the place to find out which.
        }
    }
    return out.sort((a, b) => a.receipt.startedAt.localeCompare(b.receipt.startedAt));
}

export interface HistoryQuery {
    readonly ticket?: string | undefined;
    readonly serial?: string | undefined;
    readonly imei?: string | undefined;
    /** Jobs started on or after this day (YYYY-MM-DD) … */
    readonly from?: string | undefined;
    /** … and on or before this day. */
    readonly to?: string | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function checkDay(text: string | undefined, flag: string): void {
    if (text !== undefined && (!DAY.test(text) || Number.isNaN(Date.parse(text)))) {
        throw ReviveError.of('date-invalid', { flag, text });
    }
}

export function searchHistory(receipts: readonly StoredReceipt[], query: HistoryQuery): StoredReceipt[] {
    const same = (a: string | null, b: string | undefined): boolean => b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
    return receipts.filter(({ receipt }) => {
        const day = receipt.startedAt.slice(0, 10);
        return (
            same(receipt.ticket, query.ticket) &&
            same(receipt.phone.serial, query.serial) &&
            same(receipt.phone.imei, query.imei) &&
            (query.from === undefined || day >= query.from) &&
            (query.to === undefined || day <= query.to)
        );
    });
}

export interface DeletedItem {
    readonly jobId: string;
    readonly ticket: string;
    readonly what: 'backup' | 'journal';
    readonly path: string;
}

export interface DeletionRecord {
    readonly format: 'revive-deletion/1';
    readonly shop: { readonly name: string; readonly keyId: string };
    readonly at: string;
    readonly olderThanDays: number;
    readonly deleted: readonly DeletedItem[];
}

/**
 * Delete the backups and journals of jobs that finished more than `days` ago, and write a signed
 * record of what was deleted to deletions/. Returns the record and where it is.
 */
export async function purgeOldJobs(shop: Shop, days: number, home: string, now: Date = new Date()): Promise<{ record: DeletionRecord; file: string }> {
    if (!Number.isFinite(days) || days < 0) throw ReviveError.of('days-invalid', { days: String(days) });
    const cutoff = now.getTime() - days * 86_400_000;
    const deleted: DeletedItem[] = [];
    for (const { receipt } of await listReceipts(shop)) {
        if (Date.parse(receipt.finishedAt) >= cutoff) continue;
        const candidates: Array<{ what: DeletedItem['what']; path: string }> = [{ what: 'journal', path: join(jobsDir(home), receipt.journal.name) }];
        if (receipt.backup.kind === 'verified') candidates.push({ what: 'backup', path: receipt.backup.directory });
        for (const { what, path } of candidates) {
            if (!existsSync(path)) continue;
            await rm(path, { recursive: true, force: true });
            deleted.push({ jobId: receipt.jobId, ticket: receipt.ticket, what, path });
        }
    }
    const record: DeletionRecord = { format: 'revive-deletion/1', shop: { name: shop.name, keyId: shop.keyId }, at: now.toISOString(), olderThanDays: days, deleted };
    await mkdir(shop.deletionsDir, { recursive: true });
    const file = join(shop.deletionsDir, `deletion-${record.at.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, signDocument(shop, record));
    return { record, file };
}
