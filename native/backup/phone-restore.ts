/**
 * Restore: refuse what cannot be restored before anything is written (another model, /data
 * encryption this phone cannot take, a damaged archive: every part is decrypted and checked first),
 * then push the TWRP parts with their digests into TWRP's backup folder and internal storage back
 * to /data/media/0 in one pass over the archive (TWRP's data restore leaves /data/media as it is),
 * run `twrp restore`, remove the pushed folder, and check that the phone reports the backed-up
 * build fingerprint once it has started. A stop within a file gives that file up on the phone. Raw state partitions (EFS, persist, modem) are written only
 * when asked (`withRawState`, which the CLI's --with-efs sets after its own confirmation): each is
 * checked on the phone before the first write and read back from the block device after it.
 */
import type { AdbPhone } from '../adb/phone.js';
import { shellCommand } from '../adb/shell-words.js';
import { TWRP_BACKUP_ROOT, Twrp } from '../adb/twrp.js';
import { ReviveError } from '../jobs/errors.js';
import type { Journal } from '../jobs/journal.js';
import { logNote } from '../jobs/log-note.js';
import type { JobContext } from '../jobs/progress.js';
import { findRecipe, loadRecipes } from '../manifests/load.js';
import type { Recipe } from '../manifests/schema.js';
import type { AgeIdentity } from './age/index.js';
import { posix } from 'node:path';
import { readBackupArchive, type PartHeader, type PartSink, type ReadPart } from './archive-reader.js';
import { deviceFacts, findBlockDevice, needsTwrp, RAW_STATE_PARTS, STORAGE_ROOT, TWRP_LETTER } from './phone-backup.js';
import { PhoneFileWriter } from './phone-files.js';
import { isTwrpImage, twrpImageName } from './twrp-folder.js';
import { verifyArchive, type VerifiedArchive } from './verify.js';

export interface RestoreOptions {
    readonly recipe: Recipe;
    /** The archive on the computer. */
    readonly archive: string;
    readonly identities: readonly AgeIdentity[];
    /** TWRP names to restore (boot, system, data…); default every partition in the backup. */
    readonly only?: readonly string[] | undefined;
    readonly storage?: boolean | undefined;
    /** Wait for Android and compare its fingerprint (default true). */
    readonly checkBoot?: boolean | undefined;
    /** How long to wait for the restored Android to come back (default 5 minutes). */
    readonly bootWaitMs?: number | undefined;
    /** Where each step and each part sent is recorded, so an interrupted restore says where it stopped. */
    readonly journal?: Journal | undefined;
    /** The archive as checkArchiveFor found it in this job (the restore then does not decrypt it twice before it writes). */
    readonly checked?: CheckedArchive | undefined;
    /**
     * Also write the backup's raw state partitions (raw/: EFS, persist, modem) back to their block
     * devices. Writing the wrong one breaks the phone's radio: set only after the person confirmed
     * it (RAW_STATE_CONFIRM_ID is the question's id for a UI).
     */
    readonly withRawState?: boolean | undefined;
}

/** The progress step of the copy to the phone (the whole archive's bytes, read a second time). */
export const RESTORE_PUSH_STEP = 'restore-push';

/** The id of the extra question before raw state partitions are written (words: job.confirms.<id>). */
export const RAW_STATE_CONFIRM_ID = 'restore-raw-state';

/** A raw state partition to write: the archive's part, the recipe's partition and the phone's block device. */
export interface RawTarget {
    readonly part: ReadPart;
    readonly partition: string;
    readonly device: string;
}

export interface RestoreResult {
    readonly restored: readonly string[];
    /** Raw state partitions written and read back (efs, persist…). */
    readonly rawRestored: readonly string[];
    readonly storageFiles: number;
    readonly fingerprint: string | undefined;
    readonly fingerprintChecked: boolean;
}


/** `efs.emmc.win` → `efs`: the TWRP name a raw part was read from. */
const rawName = (part: PartHeader): string => part.name.replace(/\.emmc\.win$/, '');

