/**
 * What a receipt holds: the signed record's shape, apart from receipt.ts that builds it, so that
 * the printable page (receipt-page.ts) and receipt.ts do not import each other.
 */
import type { ReportFile } from '../../native/jobs/events.js';

export interface ReceiptPhone {
    /** The recipe's name and id, and the codename; null when the job never found the phone. */
    readonly name: string | null;
    readonly recipeId: string | null;
    readonly model: string | null;
    readonly codename: string | null;
    readonly serial: string | null;
    readonly imei: string | null;
    /** Where it was plugged in (`usb:1-3.4`, `usbip:HOST:PORT/BUSID`). */
    readonly port: string | null;
}

export interface PhoneBuild {
    readonly androidVersion: string;
    readonly buildFingerprint: string;
}

/** Who can open a counter backup's archive: the shop (its age backup key) or the customer (a passphrase). */
export type BackupOpener = 'shop-key' | 'customer-passphrase';

export interface ReceiptBackupFile {
    readonly name: string;
    readonly sizeBytes: number;
    readonly sha256: string;
}

export type ReceiptBackup =
    | {
          readonly kind: 'verified';
          readonly directory: string;
          readonly files: readonly ReceiptBackupFile[];
          /** The backup as encrypted archives (`….tar.age`): the full backup's (the last of `files`; before it, internal storage copied before an unlock) with its name and SHA-256, and who can open it when the counter chose. */
          readonly archive?: ReceiptBackupFile & { readonly openedBy: BackupOpener | null };
      }
    | { readonly kind: 'declined'; readonly declinedAt: string }
    /** The job ended before its backup step. */
    | { readonly kind: 'not-made' };

export type PhoneChanged = 'unchanged' | 'changed' | 'unknown';

export interface Receipt {
    readonly format: 'revive-receipt/1';
    readonly copy: 'shop' | 'customer';
    readonly jobId: string;
    readonly job: 'upgrade';
    readonly shop: { readonly name: string; readonly keyId: string };
    readonly technician: string;
    readonly ticket: string;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly phone: ReceiptPhone;
    readonly before: PhoneBuild;
    /** The phone's system after the job; null when the job did not get there. */
    readonly after: PhoneBuild | null;
    readonly files: readonly ReportFile[];
    readonly backup: ReceiptBackup;
    readonly result: {
        readonly outcome: 'done' | 'failed' | 'cancelled';
        /** The step that failed or was stopped. */
        readonly step: string | null;
        readonly code: string | null;
        readonly message: string;
        /** What state the phone was left in. */
        readonly phoneState: string;
        /**
         * Whether this job changed the phone: `unchanged` (nothing was written to it), `changed`,
         * or `unknown` (a write began and was not verified, e.g. the cable was pulled mid-flash).
         */
        readonly phoneChanged: PhoneChanged;
    };
    readonly journal: { readonly name: string; readonly sha256: string };
    /** The technician's notes: in the shop copy only. */
    readonly notes?: string | undefined;
}
