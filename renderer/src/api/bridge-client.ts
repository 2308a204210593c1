/**
 * The browser's `window.revive`: the same API object the Electron preload provides, spoken over
 * the bridge's WebSocket. The token comes from the address the bridge printed (`#token=…`).
 */
import type {
    ApiResult,
    BridgeServerMessage,
    CommandName,
    EventName,
    FileRef,
    ReviveApi,
} from './contract-types.js';

/** Every command and event of the contract; the Record types make a missing or extra name a compile error. */
const COMMANDS: Record<CommandName, true> = {
    listDevices: true,
    listRecipes: true,
    startVirtualPhone: true,
    unplugVirtualPhone: true,
    replugVirtualPhone: true,
    dataFolder: true,
    verifyFile: true,
    cancelVerification: true,
    downloadFile: true,
    releaseFile: true,
    checkFiles: true,
    startUpgrade: true,
    listJobs: true,
    attachJob: true,
    resumeJob: true,
    forgetJob: true,
    answerConfirm: true,
    pressVirtualButtons: true,
    cancelJob: true,
    saveLog: true,
    createKeys: true,
    rotateKeys: true,
    createVpn: true,
    listPhoneApps: true,
    createFirewall: true,
    pushPanelFiles: true,
    removePushedFiles: true,
    installApps: true,
    listBackups: true,
    backUpPhone: true,
    verifyBackup: true,
    deleteBackup: true,
    restoreBackup: true,
    makeTravelClean: true,
    counterState: true,
    counterSettings: true,
    createShop: true,
    startLane: true,
    cancelLane: true,
    dismissLane: true,
    identifyPhone: true,
    searchHistory: true,
};
const EVENTS: Record<EventName, true> = {
    devicesChanged: true,
    verifyProgress: true,
    jobStarted: true,
    jobStep: true,
    jobProgress: true,
    jobInstruction: true,
    jobConfirm: true,
    jobLog: true,
    jobDone: true,
    jobFailed: true,
    jobCancelled: true,
    counterChanged: true,
};

const closedError = {
    code: 'bridge-closed',
    facts: {},
};

export function bridgeToken(hash: string): string | undefined {
    const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(hash);
    return match?.[1];
}

export function createBridgeApi(options: { origin: string; token: string }): ReviveApi {
    const wsUrl = `${options.origin.replace(/^http/, 'ws')}/api?token=${encodeURIComponent(options.token)}`;
    const socket = new WebSocket(wsUrl);
    const opened = new Promise<boolean>((resolve) => {
        socket.addEventListener('open', () => resolve(true), { once: true });
        socket.addEventListener('error', () => resolve(false), { once: true });
    });
    const pending = new Map<number, (result: ApiResult<unknown>) => void>();
    const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
    let nextId = 1;

    socket.addEventListener('message', (message) => {
        const data = JSON.parse(String(message.data)) as BridgeServerMessage;
        if (data.type === 'result') {
            pending.get(data.id)?.(data.result);
            pending.delete(data.id);
        } else if (data.type === 'event') {
            for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        }
    });
    socket.addEventListener('close', () => {
        for (const resolve of pending.values()) resolve({ ok: false, error: closedError });
        pending.clear();
    });

    const call = async (command: CommandName, request: unknown): Promise<ApiResult<unknown>> => {
        if (!(await opened) || socket.readyState !== WebSocket.OPEN) return { ok: false, error: closedError };
        const id = nextId++;
        return new Promise((resolve) => {
            pending.set(id, resolve);
            socket.send(JSON.stringify({ token: options.token, id, command, request }));
        });
    };

    const api: Record<string, unknown> = { host: 'browser' };
    for (const command of Object.keys(COMMANDS) as CommandName[]) api[command] = (request: unknown) => call(command, request);
    for (const event of Object.keys(EVENTS) as EventName[]) {
        api[`on${event.charAt(0).toUpperCase()}${event.slice(1)}`] = (listener: (payload: unknown) => void) => {
            const set = listeners.get(event) ?? new Set();
            listeners.set(event, set);
            set.add(listener);
            return () => void set.delete(listener);
        };
    }
    api.fileRef = async (file: File): Promise<ApiResult<FileRef>> => {
        try {
            const response = await fetch(`${options.origin}/upload?name=${encodeURIComponent(file.name)}`, {
                method: 'POST',
                headers: { 'x-revive-token': options.token, 'content-type': 'application/octet-stream' },
                body: file,
            });
            return (await response.json()) as ApiResult<FileRef>;
        } catch (error) {
            return { ok: false, error: { code: 'upload-failed', facts: { file: file.name, cause: String(error) } } };
        }
    };
    return Object.freeze(api) as unknown as ReviveApi;
}
