/**
 * The upgrade's steps, declared once: the plan the person sees before it starts and the run both
 * come from this table. The order is built around what erases: the person's files are copied off
 * the running Android before anything — not even a bootloader unlock that wipes the phone — can
 * touch them; TWRP's backup comes before TWRP's wipe.
 */
import { basename } from 'node:path';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobStepInfo, ReportBackup } from '../../../native/jobs/events.js';
import type { JournalValue } from '../../../native/jobs/journal.js';
import type { StepResult } from '../../../native/jobs/runner.js';
import { hashFileShared } from '../../../native/integrity/hash.js';
import { runGate, type GatePlanFile } from '../../../native/integrity/gate.js';
import { androidVersionFromFingerprint } from '../../../native/integrity/zip-inspect.js';
import type { FileRole, Recipe } from '../../../native/manifests/schema.js';
import { twrpBackup } from './backup.js';
import { writeRecoveryByOdin } from './odin-recovery.js';
import { firstError, type UpgradeJob } from './job.js';
import { MODE_WORDS } from './modes.js';
import { CONFIRM_IDS, INSTRUCTION_IDS, installStepId, STEP_IDS } from './ids.js';
import { copyInternalStorage, storageFacts } from './storage.js';

export { CONFIRM_IDS, INSTRUCTION_IDS, installStepId, STEP_IDS } from './ids.js';

/** What decides the plan before the phone is seen: the recipe and the person's choices. */
export interface PlanFacts {
    readonly recipe: Recipe;
    /** The roles the person gave files for. */
    readonly roles: ReadonlySet<FileRole>;
    readonly noBackup: boolean;
}

export interface UpgradeStep extends JobStepInfo {
    /** In the plan (true), left out (false), or listed but skipped with this reason (a string). */
    readonly applies?: (plan: PlanFacts) => boolean | string;
    /** What the step does, in plain words, when it starts. */
    readonly description: (job: UpgradeJob) => string;
    /** The person's file this step puts onto the phone (flashed, started from memory or sideloaded). */
    readonly sends?: FileRole;
    /** Run again on every run even when an earlier run verified it (re-detecting the phone, re-checking files, re-starting TWRP from RAM). */
    readonly always?: (job: UpgradeJob) => boolean;
    readonly run: (job: UpgradeJob) => Promise<StepResult>;
}

const ROLE_TITLE: Readonly<Record<string, string>> = { rom: 'Install LineageOS', gapps: 'Install Google apps', su: 'Install root (su)' };

async function identify(job: UpgradeJob): Promise<StepResult> {
    const recipe = job.recipe;
    const phone = await job.modes.anyMode();
    const earlier = job.run.verifiedData(STEP_IDS.identify);
    let codename = recipe.codenames[0] ?? recipe.id;
    let battery: number | undefined;
    let model = typeof earlier?.['model'] === 'string' ? earlier['model'] : (recipe.models[0] ?? recipe.name);
    let androidVersion = typeof earlier?.['androidVersion'] === 'string' ? earlier['androidVersion'] : recipe.stockAndroidVersion;
    let fingerprint = typeof earlier?.['fingerprint'] === 'string' ? earlier['fingerprint'] : '';
    if (phone.mode === 'android' || phone.mode === 'recovery') {
        const adb = await job.modes.adb(phone);
        try {
            codename = (await adb.getprop('ro.product.device')) || codename;
            model = (await adb.getprop('ro.product.model')) || model;
            battery = await adb.battery();
            if (phone.mode === 'android') {
                androidVersion = (await adb.getprop('ro.build.version.release')) || androidVersion;
                fingerprint = (await adb.getprop('ro.build.fingerprint')) || fingerprint;
            }
        } finally {
            await adb.close();
        }
    } else if (phone.mode === 'bootloader') {
        const fastboot = await job.modes.fastboot(phone);
        await fastboot.close();
    }
    if (!recipe.codenames.some((c) => c.toLowerCase() === codename.toLowerCase())) {
        throw ReviveError.of('phone-mismatch', { variant: 'android', phone: recipe.name, expected: recipe.codenames.join(', '), found: codename });
    }
    job.found = { codename, serial: phone.serial, model, battery, androidVersion, fingerprint };
    await checkBattery(job, battery);
    return {
        detail: `${recipe.name} (${codename}), serial ${phone.serial}, in ${MODE_WORDS[phone.mode]}${battery !== undefined ? `, battery ${battery}%` : ''}.`,
        data: { codename, serial: phone.serial, model, mode: phone.mode, battery: battery ?? null, androidVersion, fingerprint },
    };
}

