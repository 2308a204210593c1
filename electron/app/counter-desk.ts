/**
 * The app's repair-shop counter behind the contract: one lane per phone it was started on, queued
 * under the concurrency limit (the same JobQueue as `revive upgrade --device …`), each an upgrade of
 * upgrade-jobs.ts whose phone is identified on its port before it starts and whose receipt is
 * written when it ends (the same writeLaneReceipt as the CLI); the shop folder and technician
 * (kept in the app's data folder), "which phone is this?" and the shop's history search.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { CommandHandlers } from './dispatch.js';
import { toApiError } from './dispatch.js';
import type { CounterLane, CounterView, EventName, EventPayload } from '../api/contract.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobEvent } from '../../native/jobs/events.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { PhoneIdentity } from '../../native/usb/port-identity.js';
import { failedBeforeStart, identifyOnPort, writeLaneReceipt } from '../jobs/counter.js';
import { JobQueue } from '../jobs/job-queue.js';
import { showAboutPhone } from '../phone-finding/show-phone.js';
import type { JobOutcomeEvent } from '../shop/receipt.js';
import { listReceipts, searchHistory } from '../shop/records.js';
import { initShop, openShop, shopBackupKeys, type Shop } from '../shop/shop.js';
import { VIRTUAL_PREFIX, type AppPhones } from './phones.js';
import type { UpgradeJobs } from './upgrade-jobs.js';

export type CounterHandlers = Pick<CommandHandlers, 'counterState' | 'counterSettings' | 'createShop' | 'startLane' | 'cancelLane' | 'dismissLane' | 'identifyPhone' | 'searchHistory'>;

export interface CounterDeskEnvironment {
    readonly home: string;
    readonly upgrades: UpgradeJobs;
    readonly phones: AppPhones;
    recipeById(id: string): Recipe;
    emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
}

export interface CounterDesk {
    readonly handlers: CounterHandlers;
    /** Stop every queued and running lane (Revive is closing). */
    close(): void;
}

/** The counter's settings as kept in the app's data folder (counter.json). */
const Settings = z.object({ shopDir: z.string().nullable().default(null), technician: z.string().default(''), concurrency: z.number().int().min(1).max(16).default(4) });
type Settings = z.infer<typeof Settings>;

interface Lane {
    view: CounterLane;
    readonly controller: AbortController;
}

/** What a lane shows of the phone: what Android said about it, kept on its port. */
function phoneFacts(identity: PhoneIdentity | undefined): Pick<CounterLane, 'model' | 'serial' | 'imei'> {
    return { model: identity?.model || null, serial: identity?.serial || null, imei: identity?.imei ?? null };
}

