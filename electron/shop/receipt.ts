/**
 * A receipt per job, written to the shop's receipts/ folder: the signed record (JSON) of what was done
 * to whose phone — files with their SHA-256 and where the checksum came from, the backup or the choice
 * of none, the phone's state before and after, the result, and the SHA-256 of the job's journal — in a
 * shop copy (with the technician's notes) and a customer copy (without), each also as a printable page.
 * Built from the job's journal and its final event, so a failed or cancelled job gets one too.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JobCancelledEvent, JobDoneEvent, JobFailedEvent, ReportBackup, ReportFile } from '../../native/jobs/events.js';
import { readJournal, type JournalValue } from '../../native/jobs/journal.js';
import type { PhoneIdentity } from '../../native/usb/port-identity.js';
import { receiptPage, type ReceiptLanguage } from './receipt-page.js';
import type { BackupOpener, PhoneBuild, PhoneChanged, Receipt, ReceiptBackup } from './receipt-types.js';
import { signDocument, type Shop } from './shop.js';

export type { BackupOpener, PhoneBuild, PhoneChanged, Receipt, ReceiptBackup, ReceiptPhone } from './receipt-types.js';

export type JobOutcomeEvent = JobDoneEvent | JobFailedEvent | JobCancelledEvent;

export interface ReceiptInput {
    readonly shop: Shop;
    readonly technician: string;
    readonly ticket: string;
    readonly notes?: string | undefined;
    /** The phone's recipe; undefined when the job never found the phone. */
    readonly recipe?: { readonly id: string; readonly name: string } | undefined;
    readonly port?: string | undefined;
    /** What the phone said about itself in Android (kept on its port). */
    readonly identity?: PhoneIdentity | undefined;
    readonly journalPath: string;
    readonly outcome: JobOutcomeEvent;
    readonly language?: ReceiptLanguage | undefined;
    /** Who the counter had the backup encrypted to, when it chose. */
    readonly backupOpenedBy?: BackupOpener | undefined;
}

export interface WrittenReceipt {
    readonly receipt: Receipt;
    /** Shop copy (signed JSON), customer copy (signed JSON), and their printable pages. */
    readonly shopJson: string;
    readonly customerJson: string;
    readonly shopHtml: string;
    readonly customerHtml: string;
}

function stringOf(value: JournalValue | undefined): string {
    return typeof value === 'string' ? value : '';
}

function verifiedData(entries: ReturnType<typeof readJournal>, step: string): Record<string, JournalValue> | undefined {
    let found: Record<string, JournalValue> | undefined;
    for (const entry of entries) if (entry.t === 'step' && entry.step === step && entry.status === 'verified') found ??= entry.data ?? {};
    return found;
}

/** An encrypted backup archive, as the backup engine names it (see native/backup/archive-writer.ts). */
const ARCHIVE_NAME = /\.tar\.age$/;

function backupOf(entries: ReturnType<typeof readJournal>, outcome: JobOutcomeEvent, openedBy: BackupOpener | undefined): ReceiptBackup {
    const recorded = (outcome.type === 'done' ? outcome.report.backup : (verifiedData(entries, 'backup')?.['backup'] as unknown as ReportBackup | undefined)) ?? undefined;
    if (!recorded) {
        const declined = entries.find((e) => e.t === 'note' && e.key === 'no-backup');
        return declined && declined.t === 'note' ? { kind: 'declined', declinedAt: stringOf(declined.data['declinedAt']) } : { kind: 'not-made' };
    }
    if (recorded.kind === 'declined') return { kind: 'declined', declinedAt: recorded.declinedAt };
    const files = recorded.files.map((f) => ({ name: f.name, sizeBytes: f.sizeBytes, sha256: f.sha256 }));
    // An upgrade's backup is archives only: internal storage copied before the unlock (when it was), then the full backup, last.
    const archive = files.length > 0 && files.every((f) => ARCHIVE_NAME.test(f.name)) ? files.at(-1) : undefined;
    return { kind: 'verified', directory: recorded.directory, files, ...(archive ? { archive: { ...archive, openedBy: openedBy ?? null } } : {}) };
}

/** What the journal proves the job did to the phone (see upgrade/phone-now.ts). */
function phoneChanged(outcome: JobOutcomeEvent): PhoneChanged {
    if (outcome.type === 'done' || outcome.phoneNow.changes.length > 0) return 'changed';
    return outcome.phoneNow.interrupted ? 'unknown' : 'unchanged';
}

