/**
 * The repair-shop counter: several upgrades at once, one per phone, each isolated — a failure, a stall
 * or a pulled cable on one never stops, slows or confuses another, because each job follows only its
 * own port and owns its own session, journal and receipt. A concurrency limit queues the rest; limit 1
 * is the one-at-a-time mode. UI-independent: the CLI and the app give per-phone UIs and listen to events.
 */
import { join } from 'node:path';
import { describeDeviceRef } from '../../native/devices/ref.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobEvent, JobFailedEvent, JobUi, UpgradeReport } from '../../native/jobs/events.js';
import type { ReviveErrorData } from '../../native/jobs/errors.js';
import { appHome, Journal, jobsDir, newJobId, type JournalValue } from '../../native/jobs/journal.js';
import type { PhoneIdentity } from '../../native/usb/port-identity.js';
import { DeviceWatcher } from '../../native/usb/watcher.js';
import { writeReceipt, type BackupOpener, type JobOutcomeEvent, type ReceiptInput, type WrittenReceipt } from '../shop/receipt.js';
import type { ReceiptLanguage } from '../shop/receipt-page.js';
import type { Shop } from '../shop/shop.js';
import { openDeviceSession, openOnWatcher, type DeviceSession } from '../phone-finding/device-session.js';
import { readPhoneIdentity } from '../phone-finding/phone-identity.js';
import { JobQueue } from './job-queue.js';
import type { PhoneLocator, ProtocolLinks } from './phone-link.js';
import type { ProtocolLinkOptions } from './protocol-links.js';
import type { DeviceRef, UpgradeFiles, UpgradeOptions } from './types.js';
import { journalParams, runUpgrade } from './upgrade.js';
import { STEP_IDS } from './upgrade/ids.js';
import { describePhoneNow, phoneNow } from './upgrade/phone-now.js';
import { scriptedPerson } from './scripted-person.js';

export interface CounterPhone {
    readonly device: DeviceRef;
    /** The customer's ticket (printed on the receipt, searched by `revive history`). */
    readonly ticket?: string | undefined;
    /** The technician's notes (shop copy of the receipt only). */
    readonly notes?: string | undefined;
}

export interface CounterBackupKeys {
    readonly keys: NonNullable<UpgradeOptions['backupKeys']>;
    readonly openedBy: BackupOpener;
}

export interface CounterOptions {
    readonly files: UpgradeFiles;
    readonly checksums?: Partial<Record<keyof UpgradeFiles, string>> | undefined;
    /** Backups go to `backupTo/<ticket or number>/` (default: the app data folder, per job). */
    readonly backupTo?: string | undefined;
    readonly noBackup?: boolean | undefined;
    /** Who can open each phone's backup archive (the shop's key, or a customer's passphrase), and who that is for the receipt. */
    readonly backupKeys?: ((phone: CounterPhone) => CounterBackupKeys | undefined) | undefined;
    readonly home?: string | undefined;
    /** Receipts are written when a shop is given. */
    readonly shop?: Shop | undefined;
    readonly technician?: string | undefined;
    readonly receiptLanguage?: ReceiptLanguage | undefined;
    /** How many jobs run at once (default: all); 1 = one at a time. */
    readonly concurrency?: number | undefined;
    readonly waitTimeoutMs?: number | undefined;
    /** Set when nobody is at the counter to act (--yes, --json): see UpgradeEnvironment.personTimeoutMs. */
    readonly personTimeoutMs?: number | undefined;
    readonly signal: AbortSignal;
    /** The person at this phone: instructions and questions for it. */
    readonly uiFor: (lane: CounterLane) => JobUi;
    readonly onEvent?: ((lane: CounterLane, event: JobEvent) => void) | undefined;
    /** The job's lane changed (queued → opening → running → finished). */
    readonly onLane?: ((lane: CounterLane) => void) | undefined;
    readonly onNotice?: ((lane: CounterLane | undefined, message: string) => void) | undefined;
    readonly linkOptions?: ((lane: CounterLane) => ProtocolLinkOptions) | undefined;
}

