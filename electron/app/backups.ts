/**
 * Backups behind the API contract: the list of archives in `<app data>/backups/`, verify (no phone
 * needed; a success is recorded as the archive's last verification), delete, back up a phone and
 * restore onto it (the backup and restore jobs bring it to TWRP themselves, their key combinations
 * and questions on the page), and "travel-clean" (format /data, only once a verified backup of this
 * very phone exists). Each runs as a job on the one runner under the id the page chose, its steps,
 * progress and log as job events; how it ended is the command's answer. Passphrases arrive only in
 * the command that needs them and go nowhere but into the archive's age layer.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import type { BackupView, commands, CommandResult, EventName, EventPayload } from '../api/contract.js';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb, type AdbPhone } from '../../native/adb/phone.js';
import { Twrp } from '../../native/adb/twrp.js';
import type { AgeIdentity } from '../../native/backup/age/index.js';
import { identitiesFromFile } from '../../native/backup/identity-file.js';
import { describeBackup, listBackups, type ListedBackup } from '../../native/backup/backup-list.js';
import { forgetCheck, recordVerified } from '../../native/backup/check-record.js';
import { needsTwrp, STORAGE_ROOT } from '../../native/backup/phone-backup.js';
import { listTree, withSync } from '../../native/backup/phone-files.js';
import { verifyArchive } from '../../native/backup/verify.js';
import { ratePassphrase, strongEnoughForBackup } from '../../common/passphrase.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { runBackup, type BackupEnding } from '../jobs/backup/run.js';
import type { TwrpSources } from '../jobs/backup/reach.js';
import { runRestore } from '../jobs/backup/restore.js';
import type { PhoneJobEnvironment } from '../jobs/phone-link.js';
import { cachedDownload, cachedPath } from '../../native/download/cache.js';
import { runPanelJob, type PanelJobKind, type PanelRun } from '../jobs/panels/job.js';
import { usbDeviceOf } from '../jobs/protocol-links.js';
import type { JobEvent, JobInstruction } from '../../native/jobs/events.js';
import { answerPage, askPage, pressForPage, shortJobEvents, type PageAnswers } from './job-events.js';
import type { AppPhones, UpgradeTarget } from './phones.js';
import type { VerifiedPath } from './file-checks.js';
import type { UploadStore } from './uploads.js';

type Request<K extends keyof typeof commands> = z.output<(typeof commands)[K]['request']>;

export type BackupCommandName = 'listBackups' | 'backUpPhone' | 'verifyBackup' | 'deleteBackup' | 'restoreBackup' | 'makeTravelClean';

export type BackupHandlers = {
    readonly [K in BackupCommandName]: (request: Request<K>) => Promise<CommandResult<K>>;
};

export interface BackupEnvironment {
    readonly home: string;
    readonly recipes: readonly Recipe[];
    readonly phones: AppPhones;
    readonly uploads: UploadStore;
    emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
    /** How long a job waits for the phone after it restarts (default the backup job's). */
    readonly waitTimeoutMs?: number | undefined;
    /** A file the files step checked (verifyFile, downloadFile), by its verification id. */
    readonly verified: (verificationId: string) => VerifiedPath | undefined;
}

/** A backup job running here: how to stop it, the phone it holds, and what it asked the page. */
interface Running {
    readonly controller: AbortController;
    virtual: VirtualPhone | undefined;
    readonly answers: PageAnswers;
    instruction: JobInstruction | undefined;
    /** The recipe's TWRP image the person gave with their yes (their own copy or a download, checked by the files step), with the checksum they gave for it. */
    chosenRecovery: { readonly path: string; readonly typedSha256: string | undefined } | undefined;
    readonly recipeId: string;
}

export interface AppBackups {
    readonly handlers: BackupHandlers;
    /** The page's answer to a backup or restore job's question, with the checked file that goes with a yes; false when no such job runs here. */
    answer(jobId: string, requestId: string, yes: boolean, verificationId?: string): boolean;
    /** The virtual phone's owner follows the job's instruction; false when no such job runs here. */
    press(jobId: string, instructionId: string): boolean;
    /** Stop a running backup job; false when no such job runs here. */
    cancel(jobId: string): boolean;
    /** Whether a backup job has this virtual phone now (it is busy for everyone else). */
    runsOn(phone: VirtualPhone): boolean;
    close(): void;
}

/**
 * The recipe's TWRP as the files step's download left it in the cache (verified, with its record):
 * what a backup or restore writes to a Samsung's recovery partition after the person's yes.
 */