/** The receipt's record of a finished (or failed) job; the journal must be complete (its end written). */
export async function buildReceipt(input: ReceiptInput): Promise<Receipt> {
    const journalBytes = await readFile(input.journalPath);
    const entries = readJournal(input.journalPath);
    const header = entries[0];
    const identify = verifiedData(entries, 'identify') ?? {};
    const gate = verifiedData(entries, 'gate');
    const { outcome, identity } = input;
    const files = outcome.type === 'done' ? outcome.report.files : ((gate?.['files'] as unknown as ReportFile[] | undefined) ?? []);
    const usbSerial = stringOf(identify['serial']);
    const before: PhoneBuild =
        outcome.type === 'done'
            ? outcome.report.before
            : { androidVersion: stringOf(identify['androidVersion']) || (identity?.androidVersion ?? ''), buildFingerprint: stringOf(identify['fingerprint']) || (identity?.fingerprint ?? '') };
    return {
        format: 'revive-receipt/1',
        copy: 'shop',
        jobId: outcome.jobId,
        job: 'upgrade',
        shop: { name: input.shop.name, keyId: input.shop.keyId },
        technician: input.technician,
        ticket: input.ticket,
        startedAt: header?.at ?? outcome.at,
        finishedAt: outcome.at,
        phone: {
            name: input.recipe?.name ?? null,
            recipeId: input.recipe?.id ?? null,
            model: identity?.model || null,
            codename: identity?.codename || stringOf(identify['codename']) || (input.recipe?.id ?? null),
            // The phone's own serial (read in Android); a USB serial only when it did not tell us.
            serial: identity?.serial || (usbSerial && !usbSerial.includes(':') ? usbSerial : null),
            imei: identity?.imei ?? null,
            port: input.port ?? null,
        },
        before,
        after: outcome.type === 'done' ? outcome.report.after : null,
        files: files.map((f) => ({ role: f.role, name: f.name, sizeBytes: f.sizeBytes, sha256: f.sha256, checksumSource: f.checksumSource })),
        backup: backupOf(entries, outcome, input.backupOpenedBy),
        result:
            outcome.type === 'done'
                ? { outcome: 'done', step: null, code: null, message: `The phone runs Android ${outcome.report.after.androidVersion}.`, phoneState: `The phone started its new system (${outcome.report.after.buildFingerprint}).`, phoneChanged: 'changed' }
                : outcome.type === 'failed'
                  ? { outcome: 'failed', step: outcome.step, code: outcome.error.code, message: outcome.error.message, phoneState: outcome.phoneState, phoneChanged: phoneChanged(outcome) }
                  : { outcome: 'cancelled', step: outcome.step, code: 'cancelled', message: 'The job was stopped.', phoneState: outcome.phoneState, phoneChanged: phoneChanged(outcome) },
        journal: { name: basename(input.journalPath), sha256: createHash('sha256').update(journalBytes).digest('hex') },
        ...(input.notes ? { notes: input.notes } : {}),
    };
}

/** The customer's copy: the same record without the technician's notes. */
export function customerCopy(receipt: Receipt): Receipt {
    const { notes: _notes, ...rest } = receipt;
    return { ...rest, copy: 'customer' };
}

/** File names in receipts/: the ticket first (what the shop searches by), then the job id. */
export function receiptBaseName(receipt: Receipt): string {
    const ticket = receipt.ticket.replace(/[^\w.-]+/g, '_').slice(0, 40);
    return `${ticket ? `${ticket}-` : ''}${receipt.jobId}`;
}

export async function writeReceipt(input: ReceiptInput): Promise<WrittenReceipt> {
    const receipt = await buildReceipt(input);
    const customer = customerCopy(receipt);
    await mkdir(input.shop.receiptsDir, { recursive: true });
    const base = join(input.shop.receiptsDir, receiptBaseName(receipt));
    const written: WrittenReceipt = {
        receipt,
        shopJson: `${base}.json`,
        customerJson: `${base}.customer.json`,
        shopHtml: `${base}.html`,
        customerHtml: `${base}.customer.html`,
    };
    await writeFile(written.shopJson, signDocument(input.shop, receipt));
    await writeFile(written.customerJson, signDocument(input.shop, customer));
    await writeFile(written.shopHtml, receiptPage(receipt, input.language ?? 'en'));
    await writeFile(written.customerHtml, receiptPage(customer, input.language ?? 'en'));
    return written;
}