/** Before its job runs, a lane waits or opens its phone; after, it ended as the job's last event says. */
export type LaneStatus = 'queued' | 'opening' | 'running' | JobOutcomeEvent['type'];

/** Why a lane's job failed or stopped: the job's own error, and where it left the phone. */
export type LaneError = Pick<ReviveErrorData, 'code' | 'message' | 'nextStep'> & { readonly phoneState?: JobFailedEvent['phoneState'] | undefined };

export interface CounterLane {
    readonly index: number;
    /** The words the person used for the phone (`usbip:127.0.0.1:3240`). */
    readonly label: string;
    readonly ticket: string;
    status: LaneStatus;
    jobId?: string | undefined;
    port?: string | undefined;
    phoneName?: string | undefined;
    identity?: PhoneIdentity | undefined;
    startedAt?: number | undefined;
    finishedAt?: number | undefined;
    report?: UpgradeReport | undefined;
    /** Why it failed (failed or cancelled). */
    error?: LaneError | undefined;
    receipt?: WrittenReceipt | undefined;
    /** Why there is no receipt although a shop was given (it could not be written). */
    receiptMissing?: string | undefined;
}

/** One watcher per source for all jobs: each job follows its own port on it, and ports keep their identities. */
class SharedWatcher {
    readonly watcher = new DeviceWatcher({ pollMs: 250 });
    readonly #sources = new Map<string, Promise<void>>();

    watch(ref: DeviceRef): Promise<void> {
        const key = ref.kind === 'usbip' ? `${ref.host}:${ref.port}` : 'local';
        let started = this.#sources.get(key);
        if (!started) {
            started = ref.kind === 'usbip' ? this.watcher.addUsbIpSource(key) : this.watcher.startLocal();
            this.#sources.set(key, started);
        }
        return started;
    }
}

/** What the phone said about itself: read now when it can talk (Android, recovery), else what its port remembers. */
export async function identifyOnPort(session: { readonly locator: PhoneLocator; readonly links: ProtocolLinks; readonly watcher?: DeviceWatcher | undefined }, signal: AbortSignal): Promise<{ identity: PhoneIdentity | undefined; port: string | undefined }> {
    const found = session.locator.current() ?? (await session.locator.waitFor(['android', 'recovery', 'download', 'bootloader', 'sideload'], { signal, timeoutMs: 30_000 }));
    const port = found.port;
    const remembered = port ? session.watcher?.identities.lookup(port) : undefined;
    if (found.mode !== 'android' && found.mode !== 'recovery') return { identity: remembered, port };
    const adb = await session.links.adb(found, { signal });
    try {
        // Keep what Android said (fingerprint, IMEI) when the phone is in recovery now.
        const read = await readPhoneIdentity(adb);
        const identity = remembered && read.fingerprint === '' && remembered.serial === read.serial ? remembered : read;
        if (port) session.watcher?.identities.remember(port, identity);
        return { identity, port };
    } finally {
        await adb.close();
    }
}

