/**
 * The backend behind the API contract, shared by Electron main (IPC) and the browser bridge
 * (WebSocket): devices (phones on local USB and on USB/IP servers, and the built-in virtual phone),
 * recipes, file verification with progress, and upgrade jobs with their questions, instructions and logs.
 */
import { existsSync, readdirSync } from 'node:fs';
import '../wording.js';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CommandResult, Device, DeviceSnapshot, EventName, EventPayload, FileRole, VerifiedFile } from '../api/contract.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobEvent, JobInstruction } from '../../native/jobs/events.js';
import { appHome, Journal, jobsDir, readJournal, type JournalEntry } from '../../native/jobs/journal.js';
import { phoneNow } from '../jobs/upgrade/phone-now.js';
import { ProgressTracker, type ProgressFacts } from '../../native/jobs/progress.js';
import { expectedChecksum, knownFileByDigest } from '../../native/integrity/checksums.js';
import { hashFile } from '../../native/integrity/hash.js';
import { runGate, type GatePlanFile } from '../../native/integrity/gate.js';
import { loadRecipes } from '../../native/manifests/load.js';
import type { Recipe } from '../../native/manifests/schema.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { modeOfDetected } from '../phone-finding/listing.js';
import { deviceMatcher, deviceRefOf, sessionOnWatcher, type DeviceSession } from '../phone-finding/locate.js';
import type { PhoneLocator, ProtocolLinks } from '../jobs/phone-link.js';
import type { DeviceRef, UpgradeOptions } from '../jobs/types.js';
import { runUpgrade } from '../jobs/upgrade.js';
import { virtualPhoneSession } from '../phone-finding/device-session.js';
import { apiErrorOf, dispatch, checkEvent, toApiError, type ApiBackend, type CommandHandlers, type EventListener } from './dispatch.js';
import { SharedAdbConnection, VirtualAdbSession, notReachable } from './panel-phone.js';
import { createPanelHandlers } from './panels.js';
import { toRecipeView } from './recipes.js';
import { fetchRecipeFile } from '../../native/download/fetch-file.js';
import { UploadStore } from './uploads.js';
import { UsbPhones } from '../phone-finding/usb-phones.js';

export interface BackendOptions {
    /** App data folder (journals, logs, backups, the virtual phone's state); default $REVIVE_HOME or ~/.config/revive. */
    readonly home?: string | undefined;
    readonly recipes?: readonly Recipe[] | undefined;
    /** How long a job waits for the phone after an instruction (default 10 minutes). */
    readonly waitTimeoutMs?: number | undefined;
    /** USB/IP servers (`HOST:PORT`) whose phones are listed and upgraded like local ones. */
    readonly usbipSources?: readonly string[] | undefined;
    /** Look for phones on this computer's USB ports (default true). */
    readonly localUsb?: boolean | undefined;
    /** How often USB/IP servers are asked for their devices (default 500 ms). */
    readonly usbipPollMs?: number | undefined;
    /** Things a person may want to know about finding phones (default: one line on stderr each). */
    readonly onNotice?: ((message: string) => void) | undefined;
}

interface Verification {
    readonly role: FileRole;
    readonly recipeId: string;
    readonly path: string;
    readonly sha256: string;
    readonly typed: boolean;
}

interface RunningJob {
    readonly jobId: string;
    readonly recipeId: string;
    readonly deviceId: string;
    /** Every contract event of the job so far (the last progress only), so a reopened page can rebuild it. */
    readonly events: JobEventRecord[];
    readonly controller: AbortController;
    readonly confirms: Map<string, (yes: boolean) => void>;
    readonly log: string[];
    readonly virtual: VirtualPhone | undefined;
    instruction: JobInstruction | undefined;
    finished: boolean;
}

const VIRTUAL_PREFIX = 'virtual:';

type JobEventRecord = CommandResult<'attachJob'>['events'][number];

/** How many of a job's events a reopened page gets back (log lines beyond are in the saved log). */
const MAX_RECORDED_EVENTS = 3000;

