/**
 * The backend behind the API contract, shared by Electron main (IPC) and the browser bridge
 * (WebSocket), put together from modules that each say what they are: the phones the app knows
 * (phones.ts: USB, USB/IP and the built-in virtual phone), the files step (file-checks.ts), the
 * upgrades (upgrade-jobs.ts), the repair-shop counter (counter-desk.ts), the panels (panels.ts),
 * the backups (backups.ts), recipes and uploads.
 */
import '../wording.js';
import type { CommandName, EventName, EventPayload } from '../api/contract.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { checkSilenceBounds } from '../../native/jobs/silence-bounds.js';
import { appHome } from '../../native/jobs/journal.js';
import { loadRecipes } from '../../native/manifests/load.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { dispatch, checkEvent, toApiError, type ApiBackend, type CommandHandlers, type EventListener } from './dispatch.js';
import { createAppBackups } from './backups.js';
import { createCounterDesk } from './counter-desk.js';
import { createFileChecks } from './file-checks.js';
import { createPanelHandlers } from './panels.js';
import { createAppPhones } from './phones.js';
import { toRecipeView } from './recipes.js';
import { createUpgradeJobs } from './upgrade-jobs.js';
import { UploadStore } from './uploads.js';

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

export interface Backend extends ApiBackend {
    /** The built-in virtual phone, when one was started (tests assert its state); a source of the list's watcher. */
    readonly virtualPhone: VirtualPhone | undefined;
    /** Where a job that ended here put its verified backup (undefined: no such job, or no backup). */
    backupFolderOf(jobId: string): string | undefined;
}

/**
 * The commands that start work on a phone. Each checks every silence bound first, as the command
 * line does before a command: TWRP's is read only once the phone has restarted into recovery, so
 * a malformed one would otherwise be refused with the phone already moved.
 */
const PHONE_WORK: ReadonlySet<unknown> = new Set<CommandName>([
    'startUpgrade', 'resumeJob', 'startLane', 'identifyPhone',
    'backUpPhone', 'restoreBackup', 'makeTravelClean',
    'listPhoneApps', 'pushPanelFiles', 'removePushedFiles', 'installApps',
]);

export function createBackend(options: BackendOptions = {}): Backend {
    const home = options.home ?? appHome();
    const recipes = [...(options.recipes ?? loadRecipes())];
    const uploads = new UploadStore();
    const listeners = new Set<EventListener>();
    const emit = <K extends EventName>(event: K, payload: EventPayload<K>): void => {
        const checked = checkEvent(event, payload);
        // Never called before `upgrades` exists: events come from commands, jobs and timers.
        upgrades.record(event, checked);
        for (const listener of listeners) listener(event, checked);
    };

    const recipeById = (id: string): Recipe => {
        const recipe = recipes.find((r) => r.id === id);
        if (!recipe) throw ReviveError.of('recipe-unknown', { recipe: id, variant: 'listed' });
        return recipe;
    };

    const phones = createAppPhones({
        home,
        recipes,
        usbipSources: options.usbipSources,
        localUsb: options.localUsb,
        usbipPollMs: options.usbipPollMs,
        onNotice: options.onNotice ?? ((message) => process.stderr.write(`note: ${message}\n`)),
        onSnapshot: (snapshot) => emit('devicesChanged', snapshot),
        upgrading: (phone) => upgrades.runsOn(phone) || backups.runsOn(phone),
    });
    const files = createFileChecks({ home, uploads, recipeById, emit });
    const upgrades = createUpgradeJobs({ home, recipes, uploads, phones, waitTimeoutMs: options.waitTimeoutMs, recipeById, verified: files.verified, emit });
    const counter = createCounterDesk({ home, upgrades, phones, recipeById, emit });
    const panels = createPanelHandlers({ home, uploads, emit, connectorFor: (deviceId) => phones.connectorFor(deviceId) });
    const backups = createAppBackups({ home, recipes, phones, uploads, emit, waitTimeoutMs: options.waitTimeoutMs, verified: files.verified });

    const handlers: CommandHandlers = {
        ...panels,
        ...files.handlers,
        ...upgrades.handlers,
        ...backups.handlers,
        async cancelJob(request) {
            // A backup job of this page, or else an upgrade.
            if (backups.cancel(request.jobId)) return { cancelling: true };
            return upgrades.handlers.cancelJob(request);
        },
        async answerConfirm(request) {
            if (backups.answer(request.jobId, request.requestId, request.yes, request.verificationId)) return { ok: true as const };
            return upgrades.handlers.answerConfirm(request);
        },
        async pressVirtualButtons(request) {
            if (backups.press(request.jobId, request.instructionId)) return { ok: true as const };
            return upgrades.handlers.pressVirtualButtons(request);
        },
        ...counter.handlers,
        async listDevices() {
            // The first look at local USB and every USB/IP server, so a phone plugged in before the app started is listed.
            await phones.ready;
            return phones.snapshot();
        },
        async listRecipes() {
            return recipes.map((recipe) => toRecipeView(recipe, home));
        },
        async startVirtualPhone({ codename }) {
            return phones.startVirtual(recipeById(codename));
        },
        async unplugVirtualPhone() {
            phones.requireVirtual().unplug();
            return { ok: true as const };
        },
        async replugVirtualPhone() {
            phones.requireVirtual().replug();
            return { ok: true as const };
        },
        async dataFolder() {
            return { path: home };
        },
    };

    return {
        get virtualPhone(): VirtualPhone | undefined {
            return phones.virtual;
        },
        uploads,
        backupFolderOf: (jobId) => upgrades.backupFolderOf(jobId),
        async call(command, request) {
            if (PHONE_WORK.has(command)) {
                try {
                    checkSilenceBounds();
                } catch (error) {
                    return { ok: false, error: toApiError(error) };
                }
            }
            return dispatch(handlers, command, request);
        },
        subscribe(listener) {
            listeners.add(listener);
            return () => void listeners.delete(listener);
        },
        async close() {
            counter.close();
            upgrades.close();
            backups.close();
            files.close();
            listeners.clear();
            await phones.close();
            await uploads.close();
        },
    };
}

export { toApiError };