function cachedRecoveryIn(home: string, recipe: Recipe): string | undefined {
    const download = recipe.downloads.find((d) => d.role === 'recovery');
    return download && cachedDownload(recipe, download, home) ? cachedPath(recipe, download, home) : undefined;
}

/** Where the app keeps backups: `<app data>/backups/`, next to the upgrade's backup folders. */
export function backupsFolder(home: string): string {
    return join(home, 'backups');
}

export function createAppBackups(env: BackupEnvironment): AppBackups {
    const folder = backupsFolder(env.home);
    const running = new Map<string, Running>();

    const cachedRecovery = (recipe: Recipe): string | undefined => cachedRecoveryIn(env.home, recipe);

    const view = (listed: ListedBackup): BackupView => ({
        backupId: listed.fileName,
        path: listed.path,
        phoneName: env.recipes.find((r) => listed.codename !== null && (r.id === listed.codename || r.codenames.includes(listed.codename)))?.name ?? null,
        codename: listed.codename,
        serial: listed.serial,
        createdAt: listed.createdAt,
        sizeBytes: listed.sizeBytes,
        lockedWith: listed.lockedWith,
        lastVerifiedAt: listed.lastCheck?.verifiedAt ?? null,
        rawState: listed.lastCheck?.rawState ?? null,
    });

    /** A backup the list shows, by its file name: never a path from the page. */
    const backupNamed = async (backupId: string): Promise<ListedBackup> => {
        const listed = (await listBackups(folder, env.home)).find((b) => b.fileName === backupId);
        if (!listed) throw ReviveError.of('backup-not-found', { file: backupId, folder });
        return listed;
    };

    const identitiesOf = async (unlock: Request<'verifyBackup'>['unlock']): Promise<AgeIdentity[]> => {
        if ('passphrase' in unlock) return [{ kind: 'scrypt', passphrase: unlock.passphrase }];
        return identitiesFromFile(await env.uploads.resolve(unlock.identity));
    };

    const recipeOf = (deviceId: string): Recipe => {
        const device = env.phones.snapshot().devices.find((d) => d.id === deviceId);
        if (!device) throw ReviveError.of('device-gone', {});
        const recipe = env.recipes.find((r) => r.id === device.recipeId);
        if (!recipe) throw ReviveError.of('backup-unknown-phone', { variant: 'backup', model: device.name, device: device.id });
        return recipe;
    };

    /** Work under the page's job id, stoppable with cancelJob; the phone it holds is busy meanwhile. */
    const track = async <T>(jobId: string, body: (signal: AbortSignal, hold: (phone: VirtualPhone | undefined) => void, entry: Running) => Promise<T>, recipeId = ''): Promise<T> => {
        const controller = new AbortController();
        const entry: Running = { controller, virtual: undefined, answers: new Map(), instruction: undefined, chosenRecovery: undefined, recipeId };
        running.set(jobId, entry);
        try {
            return await body(
                controller.signal,
                (phone) => {
                    entry.virtual = phone;
                    env.phones.announce();
                },
                entry,
            );
        } finally {
            running.delete(jobId);
            env.phones.announce();
        }
    };

    /**
     * The backup and restore jobs follow the phone through its modes: their instructions (key
     * combinations) and questions go to the page, answered with answerConfirm and, on the virtual
     * phone, pressVirtualButtons.
     */
    const phoneJob = async <T>(jobId: string, recipe: Recipe, deviceId: string, work: (env: PhoneJobEnvironment<JobEvent<unknown, BackupEnding>> & { target: UpgradeTarget }) => Promise<T>): Promise<T> =>
        track(jobId, async (signal, hold, entry) => {
            const target = await env.phones.targetFor(deviceId, recipe, () => undefined);
            hold(target.virtual);
            const events = shortJobEvents(jobId, env.emit, target.virtual !== undefined);
            try {
                return await work({
                    recipe,
                    locator: target.locator,
                    links: target.links,
                    target,
                    ui: {
                        instruct: (instruction) => {
                            entry.instruction = instruction;
                        },
                        confirm: (request, jobSignal) => askPage(entry.answers, request, jobSignal),
                    },
                    emit: (event) => {
                        if (event.type === 'step' && event.status !== 'started') entry.instruction = undefined;
                        events(event);
                    },
                    signal,
                    waitTimeoutMs: env.waitTimeoutMs,
                });
            } finally {
                await target.release().catch(() => undefined);
            }
        }, recipe.id);

    /**
     * The TWRP image for a Samsung's stock recovery: the recipe's from the download cache; else what
     * the person gives with their yes to the question, which then offers a download or their own file.
     */
    const twrpSources = (jobId: string, recipe: Recipe): Pick<TwrpSources, 'recoveryImage' | 'chosenRecoveryImage'> => ({
        recoveryImage: cachedRecovery(recipe),
        chosenRecoveryImage: () => running.get(jobId)?.chosenRecovery,
    });

    /** A short job on the one runner under the page's id (verify, travel-clean). */
    const job = <T>(kind: PanelJobKind, jobId: string, params: Record<string, string | boolean>, body: (run: PanelRun, signal: AbortSignal, hold: (phone: VirtualPhone | undefined) => void) => Promise<T>, summary: (value: T) => string): Promise<T> =>
        track(jobId, (signal, hold) => runPanelJob(kind, params, { jobId, home: env.home, onEvent: shortJobEvents(jobId, env.emit), signal }, (run) => body(run, signal, hold), summary));

    /**
     * adb to the phone in TWRP, found again by its port after it restarts, for travel-clean (offered
     * after a backup that leaves the phone in TWRP); a phone in any other mode is refused with what to do.
     */
    const connectInTwrp = async (run: PanelRun, deviceId: string, recipe: Recipe, signal: AbortSignal, hold: (phone: VirtualPhone | undefined) => void): Promise<{ adb: AdbPhone; target: UpgradeTarget }> =>
        run.step('connect', 'Connect to the phone in TWRP', async () => {
            const device = env.phones.snapshot().devices.find((d) => d.id === deviceId);
            if (!device) throw ReviveError.of('device-gone', {});
            if (device.mode !== 'recovery') throw device.mode === 'android' ? ReviveError.of('backup-needs-twrp', { variant: 'android' }) : ReviveError.of('backup-needs-twrp', { variant: 'other', state: device.mode });
            const target = await env.phones.targetFor(deviceId, recipe, (message) => run.log(message));
            hold(target.virtual);
            try {
                const found = await target.locator.waitFor(['recovery'], { signal, timeoutMs: 30_000 });
                const keyStore = target.virtual ? new AdbKeyStore({ appDir: join(env.home, 'adb'), userAdbDir: null }) : new AdbKeyStore();
                const findAgain = async (again?: AbortSignal): Promise<USBDevice> => usbDeviceOf(await target.locator.waitFor(['android', 'recovery'], { signal: again ?? signal, timeoutMs: 300_000 }), 'adb');
                const adb = await connectAdb({ usbDevice: usbDeviceOf(found, 'adb'), usb: found.usb, findAgain }, { signal, keyStore, onWaitingForAuth: (message) => run.log(message) });
                if (adb.state !== 'recovery') {
                    const refusal = needsTwrp(adb);
                    await adb.close();
                    throw refusal;
                }
                return { value: { adb, target }, detail: `Connected to ${device.name} in TWRP.` };
            } catch (error) {
                await target.release();
                throw error;
            }
        });

    const done = async (adb: AdbPhone, target: UpgradeTarget): Promise<void> => {
        await adb.close().catch(() => undefined);
        await target.release().catch(() => undefined);
    };

    const handlers: BackupHandlers = {
        async listBackups() {
            return { folder, backups: (await listBackups(folder, env.home)).map(view) };
        },
        async backUpPhone({ jobId, deviceId, passphrase, leaveInTwrp }) {
            if (!strongEnoughForBackup(ratePassphrase(passphrase))) throw ReviveError.of('backup-weak-passphrase', {});
            const recipe = recipeOf(deviceId);
            const lock: AgeIdentity[] = [{ kind: 'scrypt', passphrase }];
            // The one backup job (electron/jobs/backup): it brings the phone to TWRP, journals every part, reads the archive back and records that.
            const report = await phoneJob(jobId, recipe, deviceId, (job) =>
                runBackup({ jobId, home: env.home, folder, recipients: [{ kind: 'scrypt', passphrase }], verifyWith: lock, storage: true, leaveIn: leaveInTwrp ? 'recovery' : 'as-found', ...twrpSources(jobId, recipe) }, job),
            );
            return view(await describeBackup(folder, report.archive.name, env.home));
        },
        async verifyBackup({ jobId, backupId, unlock }) {
            const listed = await backupNamed(backupId);
            const identities = await identitiesOf(unlock);
            await job('backup-verify', jobId, { archive: listed.path }, (run) =>
                run.step('verify', 'Decrypt the backup and check every part', async () => {
                    const checked = await verifyArchive(listed.path, identities, run.context());
                    await recordVerified(listed.path, checked, env.home);
                    return { value: checked.parts.length, detail: `Every part is intact (${checked.parts.length}).` };
                }),
            (parts) => `Verified: ${parts} parts intact.`);
            return view(await describeBackup(folder, backupId, env.home));
        },
        async deleteBackup({ backupId }) {
            const listed = await backupNamed(backupId);
            await rm(listed.path);
            await forgetCheck(listed.path, env.home);
            return { ok: true as const };
        },
        async restoreBackup({ jobId, deviceId, backupId, unlock, storage, rawStateTyped }) {
            const listed = await backupNamed(backupId);
            // The wrong phone's EFS takes this phone's radio (IMEI, network): written only when the person typed the backup's codename back.
            const withRawState = rawStateTyped !== undefined;
            if (withRawState && (listed.codename === null || rawStateTyped.trim() !== listed.codename)) {
                throw ReviveError.of('restore-raw-unconfirmed', { variant: 'typed', partitions: listed.lastCheck?.rawState?.join(', ') || 'EFS, modem' });
            }
            const identities = await identitiesOf(unlock);
            const recipe = recipeOf(deviceId);
            // The one restore job (electron/jobs/backup/restore.ts): every part checked first, then TWRP reached as the backup does.
            const result = await phoneJob(jobId, recipe, deviceId, (job) =>
                runRestore({ jobId, home: env.home, archive: listed.path, identities, storage, withRawState, ...twrpSources(jobId, recipe) }, job),
            );
            return { restored: [...result.restored], rawRestored: [...result.rawRestored], storageFiles: result.storageFiles, fingerprint: result.fingerprint, fingerprintChecked: result.fingerprintChecked };
        },
        async makeTravelClean({ jobId, deviceId, backupId }) {
            const listed = await backupNamed(backupId);
            const recipe = recipeOf(deviceId);
            return job('travel-clean', jobId, { deviceId, archive: listed.path }, async (run, signal, hold) => {
                const { adb, target } = await connectInTwrp(run, deviceId, recipe, signal, hold);
                try {
                    await run.step('check-backup', 'Check that a verified backup of this phone exists', async () => {
                        const serial = (await adb.identity()).serial;
                        const check = listed.lastCheck;
                        if (!check) throw ReviveError.of('travel-clean-refused', { variant: 'not-verified', file: backupId });
                        if (!check.device || check.device.serial !== serial) throw ReviveError.of('travel-clean-refused', { variant: 'other-phone', file: backupId });
                        return { value: undefined, detail: `${backupId} is of this phone (${serial}), verified ${check.verifiedAt}.` };
                    });
                    await run.step('format-data', 'Format /data in TWRP', async () => {
                        await new Twrp(adb).formatData(run.context());
                        return { value: undefined, detail: 'TWRP formatted /data.' };
                    });
                    return await run.step('check-clean', 'Check that internal storage is empty', async () => {
                        const left = (await withSync(adb, { activity: 'storage-check' }, (sync) => listTree(sync, STORAGE_ROOT))).length;
                        return { value: { storageFilesLeft: left }, detail: `${left} files left in internal storage.` };
                    });
                } finally {
                    await done(adb, target);
                }
            }, (r) => `Formatted /data; ${r.storageFilesLeft} files left in internal storage.`);
        },
    };

    return {
        handlers,
        answer(jobId, requestId, yes, verificationId) {
            const entry = running.get(jobId);
            if (!entry) return false;
            if (yes && verificationId !== undefined) {
                // Only a file the files step passed as this phone's TWRP: never a path from the page.
                const file = env.verified(verificationId);
                if (!file || file.role !== 'recovery' || file.recipeId !== entry.recipeId) throw ReviveError.of('question-file-unchecked', {});
                entry.chosenRecovery = { path: file.path, typedSha256: file.typed ? file.sha256 : undefined };
            }
            answerPage(entry.answers, requestId, yes);
            return true;
        },
        press(jobId, instructionId) {
            const entry = running.get(jobId);
            if (!entry) return false;
            pressForPage(entry.virtual, entry.instruction, instructionId);
            return true;
        },
        cancel(jobId) {
            const entry = running.get(jobId);
            if (!entry) return false;
            entry.controller.abort();
            return true;
        },
        runsOn: (phone) => [...running.values()].some((entry) => entry.virtual === phone),
        close() {
            for (const entry of running.values()) entry.controller.abort();
        },
    };
}
