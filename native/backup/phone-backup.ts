/**
 * The backup engine's device side: with the phone in TWRP, make TWRP's backup of the chosen
 * partitions, stream every file of its folder, the raw state partitions (EFS, persist, modem) and
 * internal storage (/data/media/0, which TWRP's data backup leaves out) into one archive, check
 * every TWRP image against TWRP's own .sha2 and every raw partition against the phone's sha256sum,
 * read the finished archive back once to verify it, and remove TWRP's copy from the phone so the
 * phone is left as it was. UI-independent: progress, log and cancel through the JobContext.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import type { AdbPhone } from '../adb/phone.js';
import { shellCommand } from '../adb/shell-words.js';
import { TWRP_BACKUP_ROOT, Twrp } from '../adb/twrp.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import type { Recipe } from '../manifests/schema.js';
import type { AgeIdentity, AgeRecipient } from './age/index.js';
import { archiveFileName, BackupArchiveWriter, type FinishedArchive } from './archive-writer.js';
import type { DeviceFacts, Part } from './manifest.js';
import { listTree, readPhoneFile, withSync } from './phone-files.js';
import { isTwrpImage, parseTwrpDigest } from './twrp-folder.js';
import { verifyArchive } from './verify.js';
import { recordVerified } from './check-record.js';
import { WholeBackupProgress } from './whole-progress.js';

/** TWRP's command-line letters for the partitions it backs up as such. */
export const TWRP_LETTER: Readonly<Record<string, string>> = { system: 'S', data: 'D', cache: 'C', recovery: 'R', boot: 'B' };
export const DEFAULT_TWRP_PARTS = ['boot', 'system', 'data'] as const;
/** State partitions with no TWRP letter that nothing can give back: copied raw from the block device. */
export const RAW_STATE_PARTS: ReadonlySet<string> = new Set(['efs', 'persist', 'modemst1', 'modemst2', 'fsg']);
export const BLOCK_DIRS = ['/dev/block/bootdevice/by-name', '/dev/block/platform/msm_sdcc.1/by-name'] as const;
export const STORAGE_ROOT = '/data/media/0';

export interface BackupOptions {
    /** The folder the archive goes to (created 0700, or tightened to 0700). */
    readonly folder: string;
    /** The archive's file name (ending .tar.age); default `<codename>-<serial>-<time>.tar.age`. */
    readonly fileName?: string | undefined;
    /** Who can open the archive: X25519 recipients (a shop) or one scrypt passphrase (a person). Never journalled. */
    readonly recipients: readonly AgeRecipient[];
    /** To read the finished archive back (verify): the identity or passphrase matching `recipients`; undefined skips it (a shop encrypting to a key it does not hold). */
    readonly verifyWith?: readonly AgeIdentity[] | undefined;
    /** TWRP names to back up; default boot, system, data (those the recipe has). */
    readonly parts?: readonly string[] | undefined;
    /** Internal storage (/data/media/0) into the archive too (default true). */
    readonly storage?: boolean | undefined;
    /** The app data folder where the read-back is recorded as the archive's last verification (check-record.ts); unset: not recorded. */
    readonly recordIn?: string | undefined;
    /** Told of each part once it is in the archive. */
    readonly onPart?: ((part: Part) => void) | undefined;
}

export interface BackupResult extends FinishedArchive {
    readonly twrpFolder: string;
}

export function needsTwrp(phone: AdbPhone): ReviveError {
    return phone.state === 'device' ? ReviveError.of('backup-needs-twrp', { variant: 'android' }) : ReviveError.of('backup-needs-twrp', { variant: 'other', state: phone.state });
}

/** The phone's facts for the manifest, asked of TWRP. */
export async function deviceFacts(phone: AdbPhone, recipe: Recipe): Promise<DeviceFacts> {
    const props = await phone.getProperties();
    const identity = await phone.identity();
    const crypto = props.get('ro.crypto.state');
    return {
        codename: identity.device || (recipe.codenames[0] ?? recipe.id),
        model: identity.model,
        serial: identity.serial,
        fingerprint: identity.fingerprint,
        androidVersion: identity.androidVersion,
        twrpVersion: props.get('ro.twrp.version') ?? null,
        dataEncrypted: crypto === 'encrypted' ? true : crypto === 'unencrypted' ? false : null,
        partitions: recipe.partitions.map((p) => ({ name: p.name, twrpName: p.twrpName ?? null, filesystem: p.filesystem })),
    };
}

