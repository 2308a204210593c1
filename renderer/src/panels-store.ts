/**
 * State of the secondary panels (keys, VPN, firewall, apps): one task per panel at a time, fed by
 * the jobStep/jobProgress/jobLog events of the job whose id the panel chose, and each panel's last result. Passphrases are never
 * stored here: the forms keep them in component state and hand them to the one command.
 */
import { create } from 'zustand';
import { listedFileName, parseSha256Sums } from '../../common/sha256sums.js';
import type { ApiError, ApiResult, EventPayload, FileRef, FirewallResult, KeysResult, PhonePackage, ReviveApi, AppResult, CommandRequest, VpnResult } from './api/contract-types.js';
import type { FirewallApp as ProfileApp } from '../../common/firewall-app.js';
import { newJobId } from '../../common/job-id.js';

export type PanelName = 'keys' | 'vpn' | 'firewall' | 'apps';
export const PANELS: readonly PanelName[] = ['keys', 'vpn', 'firewall', 'apps'];

export interface TaskStep {
    readonly step: string;
    readonly title: string;
    readonly status: EventPayload<'jobStep'>['status'];
    readonly detail: string;
}

export interface PanelTask {
    /** The panel job's id, chosen here before the command starts it. */
    readonly jobId: string;
    /** What the task does, for its heading: create, rotate, push, list, install. */
    readonly kind: 'create' | 'rotate' | 'push' | 'remove' | 'list' | 'install';
    readonly running: boolean;
    readonly steps: TaskStep[];
    readonly progress: EventPayload<'jobProgress'> | null;
    readonly log: string[];
    readonly error: ApiError | null;
}

export interface FirewallApp extends ProfileApp {
    /** Typed by the person rather than read from the phone. */
    readonly typed: boolean;
}

export interface ApkEntry {
    readonly id: string;
    readonly name: string;
    readonly status: 'sending' | 'ready' | 'refused';
    readonly file: FileRef | null;
    readonly sha256: string;
    readonly error: ApiError | null;
}

export interface PanelsState {
    readonly tasks: Partial<Record<PanelName, PanelTask>>;
    readonly keys: KeysResult | null;
    readonly keysPushed: string[] | null;
    readonly vpn: VpnResult | null;
    readonly vpnPushed: string[] | null;
    /** The phone the VPN profile went to, so it can be deleted there once imported. */
    readonly vpnPushedTo: string | null;
    readonly vpnRemoved: boolean;
    readonly firewallApps: FirewallApp[];
    readonly phoneAppsRead: boolean;
    /** How many apps the phone listed the last time it was asked. */
    readonly phoneAppsFound: number | null;
    readonly firewall: FirewallResult | null;
    readonly firewallPushed: string[] | null;
    readonly apks: ApkEntry[];
    readonly appResults: AppResult[] | null;
    readonly appsError: ApiError | null;
}

export const usePanels = create<PanelsState>(() => ({
    tasks: {},
    keys: null,
    keysPushed: null,
    vpn: null,
    vpnPushed: null,
    vpnPushedTo: null,
    vpnRemoved: false,
    firewallApps: [],
    phoneAppsRead: false,
    phoneAppsFound: null,
    firewall: null,
    firewallPushed: null,
    apks: [],
    appResults: null,
    appsError: null,
}));

const set = usePanels.setState;
const get = usePanels.getState;
let api: ReviveApi | null = null;
let counter = 0;

function panelOf(jobId: string): PanelName | undefined {
    return PANELS.find((p) => get().tasks[p]?.jobId === jobId);
}

/** An event of a panel's own job; the upgrade's events (and other jobs') are not a panel's. */
function updateTask(jobId: string, change: (task: PanelTask) => Partial<PanelTask>): void {
    const panel = panelOf(jobId);
    const task = panel ? get().tasks[panel] : undefined;
    if (panel && task) set({ tasks: { ...get().tasks, [panel]: { ...task, ...change(task) } } });
}

export function connectPanels(revive: ReviveApi): void {
    api = revive;
    revive.onJobStep((e) =>
        updateTask(e.jobId, (task) => {
            const known = task.steps.some((s) => s.step === e.step);
            const step = { step: e.step, title: e.title, status: e.status, detail: e.description };
            return { steps: known ? task.steps.map((s) => (s.step === e.step ? step : s)) : [...task.steps, step], ...(e.status !== 'started' ? { progress: null } : {}) };
        }),
    );
    revive.onJobProgress((e) => updateTask(e.jobId, () => ({ progress: e })));
    // A panel job's log lines are its own plain lines (coded notes are the upgrade's).
    revive.onJobLog((e) => updateTask(e.jobId, (task) => ({ log: [...task.log, ...(e.line === undefined ? [] : [e.line])].slice(-500) })));
}

