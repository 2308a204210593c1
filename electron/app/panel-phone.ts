/**
 * Reaching a phone over adb for the panels: the built-in virtual phone now, USB phones once the
 * device watcher is wired in (add a case to `phoneConnector`). A push reports the SHA-256 the
 * phone computes of the stored file (toybox sha256sum), so the push job checks the phone's copy,
 * not just the bytes sent.
 */
import { join } from 'node:path';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb } from '../../native/adb/phone.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import type { PanelPhone, PhoneConnector } from '../jobs/panels/push.js';

function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The phone's own checksum of what it stored, when it can compute one. */
export function checkedOnPhone(phone: PanelPhone): PanelPhone {
    return {
        async push(local, remote, ctx) {
            const sent = await phone.push(local, remote, ctx);
            const answer = await phone.shell(`sha256sum ${shellQuote(remote)}`);
            const onPhone = answer.exitCode === 0 ? /^([0-9a-f]{64})\b/.exec(answer.stdout.trim())?.[1] : undefined;
            if (onPhone) return { sha256: onPhone };
            ctx.onLog?.(`The phone cannot compute SHA-256 (no sha256sum); ${remote} was checked as sent, not as stored.`);
            return sent;
        },
        install: (apk, ctx) => phone.install(apk, ctx),
        shell: (command) => phone.shell(command),
        close: () => phone.close(),
    };
}

export function notReachable(): ReviveError {
    return new ReviveError({
        code: 'phone-not-in-android',
        message: 'The phone is not reachable over USB debugging right now.',
        nextStep: 'Start the phone normally (Android), switch on USB debugging in Developer options, connect it, and try again.',
    });
}

/**
 * adb to the virtual phone while it is plugged in and started normally. One connection is kept
 * per USB appearance and shared by the panel jobs (as the adb server does): a second handshake
 * on the same device is not needed, and a re-plug or mode change brings a new device anyway.
 */
export class VirtualAdbSession {
    #open: { usbDevice: USBDevice; phone: Promise<PanelPhone> } | undefined;

    constructor(
        readonly phone: VirtualPhone,
        readonly home: string,
    ) {}

    readonly connect: PhoneConnector = async (signal) => {
        const usbDevice = this.phone.usbDevice;
        if (this.phone.isUnplugged || this.phone.mode !== 'android' || !usbDevice) throw notReachable();
        if (this.#open?.usbDevice !== usbDevice) {
            void this.#drop();
            const keyStore = new AdbKeyStore({ appDir: join(this.home, 'adb'), userAdbDir: null });
            const phone = connectAdb({ usbDevice }, { signal, keyStore }).then(checkedOnPhone);
            this.#open = { usbDevice, phone };
            phone.catch(() => {
                if (this.#open?.phone === phone) this.#open = undefined;
            });
        }
        const shared = await this.#open.phone;
        // The jobs close "their" phone when done; the shared connection stays for the next one.
        return { push: shared.push, install: shared.install, shell: shared.shell, close: async () => undefined };
    };

    async #drop(): Promise<void> {
        const open = this.#open;
        this.#open = undefined;
        if (open) await (await open.phone.catch(() => undefined))?.close();
    }

    /** True while a connection to the phone's current USB appearance is open. */
    get holdsCurrentDevice(): boolean {
        return this.#open !== undefined && this.#open.usbDevice === this.phone.usbDevice;
    }

    close(): Promise<void> {
        return this.#drop();
    }
}