/**
 * The block device of a partition by name, or undefined when none is there: by-name links are
 * lowercase on Qualcomm phones whatever the PIT calls the partition (EFS → efs). `exists` asks the
 * phone whether a path is there (the CLI's adb phone and the upgrade's adb link both can).
 */
export async function findBlockDevice(partition: string, exists: (path: string) => Promise<boolean>): Promise<string | undefined> {
    for (const dir of BLOCK_DIRS) {
        for (const name of new Set([partition.toLowerCase(), partition])) {
            const path = `${dir}/${name}`;
            if (/^[\w./-]+$/.test(path) && (await exists(path))) return path;
        }
    }
    return undefined;
}

/** A state partition the recipe names, found on the phone: its block device and size (0 when the device reports none). */
interface RawStatePart {
    readonly partition: string;
    readonly twrpName: string;
    readonly device: string;
    readonly sizeBytes: number;
}

/** The recipe's raw state partitions the phone has (with their sizes where it tells them), and the names of those it has not. */
async function rawStateParts(phone: AdbPhone, recipe: Recipe): Promise<{ found: RawStatePart[]; missing: string[] }> {
    // A by-name link's own size is its target's name; the block device's size comes from blockdev.
    const sizeOf = async (device: string): Promise<number> => {
        const answer = await phone.shell(shellCommand('blockdev', '--getsize64', device));
        const bytes = Number(answer.stdout.trim());
        return answer.exitCode === 0 && Number.isSafeInteger(bytes) && bytes > 0 ? bytes : 0;
    };
    const found: RawStatePart[] = [];
    const missing: string[] = [];
    for (const part of recipe.partitions) {
        if (part.twrpName === undefined || !RAW_STATE_PARTS.has(part.twrpName)) continue;
        const device = await findBlockDevice(part.name, async (path) => {
            const answer = await phone.shell(shellCommand('ls', path));
            return answer.exitCode === 0 && answer.stdout.includes(posix.basename(path));
        });
        if (device) found.push({ partition: part.name, twrpName: part.twrpName, device, sizeBytes: await sizeOf(device) });
        else missing.push(part.name);
    }
    return { found, missing };
}