/** Runs one panel command as the panel's current task; a failure is kept on the task, in words. */
async function runTask<T>(panel: PanelName, kind: PanelTask['kind'], call: (jobId: string) => Promise<ApiResult<T>>): Promise<T | undefined> {
    if (!api || get().tasks[panel]?.running) return undefined;
    const jobId = newJobId();
    set({ tasks: { ...get().tasks, [panel]: { jobId, kind, running: true, steps: [], progress: null, log: [], error: null } } });
    const result = await call(jobId);
    updateTask(jobId, () => ({ running: false, progress: null, error: result.ok ? null : result.error }));
    return result.ok ? result.value : undefined;
}

function revive(): ReviveApi {
    if (!api) throw new Error('The API is not connected yet.');
    return api;
}

export type NewKey = CommandRequest<'createKeys'>['key'];

export async function createKeys(key: NewKey): Promise<boolean> {
    set({ keys: null, keysPushed: null });
    const result = await runTask('keys', 'create', (jobId) => revive().createKeys({ jobId, key }));
    if (result) set({ keys: result });
    return result !== undefined;
}

export async function rotateKeys(oldKeyFile: File, oldPassphrase: string, key: NewKey): Promise<boolean> {
    set({ keys: null, keysPushed: null });
    const result = await runTask('keys', 'rotate', async (jobId) => {
        const ref = await revive().fileRef(oldKeyFile);
        if (!ref.ok) return ref;
        return revive().rotateKeys({ jobId, oldSecretKey: ref.value, oldPassphrase, key });
    });
    if (result) set({ keys: result });
    return result !== undefined;
}

export async function pushResult(panel: 'keys' | 'vpn' | 'firewall', deviceId: string, includeSecretKey = false): Promise<void> {
    const resultId = get()[panel]?.resultId;
    if (!resultId) return;
    const field = panel === 'keys' ? 'keysPushed' : panel === 'vpn' ? 'vpnPushed' : 'firewallPushed';
    set({ [field]: null });
    const result = await runTask(panel, 'push', (jobId) => revive().pushPanelFiles({ jobId, deviceId, resultId, includeSecretKey }));
    if (result) set({ [field]: result.pushed.map((p) => p.remote) });
    if (result && panel === 'vpn') set({ vpnPushedTo: deviceId, vpnRemoved: false });
}

/** Delete the pushed VPN profile from the phone: it holds the phone's private key in shared storage. */
export async function removeVpnFromPhone(): Promise<void> {
    const { vpn, vpnPushedTo } = get();
    if (!vpn || !vpnPushedTo) return;
    const result = await runTask('vpn', 'remove', (jobId) => revive().removePushedFiles({ jobId, deviceId: vpnPushedTo, resultId: vpn.resultId }));
    if (result) set({ vpnRemoved: true });
}

export type VpnForm = Omit<CommandRequest<'createVpn'>, 'jobId'>;

export async function createVpn(form: VpnForm): Promise<void> {
    set({ vpn: null, vpnPushed: null, vpnPushedTo: null, vpnRemoved: false });
    const result = await runTask('vpn', 'create', (jobId) => revive().createVpn({ jobId, ...form }));
    if (result) set({ vpn: result });
}

export async function readPhoneApps(deviceId: string): Promise<void> {
    const result = await runTask('firewall', 'list', async (jobId) => {
        const answer = await revive().listPhoneApps({ deviceId });
        // listPhoneApps has no steps of its own; say on the task what happened.
        if (answer.ok) updateTask(jobId, () => ({ steps: [{ step: 'list', title: '', status: 'finished', detail: '' }] }));
        return answer;
    });
    if (!result) return;
    mergePhoneApps(result.packages);
}