/** The raw state parts of a checked archive, each with the block device it goes to; refuses when one has none. */
async function rawTargets(phone: AdbPhone, recipe: Recipe, verified: VerifiedArchive): Promise<RawTarget[]> {
    const raw = verified.parts.filter((p) => p.kind === 'raw');
    if (raw.length === 0) throw ReviveError.of('restore-no-raw-state', {});
    const targets: RawTarget[] = [];
    for (const part of raw) {
        const twrpName = rawName(part);
        const partition = recipe.partitions.find((p) => p.twrpName === twrpName && RAW_STATE_PARTS.has(twrpName))?.name;
        const device = partition === undefined ? undefined : await findBlockDevice(partition, (path) => phone.shell(shellCommand('ls', path)).then((a) => a.exitCode === 0 && a.stdout.includes(posix.basename(path))));
        if (partition === undefined || device === undefined) throw ReviveError.of('restore-raw-no-device', { part: part.path, partition: partition ?? twrpName });
        targets.push({ part, partition, device });
    }
    return targets;
}

/** dd's block size for an image: as large as divides its length, so `count` covers it exactly. */
function ddBlockSize(bytes: number): number {
    return [1 << 20, 4096, 512].find((bs) => bytes % bs === 0) ?? 1;
}

/** The phone's SHA-256 of the first `bytes` of a block device (the partition may be larger than the image). */
async function blockDigestOnPhone(phone: AdbPhone, device: string, bytes: number): Promise<string | undefined> {
    const bs = ddBlockSize(bytes);
    const answer = await phone.shell(`${shellCommand('dd', `if=${device}`, `bs=${bs}`, `count=${bytes / bs}`)} 2>/dev/null | sha256sum`);
    return /^([0-9a-f]{64})\b/.exec(answer.stdout.trim())?.[1];
}

/**
 * Who the phone is, as far as its current mode tells (the archive check needs no more): serial and
 * /data encryption are null where the mode cannot say (download mode, the bootloader).
 */
export interface RestoreTargetFacts {
    readonly codename: string;
    readonly model: string;
    readonly serial: string | null;
    readonly dataEncrypted: boolean | null;
}

/** An archive checked part by part for this phone, with the TWRP partitions the restore writes. */
export interface CheckedArchive {
    readonly verified: VerifiedArchive;
    readonly partitions: readonly string[];
}

/** The refusals that need to know the phone itself: a hand-made backup of another phone, /data encryption it cannot take. */
function refuseForPhone(checked: CheckedArchive, phone: RestoreTargetFacts): void {
    const { verified, partitions } = checked;
    const backupDevice = verified.device?.device;
    if (!backupDevice && phone.serial !== null) {
        const serial = verified.foreignFolder?.split('/').at(-2);
        if (serial !== phone.serial) {
            throw ReviveError.of('restore-unknown-model', { folder: verified.foreignFolder ?? '?', serial: phone.serial });
        }
    }
    if (partitions.includes('data') && backupDevice && backupDevice.dataEncrypted !== null && phone.dataEncrypted !== null && backupDevice.dataEncrypted !== phone.dataEncrypted) {
        throw ReviveError.of('restore-encryption-mismatch', { variant: backupDevice.dataEncrypted ? 'backup-encrypted' : 'phone-encrypted' });
    }
}

/**
 * A phone as people know it ("Samsung Galaxy S4 LTE-A"), not by the model number it reports
 * ("GT-I9506"): the name of the recipe for its codename or model number, else that model number.
 */
function phoneName(codename: string, model: string, recipes: readonly Recipe[]): string {
    return (findRecipe(codename, recipes) ?? (model ? findRecipe(model, recipes) : undefined))?.name ?? (model || codename);
}

