/**
 * The counter screen's state: the backend's counter (shop, technician, concurrency, lanes), each
 * lane's job as its events come (the same JOB_CHANGES as the wizard's run screen), the tickets typed
 * for phones not started yet, "which phone is this?" answers, and the shop's history search.
 */
import { create } from 'zustand';
import { newJobId } from '../../common/job-id.js';
import type { ApiError, ApiResult, CounterView, EventPayload, FileRole, HistoryEntry, ReviveApi } from './api/contract-types.js';
import { fileFits, freshJob, JOB_CHANGES, useUi, type FileEntry, type JobEventName, type JobState } from './store.js';

export interface HistoryQuery {
    readonly ticket: string;
    readonly serial: string;
    readonly imei: string;
    readonly from: string;
    readonly to: string;
}

export interface CounterUi {
    readonly view: CounterView | null;
    /** The job of each lane, by its job id (the page chose the id, so even the first event finds it). */
    readonly jobs: Readonly<Record<string, JobState>>;
    /** Tickets typed for phones whose lane has not started yet, by device id. */
    readonly tickets: Readonly<Record<string, string>>;
    /** What "which phone is this?" did, by device id. */
    readonly shown: Readonly<Record<string, 'about-phone' | 'port'>>;
    readonly history: HistoryEntry[] | null;
    readonly error: ApiError | null;
    readonly busy: boolean;
}

export const useCounter = create<CounterUi>(() => ({ view: null, jobs: {}, tickets: {}, shown: {}, history: null, error: null, busy: false }));

const set = useCounter.setState;
const get = useCounter.getState;
let api: ReviveApi | null = null;

async function run<T>(call: (api: ReviveApi) => Promise<ApiResult<T>>): Promise<T | undefined> {
    if (!api) return undefined;
    set({ busy: true, error: null });
    const result = await call(api);
    set({ busy: false });
    if (result.ok) return result.value;
    set({ error: result.error });
    return undefined;
}

function onJobEvent<K extends JobEventName>(event: K): (e: EventPayload<K>) => void {
    return (e) => {
        const job = get().jobs[e.jobId];
        if (job) set({ jobs: { ...get().jobs, [e.jobId]: { ...job, ...JOB_CHANGES[event](job, e) } } });
    };
}

export function connectCounter(revive: ReviveApi): void {
    api = revive;
    revive.onCounterChanged((view) => set({ view }));
    revive.onJobStarted(onJobEvent('jobStarted'));
    revive.onJobStep(onJobEvent('jobStep'));
    revive.onJobProgress(onJobEvent('jobProgress'));
    revive.onJobInstruction(onJobEvent('jobInstruction'));
    revive.onJobConfirm(onJobEvent('jobConfirm'));
    revive.onJobDone(onJobEvent('jobDone'));
    revive.onJobFailed(onJobEvent('jobFailed'));
    revive.onJobCancelled(onJobEvent('jobCancelled'));
}

export function dismissCounterError(): void {
    set({ error: null });
}

export async function loadCounter(): Promise<void> {
    const view = await run((a) => a.counterState({}));
    if (view) set({ view });
}

export async function chooseShopFolder(dir: string): Promise<boolean> {
    const view = await run((a) => a.counterSettings({ shopDir: dir }));
    if (view) set({ view, history: null });
    return view !== undefined;
}

export async function createShop(dir: string, name: string): Promise<boolean> {
    const view = await run((a) => a.createShop({ dir, name }));
    if (view) set({ view, history: null });
    return view !== undefined;
}

export async function saveTechnician(technician: string): Promise<void> {
    const view = await run((a) => a.counterSettings({ technician }));
    if (view) set({ view });
}

export async function setConcurrency(concurrency: number): Promise<void> {
    const view = await run((a) => a.counterSettings({ concurrency }));
    if (view) set({ view });
}

export function setTicket(deviceId: string, ticket: string): void {
    set({ tickets: { ...get().tickets, [deviceId]: ticket } });
}

/** The files chosen on the counter (the wizard's files, for the recipe on screen) that may go into an upgrade. */
export function chosenFiles(files: Partial<Record<FileRole, FileEntry>>): Array<{ role: FileRole; verificationId: string }> {
    return (Object.entries(files) as Array<[FileRole, FileEntry]>).filter(([, entry]) => fileFits(entry)).map(([role, entry]) => ({ role, verificationId: entry.verificationId }));
}

/** Queue an upgrade on this phone with the counter's files; its job is on the page before its first event. */
export async function startLane(deviceId: string, recipeId: string, language: 'en' | 'de'): Promise<void> {
    const { files, keepBackup } = useUi.getState();
    const jobId = newJobId();
    set({ jobs: { ...get().jobs, [jobId]: freshJob(jobId) } });
    const ticket = get().tickets[deviceId] ?? '';
    const view = await run((a) => a.startLane({ jobId, deviceId, recipeId, files: chosenFiles(files), declineBackup: !keepBackup, ticket, language }));
    if (view) set({ view, tickets: { ...get().tickets, [deviceId]: '' } });
}

export async function cancelLane(deviceId: string): Promise<void> {
    const view = await run((a) => a.cancelLane({ deviceId }));
    if (view) set({ view });
}

export async function dismissLane(deviceId: string): Promise<void> {
    const view = await run((a) => a.dismissLane({ deviceId }));
    if (view) set({ view, shown: Object.fromEntries(Object.entries(get().shown).filter(([id]) => id !== deviceId)) });
}

export async function identifyPhone(deviceId: string): Promise<void> {
    const result = await run((a) => a.identifyPhone({ deviceId }));
    if (result) set({ shown: { ...get().shown, [deviceId]: result.shows ?? 'port' } });
}

export async function answerLane(jobId: string, yes: boolean): Promise<void> {
    const job = get().jobs[jobId];
    if (!job?.confirm) return;
    const requestId = job.confirm.id;
    set({ jobs: { ...get().jobs, [jobId]: { ...job, confirm: null } } });
    await run((a) => a.answerConfirm({ jobId, requestId, yes }));
}

export async function pressLaneButtons(jobId: string): Promise<void> {
    const job = get().jobs[jobId];
    if (!job?.instruction) return;
    set({ jobs: { ...get().jobs, [jobId]: { ...job, pressed: true } } });
    await run((a) => a.pressVirtualButtons({ jobId, instructionId: job.instruction?.id ?? '' }));
}

export async function searchHistory(query: HistoryQuery): Promise<void> {
    const words = Object.fromEntries(Object.entries(query).filter(([, value]) => value.trim() !== '').map(([key, value]) => [key, value.trim()]));
    const result = await run((a) => a.searchHistory(words));
    if (result) set({ history: result.entries });
}