export async function backupPhone(phone: AdbPhone, recipe: Recipe, options: BackupOptions, ctx: JobContext = {}): Promise<BackupResult> {
    if (phone.state !== 'recovery') throw needsTwrp(phone);
    const twrp = new Twrp(phone);
    const facts = await deviceFacts(phone, recipe);
    const wanted = options.parts ?? DEFAULT_TWRP_PARTS;
    const available = recipe.partitions.map((p) => p.twrpName).filter((n): n is string => n !== undefined && TWRP_LETTER[n] !== undefined);
    const unknown = wanted.filter((n) => !available.includes(n));
    if (unknown.length > 0) throw ReviveError.of('backup-unknown-part', { partitions: unknown.join(', '), available: available.join(', ') });
    const letters = wanted.map((n) => TWRP_LETTER[n]).join('');
    const name = `revive-${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}`;
    ctx.onLog?.(`TWRP backs up ${wanted.join(', ')} as ${name}.`);
    await twrp.backup(letters, name, ctx);
    const remoteDir = `${TWRP_BACKUP_ROOT}/${facts.serial}/${name}`;
    const tmp = await mkdtemp(join(tmpdir(), 'revive-raw-'));
    try {
        const finished = await BackupArchiveWriter.write({ folder: options.folder, fileName: options.fileName ?? archiveFileName(facts), recipients: options.recipients, onPart: options.onPart }, facts, (writer) =>
            withSync(phone, { activity: 'backup-copy' }, async (sync) => {
                // Everything the copy will hold, listed before its first byte: the whole backup's progress counts toward their sum.
                const files = await listTree(sync, remoteDir);
                if (!files.some((f) => isTwrpImage(f.rel))) throw ReviveError.of('backup-failed', { variant: 'archive-empty', twrpSaid: '', folder: remoteDir });
                const raw = await rawStateParts(phone, recipe);
                for (const part of raw.missing) ctx.onLog?.(`The ${part} partition was not found on the phone; it is not in this backup.`);
                const storage = options.storage !== false ? await listTree(sync, STORAGE_ROOT) : [];
                const sum = (sizes: readonly number[]): number => sizes.reduce((a, b) => a + b, 0);
                const whole = new WholeBackupProgress(ctx, sum(files.map((f) => f.sizeBytes)) + sum(raw.found.map((p) => p.sizeBytes)) + sum(storage.map((f) => f.sizeBytes)));
                whole.start();
                // TWRP's folder, every file as it is (split parts, digests, .info, recovery.log).
                const digests = new Map<string, string>();
                for (const file of files) {
                    ctx.signal?.throwIfAborted();
                    ctx.onLog?.(`Copying ${file.rel} (${file.sizeBytes} bytes).`);
                    const part = await whole.part(`twrp/${file.rel}`, file.sizeBytes, (partCtx) => writer.addPart('twrp', file.rel, file.sizeBytes, readPhoneFile(sync, file.path), partCtx));
                    digests.set(file.rel, part.sha256);
                }
                for (const file of files.filter((f) => f.rel.endsWith('.sha2'))) {
                    const image = file.rel.slice(0, -'.sha2'.length);
                    const expected = parseTwrpDigest(await phone.readText(file.path), 'sha256');
                    if (digests.has(image) && expected !== digests.get(image)) {
                        throw ReviveError.of('backup-mismatch', { variant: 'archive-twrp', file: `twrp/${image}`, name: image, expected: expected ?? '—', found: digests.get(image) ?? '' });
                    }
                }
                // Raw state partitions: pulled to a private temp file (not every block device reports its size), checked against the phone's sha256sum.
                for (const part of raw.found) {
                    const name = `${part.twrpName}.emmc.win`;
                    const local = join(tmp, name);
                    // The pull is what takes the time; adding the local copy to the archive is not counted again.
                    const pulled = await whole.part(`raw/${name}`, part.sizeBytes, (partCtx) => phone.pull(part.device, local, partCtx, { createNew: true }));
                    const onPhone = await phone.sha256OnPhone(part.device);
                    if (onPhone !== undefined && onPhone !== pulled.sha256) {
                        throw ReviveError.of('backup-mismatch', { variant: 'archive-partition', file: `raw/${name}`, name, partition: part.partition, device: part.device, expected: onPhone, found: pulled.sha256 });
                    }
                    await writer.addPart('raw', name, pulled.bytes, createReadStream(local), { signal: ctx.signal });
                    await rm(local, { force: true });
                }
                if (storage.length > 0) ctx.onLog?.(`Copying internal storage: ${storage.length} files.`);
                for (const file of storage) {
                    ctx.signal?.throwIfAborted();
                    await whole.part(`storage/${file.rel}`, file.sizeBytes, (partCtx) => writer.addPart('storage', file.rel, file.sizeBytes, readPhoneFile(sync, file.path), partCtx));
                }
            }),
        );
        if (options.verifyWith) {
            ctx.onLog?.(`Reading ${finished.path} back to verify it.`);
            const checked = await verifyArchive(finished.path, options.verifyWith, ctx);
            if (options.recordIn !== undefined) await recordVerified(finished.path, checked, options.recordIn);
        }
        return { ...finished, twrpFolder: remoteDir };
    } finally {
        await rm(tmp, { recursive: true, force: true });
        // TWRP's copy on the phone is removed whatever happened: the phone is left as it was.
        await phone.shell(shellCommand('rm', '-rf', remoteDir)).catch(() => undefined);
    }
}