/**
 * Pass 1 without TWRP: every part decrypted and checked against the manifest, and everything
 * refused that the archive and the phone's facts decide (another model, parts not in the backup,
 * raw state without its confirmation, /data encryption where known). Nothing touches the phone.
 */
export async function checkArchiveFor(options: Pick<RestoreOptions, 'recipe' | 'archive' | 'identities' | 'only' | 'withRawState'>, phone: RestoreTargetFacts, ctx: JobContext = {}): Promise<CheckedArchive> {
    const { recipe, archive, identities } = options;
    const sameModel = (codename: string): boolean => codename === phone.codename || (recipe.codenames.includes(codename) && recipe.codenames.includes(phone.codename));
    const verified = await verifyArchive(archive, identities, ctx, {
        onDevice(entry) {
            if (!sameModel(entry.device.codename)) {
                const backup = entry.device;
                const recipes = [recipe, ...loadRecipes()];
                const named = (codename: string, model: string): string => phoneName(codename, model, recipes);
                throw ReviveError.of('restore-other-model', {
                    backupName: named(backup.codename, backup.model),
                    backupModel: backup.model || backup.codename,
                    backupCodename: backup.codename,
                    phoneName: named(phone.codename, phone.model),
                    phoneModel: phone.model || phone.codename,
                    phoneCodename: phone.codename,
                });
            }
        },
    });
    const images = verified.parts.filter((p) => p.kind === 'twrp' && isTwrpImage(p.name));
    const inBackup = [...new Set(images.map((p) => twrpImageName(p.name)?.twrpName).filter((n): n is string => n !== undefined && TWRP_LETTER[n] !== undefined))];
    // --only may name raw state partitions too (efs, persist…): those need withRawState.
    const onlyRaw = (options.only ?? []).filter((n) => RAW_STATE_PARTS.has(n));
    if (onlyRaw.length > 0 && options.withRawState !== true) throw ReviveError.of('restore-raw-unconfirmed', { variant: 'flag', partitions: onlyRaw.join(', ') });
    const only = options.only?.filter((n) => !RAW_STATE_PARTS.has(n));
    const unknown = (only ?? []).filter((n) => !inBackup.includes(n));
    if (unknown.length > 0) throw ReviveError.of('restore-unknown-part', { ...(inBackup.length === 0 ? { variant: 'no-twrp' as const } : { variant: 'some' as const }), partitions: unknown.join(', '), available: inBackup.join(', ') });
    const checked = { verified, partitions: only ? [...only] : inBackup };
    refuseForPhone(checked, phone);
    return checked;
}

/** Pass 1: everything that can refuse, with nothing written (the archive check reused when the caller made it already). */
export async function checkRestorable(phone: AdbPhone, options: RestoreOptions, ctx: JobContext = {}): Promise<{ verified: VerifiedArchive; partitions: string[]; raw: RawTarget[] }> {
    const { recipe } = options;
    if (phone.state !== 'recovery') throw needsTwrp(phone);
    const phoneFacts = await deviceFacts(phone, recipe);
    let checked: CheckedArchive;
    if (options.checked) {
        // TWRP knows what the mode the archive was checked in could not (serial, /data encryption).
        checked = options.checked;
        refuseForPhone(checked, phoneFacts);
    } else checked = await checkArchiveFor(options, phoneFacts, ctx);
    const { verified } = checked;
    const onlyRaw = (options.only ?? []).filter((n) => RAW_STATE_PARTS.has(n));
    const allRaw = options.withRawState === true ? await rawTargets(phone, recipe, verified) : [];
    const missingRaw = onlyRaw.filter((n) => !allRaw.some((t) => rawName(t.part) === n));
    if (missingRaw.length > 0) throw ReviveError.of('restore-unknown-part', { variant: 'some', partitions: missingRaw.join(', '), available: allRaw.map((t) => rawName(t.part)).join(', ') });
    const raw = allRaw.filter((t) => onlyRaw.length === 0 || onlyRaw.includes(rawName(t.part)));
    return { verified, partitions: [...checked.partitions], raw };
}