function mergePhoneApps(packages: readonly PhonePackage[]): void {
    const current = new Map(get().firewallApps.map((a) => [a.packageName, a]));
    for (const pkg of packages) {
        const had = current.get(pkg.packageName);
        current.set(pkg.packageName, had ? { ...had, uid: pkg.uid ?? had.uid, typed: false } : { packageName: pkg.packageName, uid: pkg.uid, wifi: false, mobile: false, vpn: false, typed: false });
    }
    set({ firewallApps: [...current.values()].sort((a, b) => a.packageName.localeCompare(b.packageName)), phoneAppsRead: true, phoneAppsFound: packages.length, firewall: null, firewallPushed: null });
}

export const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$/;

/** Adds a typed package name; it starts allowed on Wi-Fi and VPN (the person typed it because it should work). */
export function addTypedApp(packageName: string): boolean {
    const name = packageName.trim();
    if (!PACKAGE_NAME.test(name)) return false;
    if (!get().firewallApps.some((a) => a.packageName === name)) {
        set({ firewallApps: [{ packageName: name, uid: null, wifi: true, mobile: false, vpn: true, typed: true }, ...get().firewallApps], firewall: null, firewallPushed: null });
    }
    return true;
}

export function setAppNetwork(packageName: string, network: 'wifi' | 'mobile' | 'vpn', allowed: boolean): void {
    set({ firewallApps: get().firewallApps.map((a) => (a.packageName === packageName ? { ...a, [network]: allowed } : a)), firewall: null, firewallPushed: null });
}

export async function createFirewall(): Promise<void> {
    const apps = get()
        .firewallApps.filter((a) => a.wifi || a.mobile || a.vpn)
        .map((a) => ({ packageName: a.packageName, uid: a.uid, wifi: a.wifi, mobile: a.mobile, vpn: a.vpn }));
    set({ firewall: null, firewallPushed: null });
    const result = await runTask('firewall', 'create', (jobId) => revive().createFirewall({ jobId, apps }));
    if (result) set({ firewall: result });
}

/** `sha256sum` lines or a bare digest: the digest for a file name (a bare one fits any single APK). */
function digestsFrom(text: string): Map<string, string> {
    const found = new Map<string, string>();
    for (const { name, sha256 } of parseSha256Sums(text)) found.set(name === null ? '' : listedFileName(name), sha256);
    return found;
}

export async function addApks(files: readonly File[]): Promise<void> {
    const sums = new Map<string, string>();
    for (const file of files.filter((f) => /\.sha256(sum)?$/i.test(f.name))) {
        for (const [name, digest] of digestsFrom(await file.text())) sums.set(name || file.name.replace(/\.sha256(sum)?$/i, ''), digest);
    }
    const apks = files.filter((f) => !/\.sha256(sum)?$/i.test(f.name));
    set({ appResults: null, appsError: null });
    await Promise.all(
        apks.map(async (file) => {
            const id = `apk${Date.now().toString(36)}${(counter++).toString(36)}`;
            const sha256 = sums.get(file.name) ?? '';
            set({ apks: [...get().apks, { id, name: file.name, status: 'sending', file: null, sha256, error: null }] });
            const ref = await revive().fileRef(file);
            set({ apks: get().apks.map((a) => (a.id === id ? { ...a, status: ref.ok ? 'ready' : 'refused', file: ref.ok ? ref.value : null, error: ref.ok ? null : ref.error } : a)) });
        }),
    );
}

export function setApkChecksum(id: string, sha256: string): void {
    set({ apks: get().apks.map((a) => (a.id === id ? { ...a, sha256: sha256.trim().toLowerCase() } : a)), appResults: null, appsError: null });
}

export function removeApk(id: string): void {
    set({ apks: get().apks.filter((a) => a.id !== id), appResults: null, appsError: null });
}

export const SHA256 = /^[0-9a-f]{64}$/;

export async function installApps(deviceId: string): Promise<void> {
    const apps = get().apks.flatMap((a) => (a.file && SHA256.test(a.sha256) ? [{ file: a.file, sha256: a.sha256 }] : []));
    set({ appResults: null, appsError: null });
    const result = await runTask('apps', 'install', (jobId) => revive().installApps({ jobId, deviceId, apps }));
    if (result) set({ appResults: result.results, appsError: result.error });
}

/** Back to the panel's form (a new key, changed VPN values). */
export function clearResult(panel: 'keys' | 'vpn'): void {
    const tasks = { ...get().tasks };
    delete tasks[panel];
    set(panel === 'keys' ? { keys: null, keysPushed: null, tasks } : { vpn: null, vpnPushed: null, vpnPushedTo: null, vpnRemoved: false, tasks });
}