async function runLane(lane: CounterLane, phone: CounterPhone, options: CounterOptions, shared: SharedWatcher): Promise<void> {
    const changed = (): void => options.onLane?.(lane);
    const home = options.home ?? appHome();
    lane.status = 'opening';
    changed();
    let session: DeviceSession | undefined;
    let outcome: JobOutcomeEvent | undefined;
    const backupKeys = options.noBackup ? undefined : options.backupKeys?.(phone);
    try {
        const linkOptions = options.linkOptions?.(lane);
        if (phone.device.kind === 'virtual' || phone.device.kind === 'tcp') {
            session = await openDeviceSession(phone.device, { signal: options.signal, linkOptions });
        } else {
            await shared.watch(phone.device);
            session = await openOnWatcher(shared.watcher, phone.device, { signal: options.signal, linkOptions, findTimeoutMs: options.waitTimeoutMs, onNotice: (m) => options.onNotice?.(lane, m) });
        }
        lane.phoneName = session.recipe.name;
        const who = await identifyOnPort(session, options.signal);
        lane.port = who.port ?? (session.virtualPhone ? `virtual:${session.virtualPhone.serial}` : undefined);
        lane.identity = who.identity;
        lane.status = 'running';
        lane.startedAt = Date.now();
        changed();
        const person = options.uiFor(lane);
        const virtual = session.virtualPhone ? scriptedPerson(session.virtualPhone, { delayMs: 300 }) : undefined;
        const report = await runUpgrade(
            {
                device: phone.device,
                files: options.files,
                checksums: options.checksums,
                backupTo: options.backupTo ? join(options.backupTo, (lane.ticket || String(lane.index + 1)).replace(/[^\w.-]+/g, '_')) : undefined,
                noBackup: options.noBackup,
                backupKeys: backupKeys?.keys,
                home,
            },
            {
                recipe: session.recipe,
                locator: session.locator,
                links: session.links,
                signal: options.signal,
                waitTimeoutMs: options.waitTimeoutMs,
                personTimeoutMs: options.personTimeoutMs,
                emit: (event) => {
                    if (event.type === 'started') lane.jobId = event.jobId;
                    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') outcome = event;
                    options.onEvent?.(lane, event);
                },
                ui: {
                    instruct: (instruction) => {
                        person.instruct(instruction);
                        virtual?.instruct(instruction);
                    },
                    confirm: (request, signal) => person.confirm(request, signal),
                },
            },
        );
        lane.report = report;
        lane.status = report.after.androidVersion ? 'done' : 'failed';
    } catch (error) {
        const failure = ReviveError.from(error);
        lane.status = outcome?.type === 'cancelled' || options.signal.aborted ? 'cancelled' : 'failed';
        try {
            if (!outcome) {
                outcome = endedBeforeOutcome(lane, phone.device, options, failure, session);
                options.onEvent?.(lane, outcome);
            }
        } catch {
            // No journal can be written (a full disk): the lane still says why it failed; the receipt says why it is missing.
        }
        lane.error = { code: failure.code, message: failure.message, nextStep: failure.nextStep, phoneState: outcome && outcome.type !== 'done' ? outcome.phoneState : undefined };
    } finally {
        lane.finishedAt = Date.now();
        await session?.close().catch(() => undefined);
    }
    if (options.shop) {
        const receipt = await writeLaneReceipt({
            shop: options.shop,
            technician: options.technician ?? '',
            ticket: lane.ticket,
            notes: phone.notes,
            recipe: session?.recipe,
            port: lane.port ?? lane.label,
            identity: lane.identity,
            home,
            jobId: lane.jobId,
            outcome,
            language: options.receiptLanguage,
            backupOpenedBy: backupKeys?.openedBy,
        });
        if ('receipt' in receipt) lane.receipt = receipt.receipt;
        else lane.receiptMissing = receipt.missing.message;
    }
    changed();
}

export interface LaneReceiptInput extends Omit<ReceiptInput, 'journalPath' | 'outcome'> {
    readonly home: string;
    readonly jobId: string | undefined;
    readonly outcome: JobOutcomeEvent | undefined;
}

/**
 * A lane's receipt once its job ended, also when it failed or was stopped; a job that could write no
 * journal has none, and the lane says why.
 */
export async function writeLaneReceipt(input: LaneReceiptInput): Promise<{ readonly receipt: WrittenReceipt } | { readonly missing: ReviveError }> {
    const { home, jobId, outcome, ...rest } = input;
    if (!outcome || !jobId) return { missing: ReviveError.of('receipt-not-written', { variant: 'no-journal' }) };
    try {
        return { receipt: await writeReceipt({ ...rest, outcome, journalPath: join(jobsDir(home), `${jobId}.jsonl`) }) };
    } catch (error) {
        return { missing: ReviveError.of('receipt-not-written', { variant: 'failed', problem: ReviveError.from(error).message }) };
    }
}