async function checkBattery(job: UpgradeJob, battery: number | undefined): Promise<void> {
    const min = job.recipe.minBatteryPercent;
    const low = (found: number | undefined): ReviveError =>
        found === undefined ? ReviveError.of('battery-declined', { phone: job.recipe.name, min }) : ReviveError.of('battery-low', { phone: job.recipe.name, min, found });
    if (battery === undefined) {
        const ok = await job.run.confirm({
            id: CONFIRM_IDS.battery,
            question: `Is the phone's battery at least ${min}% charged?`,
            detail: `The phone cannot report its battery in ${MODE_WORDS[job.modes.current()?.mode ?? 'download']}. If it dies while the new system is written, it may not start again.`,
            danger: false,
            confirmLabel: `Yes, at least ${min}%`,
            cancelLabel: 'No, charge it first',
        });
        if (!ok) throw low(undefined);
        return;
    }
    if (battery < min) throw low(battery);
}

async function gate(job: UpgradeJob): Promise<StepResult> {
    const files: GatePlanFile[] = [];
    for (const role of ['recovery', ...job.recipe.installOrder] as FileRole[]) {
        const path = job.options.files[role];
        if (path) files.push({ role, path, typedSha256: job.options.checksums?.[role] });
    }
    const codename = job.found?.codename ?? job.recipe.codenames[0] ?? job.recipe.id;
    const report = await runGate({ files }, job.recipe, codename, job.run.context());
    job.gate = report;
    return {
        detail: `${report.files.length} files checked: checksums match${report.rom ? `; the ROM is for ${report.rom.devices.join(', ')}, Android ${report.rom.androidVersion}, ${report.rom.arch}` : ''}.`,
        data: { files: report.files.map((f) => ({ role: f.role, name: f.name, sizeBytes: f.sizeBytes, sha256: f.sha256, checksumSource: f.checksumSource, origin: f.origin ?? null })) },
    };
}

/** The unlock question's words follow from what the copy step actually did. */
function unlockDetail(job: UpgradeJob): { detail: string; facts: Record<string, string | number> } {
    const recipe = job.recipe;
    if (!recipe.unlock.wipesData) return { detail: recipe.unlock.explanation, facts: {} };
    const copy = storageFacts(job.run.verifiedData(STEP_IDS.saveStorage));
    if (copy?.archive && copy.skipped === null) {
        return {
            detail: `Your internal storage is on the computer, checked file by file: ${copy.files} files in the encrypted backup ${copy.archive.path}. App data (apps, messages, settings) cannot be copied over USB and will be lost.`,
            facts: { copied: 'yes', files: copy.files, bytes: copy.bytes, archive: copy.archive.path },
        };
    }
    return {
        detail: 'Nothing was copied from the phone: photos, files, apps and their data on it will be lost.',
        facts: { copied: 'no', reason: copy?.skipped ?? 'not-android' },
    };
}

