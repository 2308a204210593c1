/**
 * Which phone the panel commands (`keys push`, `vpn push`, `firewall push|create --from-phone`,
 * `apps install`) talk to: the device options of every phone command (device-options.ts), opened
 * with the adb CLI's `openAdbSession` lazily: nothing is reached until the job asks for the phone,
 * so checks that must come before adb (APK checksums) really do, and `keys create` never loads adb.
 */
import type { PanelPhone, PhoneConnector } from '../jobs/panels/push.js';
import type { AdbSession } from './adb.js';
import { describeDeviceRef } from '../../native/devices/ref.js';
import type { CliIo } from './command.js';
import { deviceRefFromOptions, ownerChoice, type DeviceValues } from './device-options.js';

export interface PanelTarget {
    /** How the phone was named on the command line, for messages. */
    readonly label: string;
    readonly connect: PhoneConnector;
    /** Ends what the target started (the in-process virtual phone). */
    close(): Promise<void>;
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
export function panelTarget(values: DeviceValues, io: CliIo): PanelTarget {
    const ref = deviceRefFromOptions(values);
    if (ref?.kind === 'virtual') ownerChoice(values.owner, io);
    let session: Promise<void> | undefined;
    let closeSession = async (): Promise<void> => undefined;
    return {
        label: ref ? (ref.kind === 'virtual' ? `virtual ${ref.codename}` : describeDeviceRef(ref)) : 'USB',
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
export async function withPanelTarget<T>(values: DeviceValues, io: CliIo, body: (target: PanelTarget) => Promise<T>): Promise<T> {
    const target = panelTarget(values, io);
    try {
        return await body(target);
    } finally {
        await target.close();
    }
}