/**
 * The journal of a counter job that failed before it reached its phone (it never appeared, or went
 * before the job began): nothing was written to the phone, and the receipt says so. `params` keep
 * the recipe out, so the app never offers to continue the job.
 */
export function failedBeforeStart(jobId: string, params: Record<string, JournalValue>, failure: ReviveError, home: string, mode?: Parameters<typeof phoneNow>[1]): JobOutcomeEvent {
    const journal = Journal.create(jobId, 'upgrade', params, home);
    const step: string = STEP_IDS.identify;
    const now = phoneNow(journal.entries, mode);
    journal.append({ t: 'step', step, status: 'failed', detail: `${failure.code}: ${failure.message}` });
    journal.append({ t: 'end', outcome: 'failed', detail: `${failure.code}: ${failure.message}` });
    return { type: 'failed', jobId, at: new Date().toISOString(), error: failure.toJSON(), step, phoneState: describePhoneNow(now), phoneNow: now, resumable: false };
}

/**
 * The ending of a job that stopped before the upgrade gave one — its phone never appeared, never
 * answered, or never said "Allow" — so that it, too, leaves a journal and a receipt. Nothing was
 * written to the phone before the upgrade started; if it had started, its journal says what was.
 */
function endedBeforeOutcome(lane: CounterLane, device: DeviceRef, options: CounterOptions, failure: ReviveError, session: DeviceSession | undefined): JobOutcomeEvent {
    const home = options.home ?? appHome();
    const started = lane.jobId !== undefined;
    const params = journalParams({ device, files: options.files, checksums: options.checksums, noBackup: options.noBackup }, undefined);
    if (!started && lane.status !== 'cancelled') {
        const outcome = failedBeforeStart(newJobId(), params, failure, home, session?.locator.current()?.mode);
        lane.jobId = outcome.jobId;
        return outcome;
    }
    // The recipe stays out of a job that never started, so the app never offers to continue it.
    const journal = started ? Journal.resume(lane.jobId ?? '', home) : Journal.create(newJobId(), 'upgrade', params, home);
    lane.jobId = journal.jobId;
    let step: string = STEP_IDS.identify;
    for (const entry of journal.entries) if (entry.t === 'step' && entry.status === 'started') step = entry.step;
    const now = phoneNow(journal.entries, session?.locator.current()?.mode);
    const phoneState = describePhoneNow(now);
    const at = new Date().toISOString();
    if (lane.status === 'cancelled') {
        journal.append({ t: 'end', outcome: 'cancelled', detail: phoneState });
        return { type: 'cancelled', jobId: journal.jobId, at, step, reason: 'person', phoneState, phoneNow: now, resumable: started };
    }
    journal.append({ t: 'end', outcome: 'failed', detail: `${failure.code}: ${failure.message}` });
    return { type: 'failed', jobId: journal.jobId, at, error: failure.toJSON(), step, phoneState, phoneNow: now, resumable: started };
}

/**
 * Run one upgrade per phone, at most `concurrency` at a time. Resolves when every job has ended;
 * never rejects for a phone's failure (each lane says how it ended).
 */
export async function runCounter(phones: readonly CounterPhone[], options: CounterOptions): Promise<CounterLane[]> {
    const labels = phones.map((p) => describeDeviceRef(p.device));
    const duplicate = labels.find((label, i) => labels.indexOf(label) !== i);
    if (duplicate) throw ReviveError.of('device-twice', { address: duplicate });
    const lanes: CounterLane[] = phones.map((phone, index) => ({ index, label: labels[index] ?? '', ticket: phone.ticket ?? '', status: 'queued' }));
    for (const lane of lanes) options.onLane?.(lane);
    const shared = new SharedWatcher();
    const queue = new JobQueue(options.concurrency ?? phones.length);
    try {
        await Promise.all(lanes.map((lane, i) => queue.run(() => runLane(lane, phones[i]!, options, shared))));
    } finally {
        shared.watcher.close();
    }
    return lanes;
}