async function unlock(job: UpgradeJob): Promise<StepResult> {
    const recipe = job.recipe;
    const method = recipe.unlock.method;
    if (method === 'oem-unlock-toggle') {
        const ok = await job.run.confirm({
            id: CONFIRM_IDS.oemUnlockToggle,
            question: "Is 'OEM unlocking' switched on in the phone's Developer options?",
            detail: recipe.unlock.explanation,
            danger: false,
            confirmLabel: 'Yes, it is on',
            cancelLabel: 'No, stop here',
        });
        if (!ok) throw ReviveError.of('unlock-declined', { variant: 'oem-toggle' });
        return { detail: "The person confirmed that 'OEM unlocking' is on." };
    }
    if (method !== 'fastboot-oem-unlock' && method !== 'fastboot-flashing-unlock') return { detail: 'This phone needs no unlocking.' };
    const phone = await job.modes.ensure('bootloader');
    const fastboot = await job.modes.fastboot(phone);
    try {
        if ((await fastboot.getVar('unlocked')).trim() === 'yes') return { detail: 'The bootloader was already unlocked.', data: { alreadyUnlocked: true } };
        const words = unlockDetail(job);
        const ok = await job.run.confirm({
            id: CONFIRM_IDS.unlock,
            question: recipe.unlock.wipesData ? 'Unlocking erases everything on the phone. Continue?' : 'Unlock the bootloader now?',
            detail: words.detail,
            facts: words.facts,
            danger: recipe.unlock.wipesData,
            confirmLabel: 'Unlock',
            cancelLabel: 'Stop',
        });
        if (!ok) throw ReviveError.of('unlock-declined', { variant: 'unlock' });
        job.run.instruct({ id: INSTRUCTION_IDS.confirmUnlock, text: 'Look at the phone: it asks whether to unlock. Press Volume Up to choose Yes, then Power to confirm.', waitingFor: 'bootloader' });
        job.touch('unlock');
        await fastboot.unlock(method, job.run.context());
    } finally {
        await fastboot.close();
    }
    // The bootloader re-enumerates after an unlock on many phones; ask again on a fresh link.
    const again = await job.modes.waitFor(['bootloader']);
    const check = await job.modes.fastboot(again);
    try {
        const unlocked = (await check.getVar('unlocked')).trim();
        if (unlocked !== 'yes') {
            throw ReviveError.of('unlock-failed', { answer: unlocked || '—' });
        }
    } finally {
        await check.close();
    }
    return { detail: 'The bootloader is unlocked (the phone confirmed it).', data: { wiped: recipe.unlock.wipesData } };
}

async function flashRecovery(job: UpgradeJob): Promise<StepResult> {
    const recipe = job.recipe;
    const image = job.file('recovery');
    const partition = recipe.recoveryPartition;
    const digest = await hashFileShared(image, job.run.context(), 'recheck:recovery');
    job.assertUnchanged('recovery', digest.sha256);
    if (recipe.method === 'odin') {
        await writeRecoveryByOdin(job.modes, recipe, image, job.run.context(), () => job.touch('recovery'));
    } else {
        const phone = await job.modes.ensure('bootloader');
        const fastboot = await job.modes.fastboot(phone);
        try {
            if (recipe.abSlots) {
                // A/B phones have no recovery partition: TWRP runs from RAM (`fastboot boot`), and the
                // stock boot image stays until the ROM replaces it.
                await fastboot.boot(image, job.run.context());
                await job.modes.waitFor(['recovery']);
                return { detail: `${basename(image)} started from memory with fastboot boot (${digest.sizeBytes} bytes, SHA-256 ${digest.sha256.slice(0, 12)}…); ${partition} is left as it is.`, data: { inMemory: true } };
            }
            job.touch('recovery');
            await fastboot.flash(partition, image, job.run.context());
        } finally {
            await fastboot.close();
        }
    }
    return { detail: `${basename(image)} written to ${partition} (${digest.sizeBytes} bytes, SHA-256 ${digest.sha256.slice(0, 12)}…).` };
}

async function enterRecovery(job: UpgradeJob): Promise<StepResult> {
    const phone = await job.modes.ensure('recovery');
    const adb = await job.modes.adb(phone);
    try {
        const twrp = await adb.getprop('ro.twrp.version');
        if (!twrp) {
            throw ReviveError.of('recovery-not-twrp', {});
        }
        return { detail: `TWRP ${twrp} is running.` };
    } finally {
        await adb.close();
    }
}

async function backup(job: UpgradeJob): Promise<StepResult> {
    const result = await twrpBackup(job);
    return { detail: result.detail, data: { backup: result.backup as unknown as JournalValue } };
}

/** The erase question's words follow from the backups the journal holds. */
function eraseDetail(job: UpgradeJob): { detail: string; facts: Record<string, string | number> } {
    const backupData = job.run.verifiedData(STEP_IDS.backup)?.['backup'] as unknown as ReportBackup | undefined;
    const copy = storageFacts(job.run.verifiedData(STEP_IDS.saveStorage));
    const parts = ['The old system, apps and data are erased so the new system starts clean.'];
    const facts: Record<string, string | number> = { twrpBackup: backupData?.kind === 'verified' ? 'verified' : 'none', storageFiles: copy && copy.skipped === null ? copy.files : 0 };
    if (backupData?.kind === 'verified') {
        parts.push(`TWRP's backup is on the computer, checked: ${backupData.directory}.`);
        facts['directory'] = backupData.directory;
    } else parts.push('There is no TWRP backup: you chose to go on without one.');
    if (copy && copy.skipped === null) parts.push(`Your internal storage (${copy.files} files) is on the computer too.`);
    return { detail: parts.join(' '), facts };
}

