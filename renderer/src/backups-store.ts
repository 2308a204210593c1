/**
 * The backups' state: the list of archives on this computer, the one backup task at a time (back
 * up, verify, restore, travel-clean) fed by its own job's step, progress and log events, and the
 * guided flows ("Back up this phone", "Before you travel", "Restore a backup"). Passphrases are
 * never stored here: the forms keep them and hand them to the one command.
 */
import { create } from 'zustand';
import { newJobId } from '../../common/job-id.js';
import type { ApiError, ApiResult, BackupView, CommandRequest, CommandResult, EventPayload, ReviveApi } from './api/contract-types.js';
import { goTo, useUi } from './store.js';

export type BackupTaskKind = 'backup' | 'verify' | 'restore' | 'travel-clean';

export interface BackupTaskStep {
    readonly step: string;
    readonly status: EventPayload<'jobStep'>['status'];
}

export interface BackupTask {
    readonly jobId: string;
    readonly kind: BackupTaskKind;
    /** The backup it works on (verify, restore, travel-clean). */
    readonly backupId: string | null;
    readonly running: boolean;
    readonly steps: BackupTaskStep[];
    readonly progress: EventPayload<'jobProgress'> | null;
    readonly error: ApiError | null;
    readonly cancelling: boolean;
    /** What the person must do with the phone now (a key combination), until the step moves on. */
    readonly instruction: EventPayload<'jobInstruction'> | null;
    /** The virtual phone's owner was asked to press the instruction's keys. */
    readonly pressed: boolean;
    /** A question the job waits on (e.g. writing TWRP to a Samsung's recovery partition). */
    readonly question: EventPayload<'jobConfirm'> | null;
}

/** Which flow the backup screen walks: a plain backup, or the whole pre-travel one. */
export type BackupFlow = 'backup' | 'travel';

export interface BackupsState {
    readonly folder: string | null;
    readonly backups: BackupView[];
    readonly loaded: boolean;
    readonly task: BackupTask | null;
    /** The phone the backup and restore screens work on. */
    readonly deviceId: string | null;
    /** Its name when the screen opened: the heading keeps it while the phone is unplugged or restarting. */
    readonly deviceName: string | null;
    readonly flow: BackupFlow;
    /** The backup this flow made (or the one picked for restore). */
    readonly current: BackupView | null;
    readonly travelClean: CommandResult<'makeTravelClean'> | null;
    readonly restored: CommandResult<'restoreBackup'> | null;
    /** Verified just now on the list screen: that row says so. */
    readonly justVerified: string | null;
    /** A delete that failed, in words on the list screen. */
    readonly listError: ApiError | null;
}

export const useBackups = create<BackupsState>(() => ({
    folder: null,
    backups: [],
    loaded: false,
    task: null,
    deviceId: null,
    deviceName: null,
    flow: 'backup',
    current: null,
    travelClean: null,
    restored: null,
    justVerified: null,
    listError: null,
}));

const set = useBackups.setState;
const get = useBackups.getState;
let api: ReviveApi | null = null;

function updateTask(jobId: string, change: (task: BackupTask) => Partial<BackupTask>): void {
    const task = get().task;
    if (task?.jobId === jobId) set({ task: { ...task, ...change(task) } });
}

export function connectBackups(revive: ReviveApi): void {
    api = revive;
    revive.onJobStep((e) =>
        updateTask(e.jobId, (task) => {
            const known = task.steps.some((s) => s.step === e.step);
            const step = { step: e.step, status: e.status };
            return { steps: known ? task.steps.map((s) => (s.step === e.step ? step : s)) : [...task.steps, step], ...(e.status !== 'started' ? { progress: null, instruction: null, pressed: false } : {}) };
        }),
    );
    revive.onJobInstruction((e) => updateTask(e.jobId, () => ({ instruction: e, pressed: false })));
    revive.onJobConfirm((e) => updateTask(e.jobId, () => ({ question: e })));
    revive.onJobProgress((e) => updateTask(e.jobId, () => ({ progress: e })));
}

export async function refreshBackups(): Promise<void> {
    if (!api) return;
    const result = await api.listBackups({});
    if (result.ok) set({ folder: result.value.folder, backups: result.value.backups, loaded: true });
}

/** Runs one backup command as the task on screen; a failure stays on the task, in words. */
async function runTask<T>(kind: BackupTaskKind, backupId: string | null, call: (revive: ReviveApi, jobId: string) => Promise<ApiResult<T>>): Promise<T | undefined> {
    if (!api || get().task?.running) return undefined;
    const jobId = newJobId();
    set({ task: { jobId, kind, backupId, running: true, steps: [], progress: null, error: null, cancelling: false, instruction: null, pressed: false, question: null } });
    const result = await call(api, jobId);
    updateTask(jobId, () => ({ running: false, progress: null, cancelling: false, instruction: null, question: null, ...(result.ok ? {} : { error: result.error }) }));
    void refreshBackups();
    return result.ok ? result.value : undefined;
}

