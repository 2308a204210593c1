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
                // TWRP's folder, every file as it is (split parts, digests, .info, recovery.log).
                const files = await listTree(sync, remoteDir);
                if (!files.some((f) => isTwrpImage(f.rel))) throw ReviveError.of('backup-failed', { variant: 'archive-empty', twrpSaid: '', folder: remoteDir });
                const digests = new Map<string, string>();
                for (const file of files) {
                    ctx.signal?.throwIfAborted();
                    ctx.onLog?.(`Copying ${file.rel} (${file.sizeBytes} bytes).`);
                    const part = await writer.addPart('twrp', file.rel, file.sizeBytes, readPhoneFile(sync, file.path), ctx);
                    digests.set(file.rel, part.sha256);
                }
                for (const file of files.filter((f) => f.rel.endsWith('.sha2'))) {
                    const image = file.rel.slice(0, -'.sha2'.length);
                    const expected = parseTwrpDigest(await phone.readText(file.path), 'sha256');
                    if (digests.has(image) && expected !== digests.get(image)) {
                        throw ReviveError.of('backup-mismatch', { variant: 'archive-twrp', file: `twrp/${image}`, name: image, expected: expected ?? '—', found: digests.get(image) ?? '' });
                    }
                }
                // Raw state partitions: pulled to a private temp file (block devices report no size), checked against the phone's sha256sum.
                for (const part of recipe.partitions.filter((p) => p.twrpName !== undefined && RAW_STATE_PARTS.has(p.twrpName))) {
                    const device = await findBlockDevice(part.name, async (path) => {
                        const answer = await phone.shell(shellCommand('ls', path));
                        return answer.exitCode === 0 && answer.stdout.includes(posix.basename(path));
                    });
                    if (!device) {
                        ctx.onLog?.(`The ${part.name} partition was not found on the phone; it is not in this backup.`);
                        continue;
                    }
                    const local = join(tmp, `${part.twrpName}.emmc.win`);
                    const pulled = await phone.pull(device, local, ctx, { createNew: true });
                    const onPhone = await phone.sha256OnPhone(device);
                    if (onPhone !== undefined && onPhone !== pulled.sha256) {
                        throw ReviveError.of('backup-mismatch', { variant: 'archive-partition', file: `raw/${part.twrpName}.emmc.win`, name: `${part.twrpName}.emmc.win`, partition: part.name, device, expected: onPhone, found: pulled.sha256 });
                    }
                    await writer.addPart('raw', `${part.twrpName}.emmc.win`, pulled.bytes, createReadStream(local), ctx);
                    await rm(local, { force: true });
                }
                if (options.storage !== false) {
                    const storage = await listTree(sync, STORAGE_ROOT);
                    ctx.onLog?.(`Copying internal storage: ${storage.length} files.`);
                    for (const file of storage) {
                        ctx.signal?.throwIfAborted();
                        await writer.addPart('storage', file.rel, file.sizeBytes, readPhoneFile(sync, file.path), ctx);
                    }
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