async function wipe(job: UpgradeJob): Promise<StepResult> {
    const words = eraseDetail(job);
    const ok = await job.run.confirm({ id: CONFIRM_IDS.erase, question: 'This erases everything on the phone. Continue?', detail: words.detail, facts: words.facts, danger: true, confirmLabel: 'Erase and continue', cancelLabel: 'Stop' });
    if (!ok) throw ReviveError.of('wipe-declined', {});
    const phone = await job.modes.ensure('recovery');
    const has = (twrpName: string): boolean => job.recipe.partitions.some((p) => p.twrpName === twrpName);
    const commands = [...(has('cache') ? ['twrp wipe cache'] : []), 'twrp wipe dalvik', ...(has('system') ? ['twrp wipe system'] : []), 'twrp format data'];
    const adb = await job.modes.adb(phone);
    try {
        job.touch('wipe');
        for (const command of commands) {
            const out = await adb.shell(command);
            if (/^E:|Error processing script/m.test(out)) {
                throw ReviveError.of('wipe-failed', { command, twrpSaid: firstError(out) });
            }
        }
    } finally {
        await adb.close();
    }
    return { detail: `Erased: ${commands.map((c) => c.split(' ').pop()).join(', ')}.` };
}

async function install(job: UpgradeJob, role: FileRole): Promise<StepResult> {
    const path = job.file(role);
    const digest = await hashFileShared(path, job.run.context(), `recheck:${role}`);
    job.assertUnchanged(role, digest.sha256);
    const phone = await job.modes.ensure('sideload');
    const adb = await job.modes.adb(phone);
    try {
        job.touch(`install:${role}`);
        await adb.sideload(path, job.run.context());
    } finally {
        // TWRP leaves sideload mode on its own once the package is in: let go of the session first.
        await adb.end().catch(() => undefined);
    }
    // After a sideload TWRP goes back to its menu (the device re-enumerates in recovery).
    const recovery = await job.modes.waitFor(['recovery']);
    const check = await job.modes.adb(recovery);
    try {
        const log = await check.shell('cat /tmp/recovery.log');
        const start = log.lastIndexOf('Installing zip file');
        const block = start >= 0 ? log.slice(start) : '';
        if (start < 0 || /Error installing zip file|^E\d{4}:|^E:/m.test(block)) {
            const said = firstError(block);
            throw ReviveError.of('install-failed', said ? { variant: 'said', file: basename(path), path, twrpSaid: said } : { variant: 'silent', file: basename(path), path });
        }
        const postBuild = role === 'rom' ? job.gate?.rom?.postBuild : undefined;
        if (postBuild && !block.includes(postBuild)) {
            throw ReviveError.of('install-unconfirmed', { file: basename(path), build: postBuild });
        }
    } finally {
        await check.close();
    }
    return { detail: `${basename(path)} installed (SHA-256 ${digest.sha256.slice(0, 12)}… checked before sending; TWRP reported success).` };
}

async function reboot(job: UpgradeJob): Promise<StepResult> {
    await job.modes.ensure('android');
    return { detail: 'The phone started its new system.' };
}

async function verify(job: UpgradeJob): Promise<StepResult> {
    const phone = await job.modes.ensure('android');
    const adb = await job.modes.adb(phone);
    try {
        const androidVersion = await adb.getprop('ro.build.version.release');
        const fingerprint = await adb.getprop('ro.build.fingerprint');
        const expected = job.gate?.rom?.postBuild;
        const expectedVersion = expected ? androidVersionFromFingerprint(expected) : undefined;
        if ((expected && fingerprint !== expected) || (expectedVersion && androidVersion !== expectedVersion)) {
            throw ReviveError.of('system-unexpected', { expected: expected ?? '', found: fingerprint || '—', android: androidVersion || '?' });
        }
        return { detail: `The phone runs Android ${androidVersion} (${fingerprint}).`, data: { androidVersion, fingerprint } };
    } finally {
        await adb.close();
    }
}