/** One journalled step: started, then verified or failed with the reason. */
async function journalled<T>(journal: Journal | undefined, step: string, detail: string, work: () => Promise<T>, done: (result: T) => string): Promise<T> {
    journal?.append({ t: 'step', step, status: 'started', detail });
    try {
        const result = await work();
        journal?.append({ t: 'step', step, status: 'verified', detail: done(result) });
        return result;
    } catch (error) {
        journal?.append({ t: 'step', step, status: 'failed', detail: ReviveError.from(error).message });
        throw error;
    }
}

export async function restorePhone(phone: AdbPhone, options: RestoreOptions, ctx: JobContext = {}): Promise<RestoreResult> {
    const { archive, identities, journal } = options;
    const { verified, partitions, raw } = await journalled(journal, 'check', 'Decrypt the backup and check every part; refuse another model or incompatible /data encryption.', () => checkRestorable(phone, options, ctx), (r) => `Every part is intact (${r.verified.parts.length}); nothing was written to the phone.`);
    const serial = (await phone.identity()).serial;
    const name = `revive-restore-${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}`;
    const remoteDir = `${TWRP_BACKUP_ROOT}/${serial}/${name}`;
    const expected = new Map(verified.parts.map((p) => [p.path, p.sha256]));
    const wantImage = (part: PartHeader): boolean => {
        const image = twrpImageName(part.name);
        return part.kind === 'twrp' && isTwrpImage(part.name) && image !== undefined && partitions.includes(image.twrpName);
    };
    const rawRemote = (target: RawTarget): string => `${remoteDir}/raw-${target.part.name}`;
    const rawNames = raw.map((t) => t.partition);
    let storageFiles = 0;
    ctx.onLog?.(`Every part checked. Copying ${[...partitions, ...rawNames].join(', ')}${options.storage !== false ? ' and internal storage' : ''} to the phone.`);
    const sinkFor = async (remote: string, part: PartHeader, after?: (sha256: string) => Promise<void>): Promise<PartSink> => {
        journal?.append({ t: 'note', key: 'sending', data: { part: part.path, to: remote, sizeBytes: part.sizeBytes } });
        const writer = await PhoneFileWriter.open(phone, remote);
        return {
            write: (chunk) => writer.write(chunk),
            // A stop within the file: nothing half-written stays on the phone (TWRP's folder goes as a whole below).
            async abort(reason) {
                await writer.abort(reason);
                await Promise.race([phone.shell(shellCommand('rm', '-f', remote)), phone.disconnected]).catch(() => undefined);
            },
            async end(sha256) {
                await writer.end();
                // The file could have changed between the checking pass and this one.
                if (sha256 !== expected.get(part.path)) throw ReviveError.of('backup-changed', { name: part.path });
                await after?.(sha256);
            },
        };
    };
    // The second pass over the whole archive is the copy to the phone: told as such, apart from the check's read.
    const pushing: JobContext = { ...ctx, onProgress: (facts) => ctx.onProgress?.({ ...facts, step: RESTORE_PUSH_STEP }) };
    try {
        await journalled(journal, 'push', `Copy ${partitions.join(', ')} with their digests to ${remoteDir}${options.storage !== false ? ' and internal storage to /data/media/0' : ''}.`, () => readBackupArchive(archive, identities, {
            async onPart(part) {
                if (wantImage(part)) {
                    // TWRP checks each image against a .sha2 before it writes: give it ours, from the checked digest.
                    return sinkFor(`${remoteDir}/${part.name}`, part, async (sha256) => {
                        const digest = await PhoneFileWriter.open(phone, `${remoteDir}/${part.name}.sha2`);
                        await digest.write(Buffer.from(`${sha256}  ${part.name}\n`));
                        await digest.end();
                    });
                }
                const rawTarget = raw.find((t) => t.part.path === part.path);
                if (rawTarget) return sinkFor(rawRemote(rawTarget), part);
                if (part.kind === 'storage' && options.storage !== false) {
                    storageFiles++;
                    return sinkFor(`${STORAGE_ROOT}/${part.name}`, part);
                }
                return undefined;
            },
        }, pushing), () => `Copied to the phone; ${storageFiles} files of internal storage.`);
        if (raw.length > 0) {
            // Every raw image as the phone holds it, before the first partition is written.
            await journalled(journal, 'raw-check', `Check the copies of ${rawNames.join(', ')} on the phone.`, async () => {
                for (const target of raw) {
                    const found = await phone.sha256OnPhone(rawRemote(target));
                    if (found !== target.part.sha256) throw ReviveError.of('restore-raw-mismatch', { variant: 'copy', partition: target.partition, device: target.device, expected: target.part.sha256, found: found ?? '—' });
                }
            }, () => 'Every copy on the phone matches the backup; no partition was written yet.');
        }
        const letters = partitions.map((n) => TWRP_LETTER[n]).join('');
        if (letters) {
            ctx.onLog?.(`TWRP restores ${partitions.join(', ')}.`);
            await journalled(journal, 'twrp-restore', `twrp restore ${name} ${letters}`, () => new Twrp(phone).restore(name, letters, ctx), () => 'TWRP reported Restore complete.');
        }
        for (const target of raw) {
            const bytes = target.part.sizeBytes;
            const bs = ddBlockSize(bytes);
            ctx.onLog?.(`Writing ${target.partition} (${bytes} bytes) to ${target.device}.`);
            await journalled(journal, `raw:${target.partition}`, `dd ${target.part.name} to ${target.device}, then read it back`, async () => {
                const answer = await phone.shell(shellCommand('dd', `if=${rawRemote(target)}`, `of=${target.device}`, `bs=${bs}`, `count=${bytes / bs}`));
                if (answer.exitCode !== 0) throw ReviveError.of('restore-raw-mismatch', { variant: 'write', partition: target.partition, device: target.device, expected: target.part.sha256, found: (answer.stderr || answer.stdout).trim().slice(0, 200) });
                const found = await blockDigestOnPhone(phone, target.device, bytes);
                if (found !== target.part.sha256) throw ReviveError.of('restore-raw-mismatch', { variant: 'readback', partition: target.partition, device: target.device, expected: target.part.sha256, found: found ?? '—' });
                return found;
            }, (found) => `${target.device} reads back as ${found}.`);
        }
    } finally {
        // Not over a cut cable (the next run's check removes nothing it needs; TWRP's folder is named per run).
        await Promise.race([phone.shell(shellCommand('rm', '-rf', remoteDir)), phone.disconnected]).catch(() => undefined);
    }
    const wanted = verified.device?.device.fingerprint;
    const rawRestored = raw.map((t) => rawName(t.part));
    if (options.checkBoot === false || !partitions.includes('system')) return { restored: partitions, rawRestored, storageFiles, fingerprint: undefined, fingerprintChecked: false };
    ctx.onLog?.('Starting the restored system to check it.');
    const fingerprint = await journalled(journal, 'boot-check', 'Start Android and compare its build fingerprint with the backup\'s.', async () => {
        await phone.reboot('system');
        const timeoutMs = options.bootWaitMs ?? 300_000;
        // Nobody may be watching (--json): the wait says what it waits for and how long at most.
        logNote(ctx, 'waiting-for-phone', { seconds: Math.round(timeoutMs / 1000), mode: 'android' });
        await phone.reconnect(['device'], { timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
        const reported = (await phone.identity()).fingerprint;
        if (wanted !== undefined && reported !== wanted) {
            throw ReviveError.of('restore-check-failed', { found: reported, expected: wanted });
        }
        return reported;
    }, (reported) => `The phone reports ${reported}.`);
    return { restored: partitions, rawRestored, storageFiles, fingerprint, fingerprintChecked: wanted !== undefined };
}
