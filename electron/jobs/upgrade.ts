/**
 * The guided upgrade: identify → gate → flashing mode → unlock → TWRP → recovery → backup → wipe →
 * ROM, Gapps, su → reboot → the new system answers. UI-independent (runs under plain Node); the
 * person is reached through a JobUi, the phone through a PhoneLocator and ProtocolLinks.
 * Every step is journalled; a resumed job re-detects the phone and skips verified steps.
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobEvent, JobStepInfo, JobUi, ReportBackup, ReportBackupFile, UpgradeReport } from '../../native/jobs/events.js';
import { appHome, Journal, newJobId, type JournalValue } from '../../native/jobs/journal.js';
import { ensurePrivateDir, fileInside, writePrivateFile } from '../../native/jobs/private-files.js';
import { shellCommand } from '../../native/adb/shell-words.js';
import { checkedName } from '../../native/jobs/names.js';
import { JobCancelled, JobRun } from '../../native/jobs/runner.js';
import { hashFile } from '../../native/integrity/hash.js';
import { runGate, type GatePlanFile, type GateReport } from '../../native/integrity/gate.js';
import { androidVersionFromFingerprint } from '../../native/integrity/zip-inspect.js';
import type { FileRole, PhoneMode, Recipe } from '../../native/manifests/schema.js';
import { parsePit } from '../../native/pit/pit.js';
import { resourcePath } from '../../native/resources.js';
import type { AdbLink, ExpectedOdinPhone, FastbootLink, FoundPhone, PhoneLocator, ProtocolLinks } from './phone-link.js';
import type { UpgradeOptions } from './types.js';

export interface UpgradeEnvironment {
    readonly recipe: Recipe;
    readonly locator: PhoneLocator;
    readonly links: ProtocolLinks;
    readonly ui: JobUi;
    readonly emit: (event: JobEvent) => void;
    readonly signal: AbortSignal;
    /** How long to wait for the phone after an instruction (default 10 minutes). */
    readonly waitTimeoutMs?: number | undefined;
}

const ALL_MODES: readonly PhoneMode[] = ['android', 'recovery', 'sideload', 'download', 'bootloader'];

const STEP: Readonly<Record<string, JobStepInfo>> = {
    identify: { id: 'identify', title: 'Recognise the phone' },
    gate: { id: 'gate', title: 'Check every file' },
    unlock: { id: 'unlock', title: 'Unlock the bootloader' },
    flashRecovery: { id: 'flash-recovery', title: 'Put TWRP on the phone' },
    enterRecovery: { id: 'enter-recovery', title: 'Start TWRP' },
    backup: { id: 'backup', title: 'Back up the phone' },
    wipe: { id: 'wipe', title: 'Erase the old system' },
    reboot: { id: 'reboot', title: 'Start the new system' },
    verify: { id: 'verify-system', title: 'Check the new system' },
};

const ROLE_TITLE: Readonly<Record<string, string>> = { rom: 'Install LineageOS', gapps: 'Install Google apps', su: 'Install root (su)' };

function installStep(role: string): JobStepInfo {
    return { id: `install:${role}`, title: ROLE_TITLE[role] ?? `Install ${role}` };
}

function planSteps(recipe: Recipe, options: UpgradeOptions): JobStepInfo[] {
    const roles = recipe.installOrder.filter((role) => options.files[role] !== undefined);
    return [STEP.identify, STEP.gate, STEP.unlock, STEP.flashRecovery, STEP.enterRecovery, STEP.backup, STEP.wipe, ...roles.map(installStep), STEP.reboot, STEP.verify].filter(
        (s): s is JobStepInfo => s !== undefined,
    );
}

const MODE_WORDS: Readonly<Record<PhoneMode, string>> = {
    download: 'download mode',
    bootloader: 'the bootloader (fastboot)',
    android: 'Android',
    recovery: 'TWRP recovery',
    sideload: 'TWRP sideload',
};