/** The listed phone's name, kept by the screens for when it is unplugged or restarting. */
const nameOf = (deviceId: string | null): string | null => useUi.getState().snapshot.devices.find((d) => d.id === deviceId)?.name ?? null;

/** Open the backup screen for this phone: a plain backup, or the pre-travel flow. */
export function openBackupFlow(deviceId: string, flow: BackupFlow): void {
    set({ deviceId, deviceName: nameOf(deviceId), flow, current: null, travelClean: null, restored: null, task: null });
    goTo('backup');
}

/**
 * Open the restore screen for this phone, with a backup already chosen or not. From the backup just
 * made the phone may be restarting (not listed): the name the screen had is kept for that same phone
 * only, never carried over to another.
 */
export function openRestore(deviceId: string | null, backup: BackupView | null): void {
    const kept = deviceId === get().deviceId ? get().deviceName : null;
    set({ deviceId, deviceName: nameOf(deviceId) ?? kept, current: backup, restored: null, task: null });
    void refreshBackups();
    goTo('restore');
}

export function openBackupsList(): void {
    set({ task: null, justVerified: null, listError: null });
    void refreshBackups();
    goTo('backups');
}

export async function backUpPhone(passphrase: string): Promise<boolean> {
    const { deviceId, flow } = get();
    if (!deviceId) return false;
    // Before a trip the phone stays in TWRP: travel-clean formats /data there next.
    const made = await runTask('backup', null, (revive, jobId) => revive.backUpPhone({ jobId, deviceId, passphrase, leaveInTwrp: flow === 'travel' }));
    if (made) set({ current: made });
    return made !== undefined;
}

export async function verifyBackup(backupId: string, unlock: CommandRequest<'verifyBackup'>['unlock']): Promise<boolean> {
    const verified = await runTask('verify', backupId, (revive, jobId) => revive.verifyBackup({ jobId, backupId, unlock }));
    if (verified) set({ justVerified: backupId, ...(get().current?.backupId === backupId ? { current: verified } : {}) });
    return verified !== undefined;
}

export async function deleteBackup(backupId: string): Promise<void> {
    if (!api) return;
    const result = await api.deleteBackup({ backupId });
    set({ listError: result.ok ? null : result.error });
    await refreshBackups();
}

/** Restore; `rawStateTyped` (the codename the person typed back) also writes the backup's EFS and modem partitions. */
export async function restoreBackup(backupId: string, unlock: CommandRequest<'restoreBackup'>['unlock'], rawStateTyped?: string): Promise<boolean> {
    const deviceId = get().deviceId;
    if (!deviceId) return false;
    const restored = await runTask('restore', backupId, (revive, jobId) => revive.restoreBackup({ jobId, deviceId, backupId, unlock, ...(rawStateTyped !== undefined ? { rawStateTyped } : {}) }));
    if (restored) set({ restored });
    return restored !== undefined;
}

export async function makeTravelClean(): Promise<boolean> {
    const { deviceId, current } = get();
    if (!deviceId || !current) return false;
    const cleaned = await runTask('travel-clean', current.backupId, (revive, jobId) => revive.makeTravelClean({ jobId, deviceId, backupId: current.backupId }));
    if (cleaned) set({ travelClean: cleaned });
    return cleaned !== undefined;
}

export function chooseBackup(backup: BackupView | null): void {
    set({ current: backup, task: null });
}

/** Stop the running backup task (the command then answers with `cancelled`). */
export async function cancelBackupTask(): Promise<void> {
    const task = get().task;
    if (!api || !task?.running) return;
    updateTask(task.jobId, () => ({ cancelling: true }));
    await api.cancelJob({ jobId: task.jobId });
}

/** The person's answer to the running task's question. */
/** Answer the running task's question; `verificationId`: the checked file that goes with a yes (the TWRP image it asked for). */
export async function answerTaskQuestion(yes: boolean, verificationId?: string): Promise<void> {
    const task = get().task;
    if (!api || !task?.question) return;
    const requestId = task.question.id;
    updateTask(task.jobId, () => ({ question: null }));
    await api.answerConfirm({ jobId: task.jobId, requestId, yes, ...(yes && verificationId ? { verificationId } : {}) });
}

/** "I'm holding the buttons" on the virtual phone: its owner presses the instruction's keys. */
export async function pressTaskButtons(): Promise<void> {
    const task = get().task;
    if (!api || !task?.instruction) return;
    updateTask(task.jobId, () => ({ pressed: true }));
    await api.pressVirtualButtons({ jobId: task.jobId, instructionId: task.instruction.id });
}
