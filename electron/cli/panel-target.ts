/**
 * Which phone the panel commands (`keys push`, `vpn push`, `firewall push|create --from-phone`,
 * `apps install`) talk to: the adb CLI's device selection (`openAdbSession`: `-s SERIAL`,
 * `-s tcp:HOST:PORT`, `-s usbip:HOST:PORT`, `--virtual CODENAME [--virtual-state DIR]`), opened
 * lazily: nothing is reached until the job asks for the phone, so checks that must come before adb
 * (APK checksums) really do.
 */
import type { PanelPhone, PhoneConnector } from '../jobs/panels/push.js';
import type { AdbSession } from './adb.js';
import { CliUsageError, type CliIo } from './command.js';

/**
 * The same options as the adb CLI's `adbDeviceOptions`, spelled out here so that adb.ts (and the
 * adb library under it) is loaded only when a phone is opened: `keys create` never needs it.
 */
export const panelDeviceOptions = {
    serial: { type: 'string', short: 's' },
    virtual: { type: 'string' },
    'virtual-state': { type: 'string' },
    owner: { type: 'string' },
} as const;

export const PANEL_DEVICE_USAGE = '[-s SERIAL | -s tcp:HOST:PORT | -s usbip:HOST:PORT | --virtual CODENAME [--virtual-state DIR] [--owner accept|deny|ask]]';

export interface PanelDeviceValues {
    readonly serial?: string | undefined;
    readonly virtual?: string | undefined;
    readonly 'virtual-state'?: string | undefined;
    readonly owner?: string | undefined;
}

export interface PanelTarget {
    /** How the phone was named on the command line, for messages. */
    readonly label: string;
    readonly connect: PhoneConnector;
    /** Ends what the target started (the in-process virtual phone). */
    close(): Promise<void>;
}


function checkTcp(text: string): void {
    const match = /^tcp:([^:]+):(\d+)$/.exec(text);
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port > 0 && port < 65536)) throw new CliUsageError(`"${text}" is not tcp:HOST:PORT.`);
}

/** The phone as the panel jobs see it; close() also releases what was opened to reach the phone. */
function panelPhone(phone: PanelPhone, release: () => Promise<void>): PanelPhone {
    return {
        push: (local, remote, ctx, options) => phone.push(local, remote, ctx, options),
        install: (apk, ctx) => phone.install(apk, ctx),
        shell: (command) => phone.shell(command),
        async close() {
            await phone.close();
            await release().catch(() => undefined);
        },
    };
}

/**
 * Reads the device options (usage mistakes are reported before anything runs); the phone itself
 * is reached only when the job calls `connect`.
 */
export function panelTarget(values: PanelDeviceValues, io: CliIo): PanelTarget {
    if (values.virtual && values.serial) throw new CliUsageError('Use either -s or --virtual, not both.');
    if (values['virtual-state'] && !values.virtual) throw new CliUsageError('--virtual-state goes with --virtual CODENAME.');
    if (values.owner !== undefined && !values.virtual) throw new CliUsageError('--owner goes with --virtual CODENAME.');
    if (values.owner !== undefined && !['accept', 'deny', 'ask'].includes(values.owner)) throw new CliUsageError(`--owner is accept, deny or ask, not "${values.owner}".`);
    const serial = values.serial;
    if (serial?.startsWith('tcp:')) checkTcp(serial);
    if (serial?.startsWith('usbip:') && !/^usbip:.+:\d+$/.test(serial)) throw new CliUsageError(`"${serial}" is not usbip:HOST:PORT.`);
    let session: Promise<void> | undefined;
    let closeSession = async (): Promise<void> => undefined;
    return {
        label: values.virtual ? `virtual ${values.virtual}` : serial ?? 'USB',
        async connect() {
            const { openAdbSession } = await import('./adb.js');
            const opened: AdbSession = await openAdbSession(values, io);
            closeSession = () => (session ??= opened.close());
            return panelPhone(opened.phone, closeSession);
        },
        close: () => closeSession(),
    };
}

/** Runs `body` with the target and always closes it (the virtual phone saves its state on close). */
export async function withPanelTarget<T>(values: PanelDeviceValues, io: CliIo, body: (target: PanelTarget) => Promise<T>): Promise<T> {
    const target = panelTarget(values, io);
    try {
        return await body(target);
    } finally {
        await target.close();
    }
}