function journalParams(options: UpgradeOptions, recipe: Recipe): Record<string, JournalValue> {
    const device: Record<string, JournalValue> = { ...options.device, stateDir: 'stateDir' in options.device ? (options.device.stateDir ?? null) : null };
    return {
        recipeId: recipe.id,
        device,
        files: Object.fromEntries(Object.entries(options.files).filter(([, v]) => v !== undefined)) as Record<string, string>,
        typedChecksums: Object.fromEntries(Object.entries(options.checksums ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>,
        backupTo: options.backupTo ?? null,
        noBackup: options.noBackup ?? false,
    };
}

class Upgrade {
    readonly #env: UpgradeEnvironment;
    readonly #options: UpgradeOptions;
    readonly #run: JobRun;
    readonly #recipe: Recipe;
    #gate: GateReport | undefined;
    #serial = '';

    constructor(env: UpgradeEnvironment, options: UpgradeOptions, run: JobRun) {
        this.#env = env;
        this.#options = options;
        this.#run = run;
        this.#recipe = env.recipe;
    }

    get #timeout(): number {
        return this.#env.waitTimeoutMs ?? 10 * 60_000;
    }

    async #waitFor(modes: readonly PhoneMode[]): Promise<FoundPhone> {
        try {
            return await this.#env.locator.waitFor(modes, { signal: this.#run.signal, timeoutMs: this.#timeout });
        } catch (error) {
            if (this.#run.signal.aborted) throw new JobCancelled('cancelled');
            if (error instanceof ReviveError) throw error;
            throw new ReviveError(
                {
                    code: 'phone-not-found',
                    message: `The phone did not appear in ${modes.map((m) => MODE_WORDS[m]).join(' or ')} within ${Math.round(this.#timeout / 1000)} seconds.`,
                    nextStep: 'Check the USB cable (use one that carries data), follow the instruction on the screen again, then resume the job.',
                },
                { cause: error },
            );
        }
    }

    /** The phone now, in whatever mode; asks the person to connect it if it is not there. */
    async #anyMode(): Promise<FoundPhone> {
        const now = this.#env.locator.current();
        if (now) return now;
        this.#run.instruct({ id: 'connect', text: `Connect the ${this.#recipe.name} to this computer with a USB cable and switch it on.`, waitingFor: null });
        return this.#waitFor(ALL_MODES);
    }

    async #adb(phone: FoundPhone): Promise<AdbLink> {
        return this.#env.links.adb(phone, this.#run.context());
    }

    /** Show the key combo for a mode and wait for the phone to appear in it. */
    async #byKeys(mode: 'download' | 'bootloader' | 'recovery', why: string): Promise<FoundPhone> {
        const combo = this.#recipe.keyCombos[mode];
        const text = combo ? `${why} ${combo.instructions}` : `${why} Bring the phone into ${MODE_WORDS[mode]}.`;
        this.#run.instruct({ id: `enter-${mode}`, text, picture: combo?.picture, buttons: combo?.buttons, waitingFor: mode });
        return this.#waitFor([mode]);
    }

    /** Bring the phone to a mode from wherever it is, the safe way for each transition. */
    async #ensureMode(mode: PhoneMode): Promise<FoundPhone> {
        const phone = await this.#anyMode();
        if (phone.mode === mode) return phone;
        if (mode === 'sideload') {
            const recovery = phone.mode === 'recovery' ? phone : await this.#ensureMode('recovery');
            const adb = await this.#adb(recovery);
            this.#run.log('Asking TWRP to start ADB sideload.');
            try {
                await adb.shell('twrp sideload');
            } catch (error) {
                // TWRP restarts adbd as minadbd right away; the reply may be cut off by that very restart.
                if (!(error instanceof ReviveError && error.code === 'adb-disconnected')) throw error;
                this.#run.log('TWRP dropped the connection while switching to sideload, as it does.');
            }
            await adb.end();
            return this.#waitFor(['sideload']);
        }
        if (mode === 'android' && (phone.mode === 'recovery' || phone.mode === 'sideload')) {
            const adb = await this.#adb(phone);
            await adb.reboot('system');
            await adb.end();
            return this.#waitFor(['android']);
        }
        if (mode === 'recovery' && phone.mode === 'sideload') {
            const adb = await this.#adb(phone);
            await adb.reboot('recovery');
            await adb.end();
            return this.#waitFor(['recovery']);
        }
        if (mode === 'download' || mode === 'bootloader') {
            return this.#byKeys(mode, `Now the phone must go into ${MODE_WORDS[mode]}.`);
        }
        if (mode === 'recovery') {
            return this.#byKeys('recovery', 'Now start TWRP straight away, without letting the old system start.');
        }
        return this.#byKeys('recovery', 'Start the phone into recovery.');
    }

    async identify(): Promise<{ phone: FoundPhone; codename: string; battery: number | undefined; androidVersion: string; fingerprint: string }> {
        const phone = await this.#anyMode();
        this.#serial = phone.serial;
        const earlier = this.#run.verifiedData(STEP.identify?.id ?? 'identify');
        let codename = this.#recipe.codenames[0] ?? this.#recipe.id;
        let battery: number | undefined;
        let androidVersion = typeof earlier?.['androidVersion'] === 'string' ? earlier['androidVersion'] : this.#recipe.stockAndroidVersion;
        let fingerprint = typeof earlier?.['fingerprint'] === 'string' ? earlier['fingerprint'] : '';
        if (phone.mode === 'android' || phone.mode === 'recovery') {
            const adb = await this.#adb(phone);
            try {
                codename = (await adb.getprop('ro.product.device')) || codename;
                battery = await adb.battery();
                if (phone.mode === 'android') {
                    androidVersion = (await adb.getprop('ro.build.version.release')) || androidVersion;
                    fingerprint = (await adb.getprop('ro.build.fingerprint')) || fingerprint;
                }
            } finally {
                await adb.close();
            }
        } else if (phone.mode === 'bootloader') {
            const fastboot = await this.#openFastboot(phone);
            await fastboot.close();
        }
        if (!this.#recipe.codenames.some((c) => c.toLowerCase() === codename.toLowerCase())) {
            throw new ReviveError({
                code: 'phone-mismatch',
                message: `The connected phone says it is "${codename}", but this upgrade is for the ${this.#recipe.name} (${this.#recipe.codenames.join(', ')}).`,
                nextStep: 'Connect the phone the upgrade was started for, or start a new upgrade for this phone.',
                details: { expected: this.#recipe.codenames.join(', '), found: codename },
            });
        }
        return { phone, codename, battery, androidVersion, fingerprint };
    }

    async checkBattery(battery: number | undefined): Promise<void> {
        const min = this.#recipe.minBatteryPercent;
        if (battery === undefined) {
            const ok = await this.#run.confirm({
                id: 'battery',
                question: `Is the phone's battery at least ${min}% charged?`,
                detail: `The phone cannot report its battery in ${MODE_WORDS[this.#env.locator.current()?.mode ?? 'download']}. If it dies while the new system is written, it may not start again.`,
                danger: false,
                confirmLabel: `Yes, at least ${min}%`,
                cancelLabel: 'No, charge it first',
            });
            if (!ok) throw this.#lowBattery(min, 'not confirmed');
            return;
        }
        if (battery < min) throw this.#lowBattery(min, `${battery}%`);
    }

    #lowBattery(min: number, found: string): ReviveError {
        return new ReviveError({
            code: 'battery-low',
            message: `The phone's battery is too low to start: the ${this.#recipe.name} needs at least ${min}%, and it is at ${found}. Nothing was changed on the phone.`,
            nextStep: `Charge the phone to at least ${min}% (leave it on the charger for a while), then start again.`,
            details: { expected: `at least ${min}%`, found },
        });
    }

    async gate(codename: string): Promise<GateReport> {
        const files: GatePlanFile[] = [];
        const order: FileRole[] = ['recovery', ...this.#recipe.installOrder];
        for (const role of order) {
            const path = this.#options.files[role];
            if (path) files.push({ role, path, typedSha256: this.#options.checksums?.[role] });
        }
        this.#gate = await runGate({ files }, this.#recipe, codename, this.#run.context());
        return this.#gate;
    }

    #file(role: FileRole): string {
        const path = this.#options.files[role];
        if (!path) throw new Error(`no ${role} file in the plan`);
        return path;
    }

    async unlock(): Promise<string> {
        const method = this.#recipe.unlock.method;
        if (method === 'oem-unlock-toggle') {
            const ok = await this.#run.confirm({
                id: 'oem-unlock-toggle',
                question: "Is 'OEM unlocking' switched on in the phone's Developer options?",
                detail: this.#recipe.unlock.explanation,
                danger: false,
                confirmLabel: 'Yes, it is on',
                cancelLabel: 'No, stop here',
            });
            if (!ok) throw new ReviveError({ code: 'unlock-declined', message: 'The upgrade stopped before the bootloader was touched: OEM unlocking is not switched on.', nextStep: this.#recipe.unlock.explanation });
            return "The person confirmed that 'OEM unlocking' is on.";
        }
        if (method !== 'fastboot-oem-unlock' && method !== 'fastboot-flashing-unlock') return 'This phone needs no unlocking.';
        const phone = await this.#ensureMode('bootloader');
        const fastboot = await this.#openFastboot(phone);
        try {
            if ((await fastboot.getVar('unlocked')).trim() === 'yes') return 'The bootloader was already unlocked.';
            const ok = await this.#run.confirm({
                id: 'unlock',
                question: this.#recipe.unlock.wipesData ? 'Unlocking erases everything on the phone. Continue?' : 'Unlock the bootloader now?',
                detail: this.#recipe.unlock.explanation,
                danger: this.#recipe.unlock.wipesData,
                confirmLabel: 'Unlock',
                cancelLabel: 'Stop',
            });
            if (!ok) throw new ReviveError({ code: 'unlock-declined', message: 'The upgrade stopped: the bootloader stays locked and nothing was changed.', nextStep: 'Start again when you are ready to unlock.' });
            this.#run.instruct({ id: 'confirm-unlock', text: 'Look at the phone: it asks whether to unlock. Press Volume Up to choose Yes, then Power to confirm.', waitingFor: 'bootloader' });
            await fastboot.unlock(method, this.#run.context());
        } finally {
            await fastboot.close();
        }
        // The bootloader re-enumerates after an unlock on many phones; ask again on a fresh link.
        const again = await this.#waitFor(['bootloader']);
        const check = await this.#openFastboot(again);
        try {
            const unlocked = (await check.getVar('unlocked')).trim();
            if (unlocked !== 'yes') {
                throw new ReviveError({
                    code: 'unlock-failed',
                    message: `The bootloader is still locked (it answers unlocked=${unlocked || 'nothing'}).`,
                    nextStep: "Check that 'OEM unlocking' is on in Developer options, and confirm on the phone's screen when it asks.",
                });
            }
        } finally {
            await check.close();
        }
        return 'The bootloader is unlocked (the phone confirmed it).';
    }

    /**
     * A fastboot link to the phone, after its bootloader said which product it is: a phone that
     * is not the recipe's model is refused before anything is unlocked or written.
     */
    async #openFastboot(phone: FoundPhone): Promise<FastbootLink> {
        const fastboot = await this.#env.links.fastboot(phone, this.#run.context());
        try {
            const product = (await fastboot.getVar('product')).trim();
            const names = [...this.#recipe.codenames, this.#recipe.virtual.fastbootProduct ?? ''].filter(Boolean);
            if (product && !names.some((name) => name.toLowerCase() === product.toLowerCase())) {
                throw new ReviveError({
                    code: 'phone-mismatch',
                    message: `The phone's bootloader says it is "${product}", but this upgrade is for the ${this.#recipe.name} (${names.join(', ')}). Nothing was written.`,
                    nextStep: 'Connect the phone the upgrade was started for, or start a new upgrade for this phone.',
                    details: { expected: names.join(', '), found: product },
                });
            }
            return fastboot;
        } catch (error) {
            await fastboot.close();
            throw error;
        }
    }

    /** The recipe's PIT, so Odin refuses another Samsung model that shares the download-mode USB id. */
    async #expectedOdinPhone(): Promise<ExpectedOdinPhone | undefined> {
        const file = this.#recipe.pit;
        if (!file) return undefined;
        return { name: this.#recipe.name, pit: parsePit(new Uint8Array(await readFile(resourcePath('pit', file))), file) };
    }

    async flashRecovery(): Promise<string> {
        const image = this.#file('recovery');
        const partition = this.#recipe.recoveryPartition;
        const digest = await hashFile(image, this.#run.context(), 'recheck:recovery');
        this.#assertUnchanged('recovery', digest.sha256);
        if (this.#recipe.method === 'odin') {
            const phone = await this.#ensureMode('download');
            const odin = await this.#env.links.odin(phone, this.#run.context());
            try {
                await odin.flash(partition, image, this.#run.context(), await this.#expectedOdinPhone());
            } finally {
                await odin.close();
            }
        } else {
            const phone = await this.#ensureMode('bootloader');
            const fastboot = await this.#openFastboot(phone);
            try {
                if (this.#recipe.abSlots) {
                    // A/B phones have no recovery partition: TWRP runs from RAM (`fastboot boot`), and the
                    // stock boot image stays until the ROM replaces it.
                    await fastboot.boot(image, this.#run.context());
                    await this.#waitFor(['recovery']);
                    return `${basename(image)} started from memory with fastboot boot (${digest.sizeBytes} bytes, SHA-256 ${digest.sha256.slice(0, 12)}…); ${partition} is left as it is.`;
                }
                await fastboot.flash(partition, image, this.#run.context());
            } finally {
                await fastboot.close();
            }
        }
        return `${basename(image)} written to ${partition} (${digest.sizeBytes} bytes, SHA-256 ${digest.sha256.slice(0, 12)}…).`;
    }

    #assertUnchanged(role: FileRole, sha256: string): void {
        const gated = this.#gate?.files.find((f) => f.role === role);
        if (gated && gated.sha256 !== sha256) {
            throw new ReviveError({
                code: 'file-changed',
                message: `${gated.name} changed on the computer after it was checked (SHA-256 was ${gated.sha256}, is now ${sha256}).`,
                nextStep: 'Put the original file back (or download it again), then resume the job.',
                details: { file: gated.path, expected: gated.sha256, found: sha256 },
            });
        }
    }

    async enterRecovery(): Promise<string> {
        const phone = await this.#ensureMode('recovery');
        const adb = await this.#adb(phone);
        try {
            const twrp = await adb.getprop('ro.twrp.version');
            if (!twrp) {
                throw new ReviveError({
                    code: 'recovery-not-twrp',
                    message: 'The phone started a recovery, but not TWRP: the old system probably put its own recovery back.',
                    nextStep: 'Resume the job: it puts TWRP on the phone again. Then hold the recovery keys right after flashing.',
                });
            }
            return `TWRP ${twrp} is running.`;
        } finally {
            await adb.close();
        }
    }

    async backup(): Promise<{ detail: string; backup: ReportBackup }> {
        if (this.#options.noBackup) {
            const ok = await this.#run.confirm({
                id: 'no-backup',
                question: 'Go on without a backup?',
                detail: 'Without a backup, nothing on the phone can be brought back later: photos, messages, and on Samsung phones the EFS partition that holds the IMEI.',
                danger: true,
                confirmLabel: 'Go on without a backup',
                cancelLabel: 'Stop',
            });
            if (!ok) throw new ReviveError({ code: 'backup-required', message: 'The upgrade stopped: no backup was made and you chose not to go on without one.', nextStep: 'Start again without --no-backup to make a backup first.' });
            const declinedAt = new Date().toISOString();
            this.#run.journal.append({ t: 'note', key: 'no-backup', data: { declinedAt, choice: 'The person chose explicitly to go on without a backup.' } });
            return { detail: 'No backup: the person chose to go on without one (recorded).', backup: { kind: 'declined', declinedAt } };
        }
        const phone = await this.#ensureMode('recovery');
        const letters = this.#backupLetters();
        const name = checkedName('backup', `revive-${this.#run.jobId}`);
        const adb = await this.#adb(phone);
        try {
            this.#run.log(`TWRP backs up ${letters.names.join(', ')}.`);
            const out = await adb.shell(shellCommand('twrp', 'backup', letters.letters, name));
            if (/^E:|Error processing script/m.test(out)) {
                throw new ReviveError({ code: 'backup-failed', message: `TWRP could not make the backup: ${firstError(out)}`, nextStep: 'Free some space on the phone, then resume the job.' });
            }
            // TWRP names the folder after ro.serialno; USB shows no serial in download mode, so ask TWRP.
            const remoteDir = `/data/media/TWRP/BACKUPS/${(await adb.getprop('ro.serialno')) || this.#serial}/${name}`;
            this.#run.log(`TWRP finished the backup; copying it from ${remoteDir}.`);
            const listing = await adb.listDir(remoteDir);
            const wins = listing.filter((f) => f.name.endsWith('.win') || /\.win\d+$/.test(f.name));
            if (wins.length === 0) throw new ReviveError({ code: 'backup-failed', message: `TWRP reported no backup files in ${remoteDir}.`, nextStep: 'Resume the job to try the backup again.' });
            const localDir = this.#options.backupTo ?? join(this.#options.home ?? appHome(), 'backups', this.#run.jobId);
            // The phone names the files: every name is checked before the first one is written.
            const copies = listing
                .filter((entry) => !(entry.name.endsWith('.sha2') || entry.name === 'recovery.log' || entry.name.endsWith('.info')))
                .map((entry) => ({ name: entry.name, local: fileInside(localDir, entry.name) }));
            await ensurePrivateDir(localDir);
            const files: ReportBackupFile[] = [];
            for (const entry of copies) {
                const local = entry.local;
                // A resumed backup copies again: what an earlier attempt left is replaced, never followed.
                await rm(local, { force: true });
                this.#run.log(`Copying ${entry.name} to the computer.`);
                const pulled = await adb.pull(`${remoteDir}/${entry.name}`, local, this.#run.context());
                const onPhone = (await adb.shell(shellCommand('sha256sum', `${remoteDir}/${entry.name}`))).trim().split(/\s+/)[0] ?? '';
                const twrpDigest = listing.some((f) => f.name === `${entry.name}.sha2`) ? ((await adb.shell(shellCommand('cat', `${remoteDir}/${entry.name}.sha2`))).trim().split(/\s+/)[0] ?? '') : '';
                const onDisk = await hashFile(local, {}, `backup-check:${entry.name}`);
                if (onDisk.sha256 !== pulled.sha256 || onPhone !== onDisk.sha256 || (twrpDigest !== '' && twrpDigest !== onDisk.sha256)) {
                    throw new ReviveError({
                        code: 'backup-mismatch',
                        message: `The backup file ${entry.name} on the computer does not match the phone's copy (phone ${onPhone || 'unknown'}, TWRP ${twrpDigest || 'none'}, computer ${onDisk.sha256}).`,
                        nextStep: 'Check the cable and the free space on the computer, then resume the job to copy the backup again.',
                        details: { file: local, expected: onPhone, found: onDisk.sha256 },
                    });
                }
                files.push({ name: entry.name, sizeBytes: onDisk.sizeBytes, sha256: onDisk.sha256 });
                if (twrpDigest) await writePrivateFile(`${local}.sha2`, `${twrpDigest}  ${entry.name}\n`);
            }
            const raw = await this.#rawBackups(adb, localDir);
            files.push(...raw.files);
            await writePrivateFile(join(localDir, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.name}\n`).join(''));
            const names = [...letters.names, ...raw.names];
            return {
                detail: `Backup of ${names.join(', ')} copied to ${localDir}: ${files.length} files, every SHA-256 matches the phone's.`,
                backup: { kind: 'verified', directory: localDir, files },
            };
        } finally {
            await adb.close();
        }
    }

    /**
     * Partitions TWRP's command line has no letter for but that hold what nothing can give back
     * (EFS: the IMEI; persist: sensor calibration and DRM keys), copied the way careful people do
     * it in TWRP's root shell: the raw block device, pulled to `<name>.emmc.win` (TWRP's own name
     * for raw images), its SHA-256 asked of the phone (`sha256sum`) and compared with the copy's.
     */
    async #rawBackups(adb: AdbLink, localDir: string): Promise<{ files: ReportBackupFile[]; names: string[] }> {
        const files: ReportBackupFile[] = [];
        const names: string[] = [];
        for (const part of this.#recipe.partitions.filter((p) => p.twrpName !== undefined && RAW_BACKUP.has(p.twrpName))) {
            const twrpName = part.twrpName ?? part.name;
            const device = await findBlockDevice(adb, part.name);
            if (!device) {
                const ok = await this.#run.confirm({
                    id: `no-raw-backup:${twrpName}`,
                    question: `The ${part.name} partition cannot be found on the phone. Go on without backing it up?`,
                    detail: `${part.name} holds what cannot be downloaded again (on Samsung phones the EFS partition holds the IMEI). Revive looked for it in ${BLOCK_DIRS.join(' and ')}.`,
                    danger: true,
                    confirmLabel: `Go on without ${part.name}`,
                    cancelLabel: 'Stop',
                });
                if (!ok) {
                    throw new ReviveError({
                        code: 'backup-raw-missing',
                        message: `The upgrade stopped before erasing anything: the ${part.name} partition was not found on the phone, so it could not be backed up.`,
                        nextStep: `Back up ${part.name} by hand in TWRP (Backup, tick ${part.name}), copy it to the computer, then resume the job.`,
                    });
                }
                this.#run.journal.append({ t: 'note', key: `no-raw-backup:${twrpName}`, data: { partition: part.name, choice: 'The person chose to go on without it (not found on the phone).' } });
                continue;
            }
            const name = `${twrpName}.emmc.win`;
            const local = fileInside(localDir, name);
            await rm(local, { force: true });
            this.#run.log(`Copying the ${part.name} partition (${device}) to the computer as ${name}.`);
            const pulled = await adb.pull(device, local, this.#run.context());
            const answer = await adb.shell(shellCommand('sha256sum', device));
            const onPhone = /^([0-9a-f]{64})\s/m.exec(answer)?.[1];
            const onDisk = await hashFile(local, {}, `backup-check:${name}`);
            if (!onPhone || onPhone !== onDisk.sha256 || pulled.sha256 !== onDisk.sha256) {
                throw new ReviveError({
                    code: 'backup-mismatch',
                    message: onPhone
                        ? `The copy of the ${part.name} partition on the computer (${name}, SHA-256 ${onDisk.sha256}) does not match the phone's ${device} (SHA-256 ${onPhone}). Nothing was erased.`
                        : `The phone did not give the SHA-256 of its ${part.name} partition (${device}): ${answer.trim() || 'no answer'}. The copy cannot be checked, so nothing was erased.`,
                    nextStep: 'Check the cable and the free space on the computer, then resume the job to copy it again.',
                    details: { file: local, expected: onPhone ?? '', found: onDisk.sha256 },
                });
            }
            await writePrivateFile(`${local}.sha2`, `${onDisk.sha256}  ${name}\n`);
            files.push({ name, sizeBytes: onDisk.sizeBytes, sha256: onDisk.sha256 });
            names.push(twrpName);
        }
        return { files, names };
    }

    #backupLetters(): { letters: string; names: string[] } {
        const byName: Record<string, string> = { boot: 'B', system: 'S', data: 'D' };
        const names = this.#recipe.partitions.map((p) => p.twrpName).filter((n): n is string => n !== undefined && byName[n] !== undefined);
        return { letters: names.map((n) => byName[n]).join(''), names };
    }

    async wipe(): Promise<string> {
        const ok = await this.#run.confirm({
            id: 'erase',
            question: 'This erases everything on the phone. Continue?',
            detail: 'The old system, apps and data are erased so the new system starts clean. ' + (this.#options.noBackup ? 'You chose to go without a backup.' : 'Your backup is safe on the computer.'),
            danger: true,
            confirmLabel: 'Erase and continue',
            cancelLabel: 'Stop',
        });
        if (!ok) throw new ReviveError({ code: 'wipe-declined', message: 'The upgrade stopped before erasing: TWRP is on the phone, the old system is untouched.', nextStep: 'Resume the job when you are ready.' });
        const phone = await this.#ensureMode('recovery');
        const has = (twrpName: string): boolean => this.#recipe.partitions.some((p) => p.twrpName === twrpName);
        const commands = [...(has('cache') ? ['twrp wipe cache'] : []), 'twrp wipe dalvik', ...(has('system') ? ['twrp wipe system'] : []), 'twrp format data'];
        const adb = await this.#adb(phone);
        try {
            for (const command of commands) {
                const out = await adb.shell(command);
                if (/^E:|Error processing script/m.test(out)) {
                    throw new ReviveError({ code: 'wipe-failed', message: `TWRP could not erase (${command}): ${firstError(out)}`, nextStep: 'Resume the job to try again; if it fails again, restart TWRP and resume.' });
                }
            }
        } finally {
            await adb.close();
        }
        return `Erased: ${commands.map((c) => c.split(' ').pop()).join(', ')}.`;
    }

    async install(role: FileRole): Promise<string> {
        const path = this.#file(role);
        const digest = await hashFile(path, this.#run.context(), `recheck:${role}`);
        this.#assertUnchanged(role, digest.sha256);
        const phone = await this.#ensureMode('sideload');
        const adb = await this.#adb(phone);
        try {
            await adb.sideload(path, this.#run.context());
        } finally {
            // TWRP leaves sideload mode on its own once the package is in: let go of the session first.
            await adb.end().catch(() => undefined);
        }
        // After a sideload TWRP goes back to its menu (the device re-enumerates in recovery).
        const recovery = await this.#waitFor(['recovery']);
        const check = await this.#adb(recovery);
        try {
            const log = await check.shell('cat /tmp/recovery.log');
            const start = log.lastIndexOf('Installing zip file');
            const block = start >= 0 ? log.slice(start) : '';
            if (start < 0 || /Error installing zip file|^E\d{4}:|^E:/m.test(block)) {
                throw new ReviveError({
                    code: 'install-failed',
                    message: `TWRP did not install ${basename(path)}: ${firstError(block) || 'no install was reported'}.`,
                    nextStep: 'Resume the job to try this package again. If TWRP names an error, the package does not fit this phone.',
                    details: { file: path },
                });
            }
            const postBuild = role === 'rom' ? this.#gate?.rom?.postBuild : undefined;
            if (postBuild && !block.includes(postBuild)) {
                throw new ReviveError({ code: 'install-unconfirmed', message: `TWRP's log does not show ${basename(path)} (${postBuild}) as installed.`, nextStep: 'Resume the job to install it again.' });
            }
        } finally {
            await check.close();
        }
        return `${basename(path)} installed (SHA-256 ${digest.sha256.slice(0, 12)}… checked before sending; TWRP reported success).`;
    }

    async reboot(): Promise<string> {
        await this.#ensureMode('android');
        return 'The phone started its new system.';
    }

    async verify(): Promise<{ androidVersion: string; fingerprint: string }> {
        const phone = await this.#ensureMode('android');
        const adb = await this.#adb(phone);
        try {
            const androidVersion = await adb.getprop('ro.build.version.release');
            const fingerprint = await adb.getprop('ro.build.fingerprint');
            const expected = this.#gate?.rom?.postBuild;
            const expectedVersion = expected ? androidVersionFromFingerprint(expected) : undefined;
            if ((expected && fingerprint !== expected) || (expectedVersion && androidVersion !== expectedVersion)) {
                throw new ReviveError({
                    code: 'system-unexpected',
                    message: `The phone started, but reports ${fingerprint || 'no build'} (Android ${androidVersion || '?'}) instead of ${expected}.`,
                    nextStep: 'Resume the job to install the ROM again.',
                    details: { expected: expected ?? '', found: fingerprint },
                });
            }
            return { androidVersion, fingerprint };
        } finally {
            await adb.close();
        }
    }
}

/** Partitions without a TWRP letter that are backed up raw (see #rawBackups). */
const RAW_BACKUP: ReadonlySet<string> = new Set(['efs', 'persist']);

/** Where Qualcomm phones list their partitions by name (lowercase names on Samsungs). */
const BLOCK_DIRS = ['/dev/block/bootdevice/by-name', '/dev/block/platform/msm_sdcc.1/by-name'] as const;

/** The block device of a partition, as the phone names it, or undefined when none answers. */
async function findBlockDevice(adb: AdbLink, partition: string): Promise<string | undefined> {
    const names = [...new Set([partition.toLowerCase(), partition])];
    for (const dir of BLOCK_DIRS) {
        for (const name of names) {
            const path = `${dir}/${name}`;
            if (!/^[\w./-]+$/.test(path)) continue;
            const out = await adb.shell(`${shellCommand('ls', path)} && echo revive-found`);
            if (/^revive-found$/m.test(out)) return path;
        }
    }
    return undefined;
}

function firstError(text: string): string {
    return (text.split('\n').find((l) => /^E|ERROR|Error/.test(l)) ?? '').trim();
}

function stringOf(value: JournalValue | undefined, fallback = ''): string {
    return typeof value === 'string' ? value : fallback;
}

/**
 * Run (or resume) an upgrade. Resolves with the report when the new system answered; rejects with
 * a ReviveError otherwise (after a `failed` or `cancelled` event). The `started` event, with the
 * job id, is emitted synchronously before the first await: callers rely on it to track the job.
 */
export async function runUpgrade(options: UpgradeOptions, env: UpgradeEnvironment): Promise<UpgradeReport> {
    const recipe = env.recipe;
    const home = options.home ?? appHome();
    const journal = options.resumeJobId
        ? Journal.resume(options.resumeJobId, home)
        : Journal.create(newJobId(), 'upgrade', journalParams(options, recipe), home);
    const run = new JobRun({ journal, emit: env.emit, ui: env.ui, signal: env.signal });
    const job = new Upgrade(env, options, run);
    const steps = planSteps(recipe, options);
    run.start('upgrade', steps);
    const startedAt = journal.entries[0]?.at ?? new Date().toISOString();
    try {
        // Identify and gate run on every run: the phone is re-detected and the files re-checked.
        let found: Awaited<ReturnType<Upgrade['identify']>> | undefined;
        await run.step({ ...STEP.identify!, description: 'Looking for the phone and asking who it is.' }, async () => {
            found = await job.identify();
            await job.checkBattery(found.battery);
            return {
                detail: `${recipe.name} (${found.codename}), serial ${found.phone.serial}, in ${MODE_WORDS[found.phone.mode]}${found.battery !== undefined ? `, battery ${found.battery}%` : ''}.`,
                data: { codename: found.codename, serial: found.phone.serial, mode: found.phone.mode, battery: found.battery ?? null, androidVersion: found.androidVersion, fingerprint: found.fingerprint },
            };
        }, { always: true });
        const before = { androidVersion: found?.androidVersion ?? recipe.stockAndroidVersion, buildFingerprint: found?.fingerprint ?? '' };
        const firstIdentify = journal.entries.find((e) => e.t === 'step' && e.step === 'identify' && e.status === 'verified');
        if (firstIdentify && firstIdentify.t === 'step' && firstIdentify.data) {
            before.androidVersion = stringOf(firstIdentify.data['androidVersion'], before.androidVersion);
            before.buildFingerprint = stringOf(firstIdentify.data['fingerprint'], before.buildFingerprint);
        }
        const gate = await run.step({ ...STEP.gate!, description: 'Checking every file’s SHA-256 and that each package fits this phone, before anything touches it.' }, async () => {
            const report = await job.gate(found?.codename ?? recipe.codenames[0] ?? recipe.id);
            return {
                detail: `${report.files.length} files checked: checksums match${report.rom ? `; the ROM is for ${report.rom.devices.join(', ')}, Android ${report.rom.androidVersion}, ${report.rom.arch}` : ''}.`,
                data: { files: report.files.map((f) => ({ role: f.role, name: f.name, sizeBytes: f.sizeBytes, sha256: f.sha256, checksumSource: f.checksumSource })) },
            };
        }, { always: true });
        const needsUnlock = recipe.unlock.method !== 'none';
        if (needsUnlock) await run.step({ ...STEP.unlock!, description: recipe.unlock.explanation }, async () => ({ detail: await job.unlock() }));
        else run.skip(STEP.unlock!, 'This phone needs no bootloader unlock.');
        // On A/B phones TWRP only lives in RAM: after a restart it must be started again, unless the phone is still in it.
        const twrpGone = recipe.abSlots && !['recovery', 'sideload'].includes(env.locator.current()?.mode ?? '');
        await run.step(
            {
                ...STEP.flashRecovery!,
                description: recipe.abSlots ? 'Starting TWRP from memory over fastboot (A/B phones have no recovery partition).' : `Writing TWRP to the ${recipe.recoveryPartition} partition over ${recipe.method === 'odin' ? 'Odin (download mode)' : 'fastboot'}.`,
            },
            async () => ({ detail: await job.flashRecovery() }),
            { always: twrpGone && !run.wasVerified('install:' + (recipe.installOrder.at(-1) ?? 'su')) },
        );
        await run.step({ ...STEP.enterRecovery!, description: 'Starting TWRP without letting the old system start (it would put its own recovery back).' }, async () => ({ detail: await job.enterRecovery() }));
        let backup: ReportBackup | undefined;
        const backupOutcome = await run.step({ ...STEP.backup!, description: options.noBackup ? 'You chose to go without a backup.' : 'TWRP backs up the phone; every file is copied to this computer and its SHA-256 compared with the phone’s.' }, async () => {
            const result = await job.backup();
            backup = result.backup;
            return { detail: result.detail, data: { backup: result.backup as unknown as JournalValue } };
        });
        backup ??= backupOutcome.data['backup'] as unknown as ReportBackup | undefined;
        await run.step({ ...STEP.wipe!, description: 'Erasing the old system and data.' }, async () => ({ detail: await job.wipe() }));
        for (const role of recipe.installOrder) {
            if (!options.files[role]) continue;
            const info = installStep(role);
            await run.step({ ...info, description: `Sending ${basename(options.files[role] ?? '')} to TWRP (ADB sideload).` }, async () => ({ detail: await job.install(role) }));
        }
        await run.step({ ...STEP.reboot!, description: 'Restarting into the new system. The first start takes a few minutes.' }, async () => ({ detail: await job.reboot() }));
        let after = { androidVersion: '', buildFingerprint: '' };
        await run.step({ ...STEP.verify!, description: 'Asking the new system which version it runs.' }, async () => {
            const system = await job.verify();
            after = { androidVersion: system.androidVersion, buildFingerprint: system.fingerprint };
            return { detail: `The phone runs Android ${system.androidVersion} (${system.fingerprint}).` };
        }, { always: true });
        const gateFiles = (gate.data['files'] as unknown as UpgradeReport['files'] | undefined) ?? [];
        const report: UpgradeReport = {
            jobId: journal.jobId,
            recipeId: recipe.id,
            phoneName: recipe.name,
            serial: found?.phone.serial ?? '',
            startedAt,
            finishedAt: new Date().toISOString(),
            runs: journal.run,
            steps: run.outcomes.map((o) => ({ id: o.id, title: o.title, status: o.status, detail: o.detail })),
            files: gateFiles,
            backup: backup ?? { kind: 'declined', declinedAt: '' },
            installed: recipe.installOrder.filter((role) => options.files[role]).map((role) => basename(options.files[role] ?? '')),
            before,
            after,
            journalPath: journal.path,
        };
        journal.append({ t: 'end', outcome: 'done', detail: `The phone runs Android ${after.androidVersion}.` });
        run.emit({ type: 'done', report });
        return report;
    } catch (error) {
        const step = run.currentStep;
        const phoneState = describePhoneState(step, env.locator.current()?.mode);
        if (env.signal.aborted || error instanceof JobCancelled) {
            journal.append({ t: 'end', outcome: 'cancelled', detail: phoneState });
            run.emit({ type: 'cancelled', step, phoneState, resumable: true });
            throw new ReviveError({ code: 'cancelled', message: `The upgrade was stopped. ${phoneState}`, nextStep: `Resume it later with the job id ${journal.jobId}.` }, { cause: error });
        }
        const failure = ReviveError.from(error);
        const beforePhone = step === 'identify' || step === 'gate' || step === 'unlock';
        journal.append({ t: 'end', outcome: 'failed', detail: `${failure.code}: ${failure.message}` });
        run.emit({ type: 'failed', error: failure.toJSON(), step, phoneState, resumable: !beforePhone });
        throw failure;
    }
}

function describePhoneState(step: string | null, mode: PhoneMode | undefined): string {
    const where = mode ? `The phone is in ${MODE_WORDS[mode]}.` : 'The phone is not connected.';
    if (step === null || step === 'identify' || step === 'gate') return `Nothing was written to the phone. ${where}`;
    if (step === 'unlock' || step === 'flash-recovery') return `The old system is untouched; the recovery may be incomplete. ${where}`;
    if (step === 'enter-recovery' || step === 'backup') return `TWRP is on the phone; the old system and data are untouched. ${where}`;
    return `The old system is erased; the phone can reach TWRP with the recovery keys and the job can go on from there. ${where}`;
}

export { planSteps };