export interface Backend extends ApiBackend {
    /** The built-in virtual phone, when one was started (tests assert its state); a source of the list's watcher. */
    readonly virtualPhone: VirtualPhone | undefined;
    /** Where a job that ended here put its verified backup (undefined: no such job, or no backup). */
    backupFolderOf(jobId: string): string | undefined;
}

export function createBackend(options: BackendOptions = {}): Backend {
    const home = options.home ?? appHome();
    const recipes = [...(options.recipes ?? loadRecipes())];
    const uploads = new UploadStore();
    const listeners = new Set<EventListener>();
    const verifications = new Map<string, Verification>();
    /** Hashes running now, by verification id, so the person can stop one. */
    const verifying = new Map<string, AbortController>();
    const jobs = new Map<string, RunningJob>();
    let virtual: VirtualPhone | undefined;
    let snapshotTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const emit = <K extends EventName>(event: K, payload: EventPayload<K>): void => {
        const checked = checkEvent(event, payload);
        const jobId = (payload as { jobId?: unknown }).jobId;
        const job = event.startsWith('job') && typeof jobId === 'string' ? jobs.get(jobId) : undefined;
        if (job) {
            const last = job.events.at(-1);
            if (event === 'jobProgress' && last?.event === 'jobProgress') job.events.pop();
            if (job.events.length < MAX_RECORDED_EVENTS || event !== 'jobLog') job.events.push({ event, payload: checked } as JobEventRecord);
        }
        for (const listener of listeners) listener(event, checked);
    };

    const recipeById = (id: string): Recipe => {
        const recipe = recipes.find((r) => r.id === id);
        if (!recipe) throw ReviveError.of('recipe-unknown', { recipe: id });
        return recipe;
    };

    /** A file's hashing or download progress as verifyProgress events, at most every 100 ms, with rate and time left. */
    const verifyProgress = (verificationId: string): ((facts: ProgressFacts) => void) => {
        const tracker = new ProgressTracker(
            (p) => emit('verifyProgress', { verificationId, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, rate: p.rate, etaSeconds: p.rate > 0 ? p.etaSeconds : null }),
            { intervalMs: 100 },
        );
        return (facts) => tracker.report(facts);
    };

    const busyPhone = (): boolean => [...jobs.values()].some((job) => !job.finished && job.virtual === virtual);

    // A mode change is a detach and an attach a moment apart: tell the UI once it has settled.
    const announceDevices = (): void => {
        if (closed) return;
        clearTimeout(snapshotTimer);
        snapshotTimer = setTimeout(() => emit('devicesChanged', snapshot()), 30);
    };

    const usbPhones = new UsbPhones({
        recipes,
        usbipSources: options.usbipSources,
        localUsb: options.localUsb,
        pollMs: options.usbipPollMs,
        onNotice: options.onNotice ?? ((message) => process.stderr.write(`note: ${message}\n`)),
        onChange: announceDevices,
    });

    const snapshot = (): DeviceSnapshot => {
        const devices: Device[] = [];
        if (virtual && !virtual.isUnplugged && virtual.mode !== 'off' && virtual.usbDevice) {
            devices.push({
                id: `${VIRTUAL_PREFIX}${virtual.recipe.id}`,
                serial: virtual.serial,
                name: virtual.recipe.name,
                recipeId: virtual.recipe.id,
                mode: virtual.mode,
                state: busyPhone() ? 'busy' : 'ready',
                batteryPercent: virtual.state.batteryPercent,
                virtual: true,
            });
        }
        devices.push(...usbPhones.devices());
        return {
            devices,
            virtualPhone: virtual ? { codename: virtual.recipe.id, name: virtual.recipe.name, plugged: !virtual.isUnplugged } : null,
        };
    };

    const requireVirtual = (): VirtualPhone => {
        if (!virtual) throw ReviveError.of('no-virtual-phone', {});
        return virtual;
    };

    const jobById = (jobId: string): RunningJob => {
        const job = jobs.get(jobId);
        if (!job) throw ReviveError.of('job-unknown', { jobId });
        return job;
    };

    const toContractEvent = (job: RunningJob, event: JobEvent): void => {
        switch (event.type) {
            case 'started':
                return emit('jobStarted', { jobId: event.jobId, steps: event.steps.map((s) => ({ id: s.id, title: s.title, bytesToPhone: s.bytesToPhone ?? 0 })), resumed: event.resumed });
            case 'step':
                job.log.push(`${event.at}  [${event.step}] ${event.status}: ${event.description}`);
                if (event.status !== 'started') job.instruction = undefined;
                return emit('jobStep', { jobId: event.jobId, step: event.step, title: event.title, status: event.status, description: event.description });
            case 'progress':
                return emit('jobProgress', {
                    jobId: event.jobId,
                    step: event.progress.step,
                    bytesDone: event.progress.bytesDone,
                    bytesSent: Math.max(event.progress.bytesDone, event.progress.bytesSent ?? 0),
                    bytesTotal: event.progress.bytesTotal,
                    toPhone: event.progress.toPhone ?? false,
                    rate: event.progress.rate,
                    etaSeconds: event.progress.etaSeconds,
                    cancellable: event.progress.cancellable ?? true,
                });
            case 'instruction':
                job.instruction = event;
                job.log.push(`${event.at}  instruction: ${event.text}`);
                return emit('jobInstruction', {
                    jobId: event.jobId,
                    id: event.id,
                    text: event.text,
                    picture: event.picture ?? null,
                    buttons: [...(event.buttons ?? [])],
                    waitingFor: event.waitingFor,
                    virtualPhone: job.virtual !== undefined,
                });
            case 'confirm':
                job.log.push(`${event.at}  question: ${event.question}`);
                return emit('jobConfirm', { jobId: event.jobId, id: event.id, question: event.question, detail: event.detail, danger: event.danger, confirmLabel: event.confirmLabel, cancelLabel: event.cancelLabel, facts: { ...(event.facts ?? {}) } });
            case 'log':
                job.log.push(`${event.at}  ${event.line}`);
                return emit('jobLog', { jobId: event.jobId, at: event.at, ...(event.note ? { code: event.note.code, facts: event.note.facts } : { line: event.line }) });
            case 'done': {
                job.finished = true;
                const backup = event.report.backup;
                job.log.push(`${event.at}  done: Android ${event.report.after.androidVersion}`);
                emit('jobDone', {
                    jobId: event.jobId,
                    phoneName: event.report.phoneName,
                    installed: [...event.report.installed],
                    androidBefore: event.report.before.androidVersion,
                    androidAfter: event.report.after.androidVersion,
                    backupDirectory: backup.kind === 'verified' ? backup.directory : null,
                });
                return announceDevices();
            }
            case 'failed':
                job.finished = true;
                job.log.push(`${event.at}  failed: ${event.error.message} ${event.phoneState}`);
                emit('jobFailed', { jobId: event.jobId, error: apiErrorOf(event.error), step: event.step, phoneState: event.phoneState, phoneNow: { ...event.phoneNow, changes: [...event.phoneNow.changes] }, resumable: event.resumable });
                return announceDevices();
            case 'cancelled':
                job.finished = true;
                job.log.push(`${event.at}  cancelled: ${event.phoneState}`);
                emit('jobCancelled', { jobId: event.jobId, step: event.step, phoneState: event.phoneState, phoneNow: { ...event.phoneNow, changes: [...event.phoneNow.changes] }, reason: event.reason, resumable: event.resumable });
                return announceDevices();
        }
    };

    let unwatchVirtual: (() => void) | undefined;
    const watchPhone = (phone: VirtualPhone): void => {
        unwatchVirtual = usbPhones.watcher.addVirtualPhone(phone);
        phone.on('attach', announceDevices);
        phone.on('detach', announceDevices);
        phone.on('mode', announceDevices);
    };

    let adbSession: VirtualAdbSession | undefined;
    // The panels' adb connection to a USB or USB/IP phone, with the key the upgrade and the list use.
    const usbAdb = new SharedAdbConnection(() => new AdbKeyStore());
    const busyError = (): ReviveError => ReviveError.of('device-busy', {});
    const gone = (): ReviveError => ReviveError.of('device-gone', {});
    const panels = createPanelHandlers({
        home,
        uploads,
        emit,
        connectorFor(deviceId) {
            if (virtual && deviceId === `${VIRTUAL_PREFIX}${virtual.recipe.id}`) {
                if (busyPhone()) throw busyError();
                if (adbSession?.phone !== virtual) {
                    void adbSession?.close();
                    adbSession = new VirtualAdbSession(virtual, home);
                }
                return adbSession.connect;
            }
            const picked = usbPhones.find(deviceId);
            if (!picked) throw gone();
            if (usbPhones.busy(picked)) throw busyError();
            // Lazily, as the jobs ask: the phone may have restarted since it was picked.
            return async (signal) => {
                const now = usbPhones.find(deviceId);
                if (!now) throw gone();
                if (usbPhones.busy(now)) throw busyError();
                if (now.mode !== 'adb' || modeOfDetected(now) !== 'android') throw notReachable();
                await usbPhones.settled(now);
                return usbAdb.connect({ usbDevice: now.device }, signal);
            };
        },
    });

    /** The phone an upgrade runs on, how it is found across restarts, and what to release afterwards. */
    interface UpgradeTarget {
        readonly ref: DeviceRef;
        readonly locator: PhoneLocator;
        readonly links: ProtocolLinks;
        readonly virtual: VirtualPhone | undefined;
        release(): Promise<void>;
    }

    const virtualTarget = async (phone: VirtualPhone, recipe: Recipe): Promise<UpgradeTarget> => {
        // adbd serves one host at a time: the panels hang up before the job connects.
        if (adbSession?.phone === phone) await adbSession.close();
        // Followed on the list's own watcher, where the virtual phone is one more source.
        const session = virtualPhoneSession(phone, { watcher: usbPhones.watcher });
        return {
            ref: { kind: 'virtual', codename: recipe.id, stateDir: phone.stateDir },
            locator: session.locator,
            links: session.links,
            virtual: phone,
            release: () => session.close(),
        };
    };

    const watchedTarget = async (deviceId: string, recipe: Recipe, onWaitingForAuth: (message: string) => void): Promise<UpgradeTarget> => {
        const picked = usbPhones.find(deviceId);
        if (!picked) throw gone();
        if (usbPhones.busy(picked)) throw ReviveError.of('device-busy', {});
        await usbPhones.settled(picked);
        const known = usbPhones.recipeOf(picked);
        if (known && known.id !== recipe.id) {
            throw ReviveError.of('recipe-mismatch', { connected: known.name, phone: recipe.name });
        }
        const ref = deviceRefOf(picked);
        const release = usbPhones.claim(deviceMatcher(ref, recipe), recipe);
        let session: DeviceSession;
        try {
            if (usbAdb.holds(picked.device)) await usbAdb.close();
            session = await sessionOnWatcher(usbPhones.watcher, ref, picked, { recipeHint: recipe.id, linkOptions: { onWaitingForAuth } });
        } catch (error) {
            release();
            throw error;
        }
        return {
            ref,
            locator: session.locator,
            links: session.links,
            virtual: undefined,
            release: async () => {
                await session.close();
                release();
            },
        };
    };

    /**
     * Uploaded files live in a temp folder that goes with the backend; a job keeps its own copies
     * (hard links where possible) in the app's data folder, so it can be continued after a restart.
     */
    const keepForResume = async (files: Partial<Record<FileRole, string>>): Promise<Partial<Record<FileRole, string>>> => {
        const kept: Partial<Record<FileRole, string>> = {};
        for (const [role, path] of Object.entries(files) as Array<[FileRole, string | undefined]>) {
            if (!path || !uploads.holds(path)) {
                kept[role] = path;
                continue;
            }
            const dir = join(home, 'job-files', randomBytes(8).toString('hex'));
            await mkdir(dir, { recursive: true, mode: 0o700 });
            const copy = join(dir, basename(path));
            await link(path, copy).catch(() => copyFile(path, copy));
            kept[role] = copy;
        }
        return kept;
    };

    /** Upgrades that are running, or stopped or failed and not finished or forgotten, newest first. */
    const unfinishedJobs = (): CommandResult<'listJobs'>['jobs'] => {
        const dir = jobsDir(home);
        const names = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.jsonl')).sort().reverse().slice(0, 20) : [];
        const found: CommandResult<'listJobs'>['jobs'] = [];
        for (const name of names) {
            const jobId = name.slice(0, -'.jsonl'.length);
            let entries: JournalEntry[];
            try {
                entries = readJournal(join(dir, name));
            } catch {
                continue;
            }
            const header = entries[0];
            if (header?.t !== 'job' || header.kind !== 'upgrade') continue;
            const ends = entries.filter((e) => e.t === 'end');
            const end = ends.at(-1);
            if (entries.some((e) => e.t === 'note' && e.key === 'forgotten') || (end?.t === 'end' && end.outcome === 'done')) continue;
            const running = jobs.get(jobId);
            const recipe = recipes.find((r) => r.id === header.params['recipeId']);
            if (!recipe) continue;
            const now = phoneNow(entries, undefined);
            const lastRun = entries.filter((e) => e.t === 'run').length;
            const endedThisRun = end?.t === 'end' && end.run === lastRun;
            if (!running && !endedThisRun && now.changes.length === 0 && !entries.some((e) => e.t === 'step' && e.status === 'verified' && e.step === 'save-storage')) continue;
            const status = running && !running.finished ? 'running' : end?.t === 'end' && end.outcome === 'failed' ? 'failed' : 'stopped';
            const files = Object.values((header.params['files'] ?? {}) as Record<string, string>);
            found.push({
                jobId,
                recipeId: recipe.id,
                phoneName: recipe.name,
                status,
                startedAt: header.at,
                phoneNow: { changes: [...now.changes], interrupted: now.interrupted, mode: null },
                missingFiles: files.filter((path) => !existsSync(path)).map((path) => basename(path)),
                virtual: (header.params['device'] as { kind?: unknown } | undefined)?.kind === 'virtual',
            });
        }
        return found.slice(0, 5);
    };

    /** Start (or continue) an upgrade job, under the id the page chose, on a phone of the list; resolves once the job started. */
    const launch = async (recipe: Recipe, deviceId: string, jobId: string, choices: Omit<UpgradeOptions, 'device' | 'jobId'>): Promise<{ jobId: string }> => {
        const isVirtual = deviceId.startsWith(VIRTUAL_PREFIX);
        if (isVirtual && (!virtual || `${VIRTUAL_PREFIX}${virtual.recipe.id}` !== deviceId)) throw gone();
        if (isVirtual && busyPhone()) throw ReviveError.of('device-busy', {});
        if (jobs.get(jobId)?.finished === false) throw ReviveError.of('job-running', {});
        const controller = new AbortController();
        // Said while the phone shows "Allow USB debugging?" (a phone that does not know this computer yet).
        const onWaitingForAuth = (message: string): void => {
            const job = jobs.get(jobId);
            if (job?.controller !== controller) return;
            const at = new Date().toISOString();
            job.log.push(`${at}  ${message}`);
            emit('jobLog', { jobId, at, line: message });
        };
        const target = virtual && isVirtual ? await virtualTarget(virtual, recipe) : await watchedTarget(deviceId, recipe, onWaitingForAuth);
        const running: RunningJob = { jobId, recipeId: recipe.id, deviceId, controller, confirms: new Map(), log: [], events: [], virtual: target.virtual, instruction: undefined, finished: false };
        const before = jobs.get(jobId);
        jobs.set(jobId, running);
        let started = false;
        const upgrade: UpgradeOptions = { ...choices, ...(choices.resumeJobId ? {} : { jobId }), device: target.ref };
        const finished = runUpgrade(upgrade, {
            recipe,
            locator: target.locator,
            links: target.links,
            emit: (event) => {
                started ||= event.type === 'started';
                toContractEvent(running, event);
            },
            signal: controller.signal,
            waitTimeoutMs: options.waitTimeoutMs,
            ui: {
                instruct: () => undefined,
                confirm: (request, signal) =>
                    new Promise<boolean>((resolve, reject) => {
                        const onAbort = (): void => {
                            running.confirms.delete(request.id);
                            reject(new Error('cancelled'));
                        };
                        signal.addEventListener('abort', onAbort, { once: true });
                        running.confirms.set(request.id, (yes) => {
                            signal.removeEventListener('abort', onAbort);
                            running.confirms.delete(request.id);
                            resolve(yes);
                        });
                    }),
            },
        });
        // The job ends in done/failed/cancelled events; the phone is free for the list and the panels then.
        void finished.catch(() => undefined).finally(() => void target.release().catch(() => undefined));
        // runUpgrade says `started` before its first await; a job that could not even open its journal did not.
        if (!started) {
            if (before) jobs.set(jobId, before);
            else jobs.delete(jobId);
            await finished;
            throw ReviveError.of('job-not-started', {});
        }
        announceDevices();
        return { jobId };
    };

    const handlers: CommandHandlers = {
        ...panels,
        async listDevices() {
            // The first look at local USB and every USB/IP server, so a phone plugged in before the app started is listed.
            await usbPhones.ready;
            return snapshot();
        },
        async listRecipes() {
            return recipes.map((recipe) => toRecipeView(recipe, home));
        },
        async startVirtualPhone({ codename }) {
            const recipe = recipeById(codename);
            if (virtual && virtual.recipe.id !== recipe.id) {
                if (busyPhone()) throw ReviveError.of('virtual-busy', { phone: virtual.recipe.name });
                unwatchVirtual?.();
                await virtual.close();
                virtual = undefined;
            }
            if (!virtual) {
                virtual = await VirtualPhone.create({ recipe, stateDir: join(home, 'virtual', recipe.id), mode: 'android' });
                watchPhone(virtual);
            } else if (virtual.isUnplugged) {
                virtual.replug();
            }
            const phone = virtual;
            if (!phone.usbDevice) await phone.waitForDevice({ timeoutMs: 5000 });
            const device = snapshot().devices.find((d) => d.virtual);
            emit('devicesChanged', snapshot());
            if (!device) throw ReviveError.of('virtual-not-ready', {});
            return device;
        },
        async unplugVirtualPhone() {
            requireVirtual().unplug();
            return { ok: true as const };
        },
        async replugVirtualPhone() {
            requireVirtual().replug();
            return { ok: true as const };
        },
        async dataFolder() {
            return { path: home };
        },
        async verifyFile({ file, role, recipeId, verificationId, expectedSha256 }) {
            const recipe = recipeById(recipeId);
            const path = await uploads.resolve(file);
            const controller = new AbortController();
            verifying.get(verificationId)?.abort();
            verifying.set(verificationId, controller);
            const digest = await hashFile(path, { signal: controller.signal, onProgress: verifyProgress(verificationId) })
                .catch((error: unknown) => {
                    if (!controller.signal.aborted) throw error;
                    throw ReviveError.of('cancelled', { variant: 'check', what: basename(path) }, { cause: error });
                })
                .finally(() => {
                    if (verifying.get(verificationId) === controller) verifying.delete(verificationId);
                });
            const name = basename(path);
            // The gate's own decision (a file named like a known one is held to the recipe's checksum,
            // whatever was typed), so a green tick here means the gate will agree.
            const expectation = expectedChecksum(recipe, role, path, expectedSha256);
            const known = expectation?.source === 'recipe' ? expectation.known : knownFileByDigest(recipe, role, digest.sha256);
            const expected = expectation?.sha256 ?? known?.sha256 ?? null;
            let problem: VerifiedFile['problem'] = null;
            if (expected === null) {
                problem = toApiError(ReviveError.of('checksum-missing', { file: name, phone: recipe.name }));
            } else if (expected !== digest.sha256) {
                const variant = expectation?.source === 'typed' ? 'typed' : expectation?.source === 'sidecar' ? 'sidecar' : 'recipe';
                problem = toApiError(ReviveError.of('checksum-mismatch', { variant, file: name, found: digest.sha256, expected }));
            }
            if (!problem) verifications.set(verificationId, { role, recipeId, path, sha256: digest.sha256, typed: expectation?.source === 'typed' });
            return { verificationId, role, fileName: name, sizeBytes: digest.sizeBytes, sha256: digest.sha256, expectedSha256: known?.sha256 ?? null, ok: !problem, problem, origin: expectation?.source === 'download' ? (expectation.from ?? null) : null };
        },
        async downloadFile({ role, recipeId, verificationId }) {
            const recipe = recipeById(recipeId);
            const download = recipe.downloads.find((d) => d.role === role);
            if (!download) throw ReviveError.of('download-unknown', { role, phone: recipe.name });
            const controller = new AbortController();
            verifying.get(verificationId)?.abort();
            verifying.set(verificationId, controller);
            try {
                const got = await fetchRecipeFile(recipe, download, { home, signal: controller.signal, onProgress: verifyProgress(verificationId) });
                verifications.set(verificationId, { role, recipeId, path: got.path, sha256: got.sha256, typed: false });
                const pinned = download.sources.find((s) => s.url === got.source)?.sha256 ?? null;
                return { verificationId, role, fileName: got.name, sizeBytes: got.sizeBytes, sha256: got.sha256, expectedSha256: pinned, ok: true, problem: null, origin: got.source };
            } catch (error) {
                if (controller.signal.aborted) throw ReviveError.of('cancelled', { variant: 'download', what: download.name }, { cause: error });
                return { verificationId, role, fileName: download.name, sizeBytes: 0, sha256: '', expectedSha256: null, ok: false, problem: toApiError(error), origin: null };
            } finally {
                if (verifying.get(verificationId) === controller) verifying.delete(verificationId);
            }
        },
        async releaseFile({ file }) {
            const path = await uploads.resolve(file).catch(() => undefined);
            // Started jobs keep their own copies (keepForResume); checks of this file are forgotten.
            for (const [id, verified] of verifications) if (verified.path === path) verifications.delete(id);
            return { released: await uploads.release(file) };
        },
        async checkFiles({ recipeId, files }) {
            const recipe = recipeById(recipeId);
            const plan: GatePlanFile[] = [];
            for (const { role, verificationId } of files) {
                const verified = verifications.get(verificationId);
                if (verified && verified.role === role && verified.recipeId === recipe.id) plan.push({ role, path: verified.path, typedSha256: verified.typed ? verified.sha256 : undefined });
            }
            const order: FileRole[] = ['recovery', ...recipe.installOrder];
            plan.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
            const problems: CommandResult<'checkFiles'>['problems'] = [];
            // The whole gate, as the job runs it before touching the phone: each refusal names its file;
            // that file is set aside and the rest checked again, so every misfit shows at once.
            let rest = plan;
            while (rest.length > 0) {
                try {
                    await runGate({ files: rest }, recipe, recipe.codenames[0] ?? recipe.id);
                    break;
                } catch (error) {
                    const failure = ReviveError.from(error);
                    const file = failure.details?.['path'] ?? failure.details?.['file'];
                    const culprit = rest.find((f) => f.path === file) ?? (failure.code === 'gate-no-rom' ? undefined : rest.at(-1));
                    if (!culprit) break;
                    problems.push({ role: culprit.role, problem: toApiError(failure) });
                    rest = rest.filter((f) => f !== culprit);
                }
            }
            return { problems };
        },
        async cancelVerification({ verificationId }) {
            const controller = verifying.get(verificationId);
            controller?.abort();
            return { cancelling: controller !== undefined };
        },
        async startUpgrade(request) {
            const recipe = recipeById(request.recipeId);
            const files: Partial<Record<FileRole, string>> = {};
            const checksums: Partial<Record<FileRole, string>> = {};
            for (const { role, verificationId } of request.files) {
                const verified = verifications.get(verificationId);
                if (!verified || verified.role !== role || verified.recipeId !== recipe.id) {
                    throw ReviveError.of('file-not-verified', { role, phone: recipe.name });
                }
                files[role] = verified.path;
                if (verified.typed) checksums[role] = verified.sha256;
            }
            if (!files.recovery || !files.rom) {
                throw ReviveError.of('files-missing', {});
            }
            const kept = await keepForResume(files);
            return launch(recipe, request.deviceId, request.jobId, {
                files: { recovery: kept.recovery ?? files.recovery, rom: kept.rom ?? files.rom, gapps: kept.gapps, su: kept.su },
                checksums,
                noBackup: request.declineBackup,
                home,
            });
        },
        async listJobs() {
            return { jobs: unfinishedJobs() };
        },
        async attachJob({ jobId }) {
            const job = jobById(jobId);
            return { jobId, recipeId: job.recipeId, deviceId: job.deviceId, events: [...job.events] };
        },
        async resumeJob({ jobId, deviceId }) {
            if ([...jobs.values()].some((j) => j.jobId === jobId && !j.finished)) throw ReviveError.of('job-running', {});
            const header = Journal.peek(jobId, home);
            const params = header.params;
            const recipe = recipeById(String(params['recipeId'] ?? ''));
            const files = (params['files'] ?? {}) as Record<string, string>;
            const missing = Object.values(files).filter((path) => !existsSync(path));
            if (missing.length > 0 || !files['recovery'] || !files['rom']) {
                throw ReviveError.of('resume-files-missing', { files: missing.map((p) => basename(p)).join(', ') });
            }
            const typed = (params['typedChecksums'] ?? {}) as Record<string, string>;
            return launch(recipe, deviceId, jobId, {
                files: { recovery: files['recovery'], rom: files['rom'], gapps: files['gapps'], su: files['su'] },
                checksums: typed,
                noBackup: params['noBackup'] === true,
                backupTo: typeof params['backupTo'] === 'string' ? params['backupTo'] : undefined,
                resumeJobId: jobId,
                home,
            });
        },
        async forgetJob({ jobId }) {
            const journal = Journal.resume(jobId, home);
            journal.append({ t: 'note', key: 'forgotten', data: { by: 'person' } });
            journal.append({ t: 'end', outcome: 'cancelled', detail: 'The person chose not to continue this upgrade.' });
            return { ok: true as const };
        },
        async answerConfirm({ jobId, requestId, yes }) {
            const resolve = jobById(jobId).confirms.get(requestId);
            if (!resolve) throw ReviveError.of('question-gone', {});
            resolve(yes);
            return { ok: true as const };
        },
        async pressVirtualButtons({ jobId, instructionId }) {
            const job = jobById(jobId);
            const instruction = job.instruction;
            if (!job.virtual || !instruction || instruction.id !== instructionId) {
                throw ReviveError.of('instruction-gone', {});
            }
            if (instruction.id === 'connect' && job.virtual.isUnplugged) job.virtual.replug();
            else if (instruction.waitingFor && job.virtual.mode !== instruction.waitingFor) job.virtual.pressKeys(instruction.waitingFor);
            return { ok: true as const };
        },
        async cancelJob({ jobId }) {
            const job = jobById(jobId);
            if (job.finished) return { cancelling: false };
            job.controller.abort(new Error('Cancelled by the person.'));
            return { cancelling: true };
        },
        async saveLog({ jobId }) {
            const job = jobById(jobId);
            const dir = join(home, 'logs');
            await mkdir(dir, { recursive: true, mode: 0o700 });
            const path = join(dir, `upgrade-${jobId}.log`);
            await writeFile(path, `${job.log.join('\n')}\n`, { mode: 0o600 });
            await chmod(path, 0o600);
            return { path };
        },
    };

    return {
        get virtualPhone() {
            return virtual;
        },
        uploads,
        backupFolderOf(jobId) {
            const done = jobs.get(jobId)?.events.find((e) => e.event === 'jobDone');
            const directory = done?.payload['backupDirectory'];
            return typeof directory === 'string' ? directory : undefined;
        },
        call: (command, request) => dispatch(handlers, command, request),
        subscribe(listener) {
            listeners.add(listener);
            return () => void listeners.delete(listener);
        },
        async close() {
            closed = true;
            clearTimeout(snapshotTimer);
            for (const job of jobs.values()) if (!job.finished) job.controller.abort(new Error('Revive is closing.'));
            for (const controller of verifying.values()) controller.abort();
            listeners.clear();
            await adbSession?.close();
            await usbAdb.close();
            unwatchVirtual?.();
            usbPhones.close();
            await virtual?.close();
            virtual = undefined;
            await uploads.close();
        },
    };
}

export { toApiError };