function installRow(recipe: Recipe, role: FileRole): UpgradeStep {
    return {
        id: installStepId(role),
        title: ROLE_TITLE[role] ?? `Install ${role}`,
        applies: (plan) => plan.roles.has(role),
        sends: role,
        description: (job) => `Sending ${basename(job.options.files[role] ?? '')} to TWRP (ADB sideload).`,
        run: (job) => install(job, role),
    };
}

/** The table. */
export function upgradeSteps(recipe: Recipe): readonly UpgradeStep[] {
    const lastInstall = installStepId(recipe.installOrder.at(-1) ?? 'su');
    return [
        { id: STEP_IDS.identify, title: 'Recognise the phone', description: () => 'Looking for the phone and asking who it is.', always: () => true, run: identify },
        { id: STEP_IDS.gate, title: 'Check every file', description: () => 'Checking every file’s SHA-256 and that each package fits this phone, before anything touches it.', always: () => true, run: gate },
        {
            id: STEP_IDS.saveStorage,
            title: 'Copy photos and files',
            applies: (plan) => (plan.noBackup ? 'You chose to go without a backup.' : true),
            description: () => 'Copying internal storage (photos, downloads, documents) from the running Android into an encrypted backup on this computer, each file checked against the phone’s SHA-256.',
            run: copyInternalStorage,
        },
        {
            id: STEP_IDS.unlock,
            title: 'Unlock the bootloader',
            applies: (plan) => (plan.recipe.unlock.method === 'none' ? 'This phone needs no bootloader unlock.' : true),
            description: (job) => job.recipe.unlock.explanation,
            run: unlock,
        },
        {
            id: STEP_IDS.flashRecovery,
            title: 'Put TWRP on the phone',
            sends: 'recovery',
            description: (job) =>
                job.recipe.abSlots
                    ? 'Starting TWRP from memory over fastboot (A/B phones have no recovery partition).'
                    : `Writing TWRP to the ${job.recipe.recoveryPartition} partition over ${job.recipe.method === 'odin' ? 'Odin (download mode)' : 'fastboot'}.`,
            // On A/B phones TWRP only lives in RAM: after a restart it must be started again, unless the phone is still in it.
            always: (job) => job.recipe.abSlots && !['recovery', 'sideload'].includes(job.modes.current()?.mode ?? '') && !job.run.wasVerified(lastInstall),
            run: flashRecovery,
        },
        { id: STEP_IDS.enterRecovery, title: 'Start TWRP', description: () => 'Starting TWRP without letting the old system start (it would put its own recovery back).', run: enterRecovery },
        {
            id: STEP_IDS.backup,
            title: 'Back up the phone',
            description: (job) => (job.options.noBackup ? 'You chose to go without a backup.' : 'TWRP backs up the phone; the backup, the EFS/persist partitions and internal storage go into one encrypted archive on this computer, every part checked.'),
            run: backup,
        },
        { id: STEP_IDS.wipe, title: 'Erase the old system', description: () => 'Erasing the old system and data.', run: wipe },
        ...recipe.installOrder.map((role) => installRow(recipe, role)),
        { id: STEP_IDS.reboot, title: 'Start the new system', description: () => 'Restarting into the new system. The first start takes a few minutes.', run: reboot },
        { id: STEP_IDS.verify, title: 'Check the new system', description: () => 'Asking the new system which version it runs.', always: () => true, run: verify },
    ];
}

/**
 * The steps this recipe and these choices go through, in order (what the plan shows); with
 * `fileBytes`, each step also says how many bytes it puts onto the phone.
 */
export function planSteps(plan: PlanFacts, fileBytes?: (role: FileRole) => number): JobStepInfo[] {
    return upgradeSteps(plan.recipe)
        .filter((step) => (step.applies ? step.applies(plan) !== false : true))
        .map((step) => ({ id: step.id, title: step.title, ...(fileBytes ? { bytesToPhone: step.sends ? fileBytes(step.sends) : 0 } : {}) }));
}