export function createCounterDesk(env: CounterDeskEnvironment): CounterDesk {
    const settingsFile = join(env.home, 'counter.json');
    const lanes = new Map<string, Lane>();
    let settings: Settings = Settings.parse({});
    let shop: Shop | undefined;
    const queue = new JobQueue(settings.concurrency);

    // The settings a technician chose last time; a shop folder that is gone or damaged since is left unset.
    const loaded = (async () => {
        if (!existsSync(settingsFile)) return;
        const parsed = Settings.safeParse(JSON.parse(await readFile(settingsFile, 'utf8').catch(() => '{}')));
        if (!parsed.success) return;
        settings = parsed.data;
        queue.limit = settings.concurrency;
        shop = settings.shopDir ? await openShop(settings.shopDir).catch(() => undefined) : undefined;
    })().catch(() => undefined);

    const view = (): CounterView => ({
        shop: shop ? { dir: shop.dir, name: shop.name, keyId: shop.keyId } : null,
        technician: settings.technician,
        concurrency: settings.concurrency,
        lanes: [...lanes.values()].map((lane) => lane.view),
    });
    const changed = (): void => env.emit('counterChanged', view());
    const update = (lane: Lane, change: Partial<CounterLane>): void => {
        lane.view = { ...lane.view, ...change };
        changed();
    };

    const save = async (next: Settings): Promise<void> => {
        settings = next;
        queue.limit = next.concurrency;
        await mkdir(env.home, { recursive: true, mode: 0o700 });
        await writeFile(settingsFile, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    };

    const shopFolder = (dir: string): string => {
        if (!isAbsolute(dir)) throw ReviveError.of('shop-folder-relative', { dir });
        return dir;
    };

    /** The lane's upgrade, once the queue gives it a place: identified on its port, run, and its receipt written. */
    const runLane = async (lane: Lane, request: Parameters<UpgradeJobs['start']>[0], recipe: Recipe, language: 'en' | 'de'): Promise<void> => {
        let identity: PhoneIdentity | undefined;
        let outcome: JobOutcomeEvent | undefined;
        let ended: () => void = () => undefined;
        const end = new Promise<void>((resolve) => (ended = resolve));
        // At the counter a backup is the customer's data: encrypted to the shop's key, as the CLI's counter does.
        const backupOpenedBy = shop && !request.declineBackup ? ('shop-key' as const) : undefined;
        try {
            const backupKeys = shop && backupOpenedBy ? await shopBackupKeys(shop) : undefined;
            await env.upgrades.start(request, {
                signal: lane.controller.signal,
                backupKeys,
                onTarget: async (target, signal) => {
                    const who = await identifyOnPort(target, signal);
                    identity = who.identity;
                    const port = who.port ?? (target.virtual ? `${VIRTUAL_PREFIX}${target.virtual.serial}` : null);
                    update(lane, { status: 'running', port, ...phoneFacts(identity) });
                },
                onEvent: (event: JobEvent) => {
                    if (event.type === 'done' || event.type === 'failed' || event.type === 'cancelled') outcome = event;
                },
                onEnd: () => ended(),
            });
        } catch (error) {
            // The job never started: nothing was written to the phone. A failed job gets its receipt all the same.
            const cancelled = lane.controller.signal.aborted;
            update(lane, { status: cancelled ? 'cancelled' : 'failed', error: toApiError(error) });
            if (!shop || cancelled) return update(lane, { receiptProblem: shop ? toApiError(ReviveError.of('receipt-not-written', { variant: 'never-reached' })) : null });
            try {
                outcome = failedBeforeStart(lane.view.jobId, { recipeId: null, deviceId: lane.view.deviceId }, ReviveError.from(error), env.home);
            } catch {
                // No journal can be written (a full disk): the lane says why the receipt is missing.
                return update(lane, { receiptProblem: toApiError(ReviveError.of('receipt-not-written', { variant: 'never-reached' })) });
            }
            ended();
        }
        // The journal's end is written when the job's promise settles: the receipt hashes the whole journal.
        await end;
        const status = outcome?.type ?? 'failed';
        if (!shop) return update(lane, { status });
        const written = await writeLaneReceipt({
            shop,
            technician: settings.technician,
            ticket: lane.view.ticket,
            recipe,
            port: lane.view.port ?? undefined,
            identity,
            home: env.home,
            jobId: lane.view.jobId,
            outcome,
            language,
            backupOpenedBy,
        });
        update(lane, 'receipt' in written ? { status, receipt: { file: written.receipt.shopJson, customerPage: written.receipt.customerHtml } } : { status, receiptProblem: toApiError(written.missing) });
    };

    const laneOf = (deviceId: string): Lane => {
        const lane = lanes.get(deviceId);
        if (!lane) throw ReviveError.of('lane-unknown', {});
        return lane;
    };

    const handlers: CounterHandlers = {
        async counterState() {
            await loaded;
            return view();
        },
        async counterSettings({ shopDir, technician, concurrency }) {
            await loaded;
            if (shopDir !== undefined) shop = shopDir === null ? undefined : await openShop(shopFolder(shopDir));
            await save({ shopDir: shop?.dir ?? null, technician: technician ?? settings.technician, concurrency: concurrency ?? settings.concurrency });
            changed();
            return view();
        },
        async createShop({ dir, name }) {
            await loaded;
            shop = await initShop(shopFolder(dir), name);
            await save({ ...settings, shopDir: shop.dir });
            changed();
            return view();
        },
        async startLane({ ticket, language, ...request }) {
            await loaded;
            const before = lanes.get(request.deviceId);
            if (before && (before.view.status === 'queued' || before.view.status === 'running')) throw ReviveError.of('lane-busy', {});
            const recipe = env.recipeById(request.recipeId);
            // At the counter a backup is locked with the shop's key; without a shop there is nothing to lock it with (and no key is kept beside it).
            if (!request.declineBackup && !shop) throw ReviveError.of('backup-lock-needed', { variant: 'desk' });
            const lane: Lane = {
                controller: new AbortController(),
                view: { deviceId: request.deviceId, ticket, status: 'queued', jobId: request.jobId, recipeId: recipe.id, phoneName: recipe.name, port: null, model: null, serial: null, imei: null, error: null, receipt: null, receiptProblem: null },
            };
            lanes.set(request.deviceId, lane);
            changed();
            void queue.run(() => runLane(lane, request, recipe, language), lane.controller.signal).catch(() => update(lane, { status: 'cancelled' }));
            return view();
        },
        async cancelLane({ deviceId }) {
            const lane = laneOf(deviceId);
            if (lane.view.status === 'queued' || lane.view.status === 'running') lane.controller.abort(new Error('Cancelled by the person.'));
            return view();
        },
        async dismissLane({ deviceId }) {
            const lane = laneOf(deviceId);
            if (lane.view.status === 'queued' || lane.view.status === 'running') throw ReviveError.of('lane-busy', {});
            lanes.delete(deviceId);
            changed();
            return view();
        },
        async identifyPhone({ deviceId }) {
            const port = deviceId.startsWith(VIRTUAL_PREFIX) ? null : deviceId;
            const device = env.phones.snapshot().devices.find((d) => d.id === deviceId);
            if (!device) throw ReviveError.of('device-gone', {});
            // Outside Android there is nothing harmless to show (see show-phone.ts): the port is the answer.
            if (device.mode !== 'android') return { shows: null, port };
            const phone = await env.phones.connectorFor(deviceId)(AbortSignal.timeout(30_000));
            try {
                await showAboutPhone({ shell: async (command) => (await phone.shell(command)).stdout });
            } finally {
                await phone.close();
            }
            return { shows: 'about-phone' as const, port };
        },
        async searchHistory(query) {
            await loaded;
            if (!shop) throw ReviveError.of('shop-not-set', {});
            const found = searchHistory(await listReceipts(shop), query);
            return {
                entries: found.reverse().map(({ file, receipt: r }) => ({
                    file,
                    jobId: r.jobId,
                    ticket: r.ticket,
                    technician: r.technician,
                    startedAt: r.startedAt,
                    finishedAt: r.finishedAt,
                    phoneName: r.phone.name,
                    model: r.phone.model,
                    serial: r.phone.serial,
                    imei: r.phone.imei,
                    outcome: r.result.outcome,
                })),
            };
        },
    };

    return {
        handlers,
        close() {
            for (const lane of lanes.values()) lane.controller.abort(new Error('Revive is closing.'));
        },
    };
}
