/**
 * When a backup archive was last verified, and what it held: a small record in the app's data
 * folder (`$REVIVE_HOME/backup-checks/`), written when a verify succeeds — `revive backup verify`,
 * the app's verify, and the read-back a backup ends with. The record names the archive by its full
 * path and holds its size and modification time: an archive changed since (or replaced by another
 * file of the same name) has no last verification until it is verified again.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { appHome } from '../jobs/journal.js';
import { writePrivateFile } from '../jobs/private-files.js';
import type { VerifiedArchive } from './verify.js';

export const CheckRecordSchema = z.object({
    path: z.string(),
    sizeBytes: z.number().int().nonnegative(),
    mtimeMs: z.number(),
    verifiedAt: z.string(),
    parts: z.number().int().nonnegative(),
    /** The raw state partitions it holds (`efs`, `modemst1`…), so a restore can offer them without the passphrase; absent in older records. */
    rawState: z.array(z.string()).optional(),
    /** The phone the manifest names; null for a hand-made archive (a TWRP folder without our manifest). */
    device: z.object({ codename: z.string(), model: z.string(), serial: z.string(), fingerprint: z.string(), createdAt: z.string() }).nullable(),
});
export type CheckRecord = z.infer<typeof CheckRecordSchema>;

export function checkRecordsDir(home: string = appHome()): string {
    return join(home, 'backup-checks');
}

function recordPath(archive: string, home: string): string {
    return join(checkRecordsDir(home), `${createHash('sha256').update(resolve(archive)).digest('hex').slice(0, 32)}.json`);
}

/** Note that `archive` was just verified; returns the record. */
export async function recordVerified(archive: string, verified: VerifiedArchive, home: string = appHome(), at: Date = new Date()): Promise<CheckRecord> {
    const info = await stat(archive);
    const device = verified.device;
    const record: CheckRecord = {
        path: resolve(archive),
        sizeBytes: info.size,
        mtimeMs: info.mtimeMs,
        verifiedAt: at.toISOString(),
        parts: verified.parts.length,
        rawState: verified.parts.filter((p) => p.kind === 'raw').map((p) => p.name.replace(/\.emmc\.win$/, '')),
        device: device ? { codename: device.device.codename, model: device.device.model, serial: device.device.serial, fingerprint: device.device.fingerprint, createdAt: device.createdAt } : null,
    };
    await writePrivateFile(recordPath(archive, home), `${JSON.stringify(record, null, 2)}\n`);
    return record;
}

/** The last verification of `archive` as it is now; undefined when never verified or changed since. */
export async function lastCheck(archive: string, home: string = appHome()): Promise<CheckRecord | undefined> {
    let text: string;
    try {
        text = await readFile(recordPath(archive, home), 'utf8');
    } catch {
        return undefined;
    }
    let parsed;
    try {
        parsed = CheckRecordSchema.safeParse(JSON.parse(text));
    } catch {
        return undefined;
    }
    if (!parsed.success || parsed.data.path !== resolve(archive)) return undefined;
    const info = await stat(archive).catch(() => undefined);
    if (!info || info.size !== parsed.data.sizeBytes || info.mtimeMs !== parsed.data.mtimeMs) return undefined;
    return parsed.data;
}

/** The archive is gone: so is its record. */
export async function forgetCheck(archive: string, home: string = appHome()): Promise<void> {
    await rm(recordPath(archive, home), { force: true });
}
