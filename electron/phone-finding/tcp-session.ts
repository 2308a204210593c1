/**
 * A session on a phone reached by adb over TCP (`tcp:HOST:PORT`: `adb tcpip`, or the virtual
 * phone's TCP endpoint), for jobs that only need the phone in Android or TWRP (a backup). Its mode
 * is what adbd's banner says; after a restart it is found again by connecting to the same address,
 * which works where adbd listens on TCP in both systems. Download mode and the bootloader have no
 * adbd on the network: a step that needs them is refused before the phone is told to restart.
 */
import { connectAdb, type AdbPhone } from '../../native/adb/phone.js';
import { shellCommand } from '../../native/adb/shell-words.js';
import { openAdbTarget } from '../../native/devices/open.js';
import { describeDeviceRef } from '../../native/devices/ref.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { findRecipe } from '../../native/manifests/load.js';
import type { PhoneMode, Recipe } from '../../native/manifests/schema.js';
import type { FoundPhone, PhoneLocator, ProtocolLinks } from '../jobs/phone-link.js';
import { sharedAdbLink } from '../jobs/protocol-links.js';
import type { DeviceRef } from '../jobs/types.js';
import type { DeviceSession, DeviceSessionOptions } from './locate.js';

type TcpRef = Extract<DeviceRef, { kind: 'tcp' }>;

/** How long to wait between tries while the phone restarts (its adbd is not listening yet). */
const RETRY_MS = 500;

const modeOfState = (state: AdbPhone['state']): PhoneMode => (state === 'device' || state === 'unauthorized' ? 'android' : state);

/** The coded refusal for a mode without adbd on the network: use a USB cable. */
function needsUsb(address: string, mode: PhoneMode): ReviveError {
    return ReviveError.of('tcp-mode-needs-usb', { variant: mode === 'download' ? 'download' : 'bootloader', address });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
        }
        signal.addEventListener('abort', done, { once: true });
    });
}

/** The one adb connection to the address (adbd on a phone serves it to the steps in turn), and its locator. */
class TcpAdbPhone implements PhoneLocator {
    readonly #ref: TcpRef;
    readonly #address: string;
    readonly #options: DeviceSessionOptions;
    #open: { adb: AdbPhone; phone: FoundPhone } | undefined;

    constructor(ref: TcpRef, options: DeviceSessionOptions) {
        this.#ref = ref;
        this.#address = describeDeviceRef(ref);
        this.#options = options;
    }

    /** Connect once (the phone may be restarting: then the connection is refused). */
    async connect(signal: AbortSignal | undefined): Promise<{ adb: AdbPhone; phone: FoundPhone }> {
        const { target } = await openAdbTarget(this.#ref, { signal });
        const link = this.#options.linkOptions;
        const adb = await connectAdb(target, { signal, onWaitingForAuth: link?.onWaitingForAuth, allowTimeoutMs: link?.allowTimeoutMs });
        const open = { adb, phone: { mode: modeOfState(adb.state), serial: adb.serial } };
        this.#open = open;
        // A restart drops the connection: the phone is then not here until it answers again.
        void adb.disconnected.then(() => {
            if (this.#open === open) this.#open = undefined;
        });
        return open;
    }

    /** The open connection the phone was found on. */
    adb(phone: FoundPhone): AdbPhone {
        if (this.#open?.phone !== phone) throw ReviveError.of('adb-unreachable', { address: this.#address.slice('tcp:'.length) });
        return this.#open.adb;
    }

    async end(): Promise<void> {
        const open = this.#open;
        this.#open = undefined;
        await open?.adb.close().catch(() => undefined);
    }

    refuseUnreachable(target: string): void {
        if (target === 'bootloader' || target === 'download') throw needsUsb(this.#address, target);
    }

    current(): FoundPhone | undefined {
        return this.#open?.phone;
    }

    async waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone> {
        const unreachable = modes.find((mode) => mode === 'bootloader' || mode === 'download');
        if (unreachable && !modes.some((mode) => mode === 'android' || mode === 'recovery' || mode === 'sideload')) throw needsUsb(this.#address, unreachable);
        const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
        let lastError: unknown;
        for (;;) {
            options.signal.throwIfAborted();
            const now = this.#open?.phone;
            if (now && modes.includes(now.mode)) return now;
            if (now) await this.end();
            try {
                const { phone } = await this.connect(options.signal);
                if (modes.includes(phone.mode)) return phone;
                // Still the system it is leaving (a restart not yet begun): ask again shortly.
                await this.end();
            } catch (error) {
                if (options.signal.aborted) throw error;
                // Any answer that is not "not listening yet" is the phone's own refusal: say it.
                if (error instanceof ReviveError && error.code !== 'adb-unreachable' && error.code !== 'adb-disconnected') throw error;
                lastError = error;
            }
            if (deadline !== undefined && Date.now() >= deadline) throw new Error(`No adb answer at ${this.#address} in ${modes.join(', ')}`, { cause: lastError });
            await sleep(RETRY_MS, options.signal);
        }
    }

    async close(): Promise<void> {
        await this.end();
    }
}

/** The recipe of the phone at the address: the hint, else the codename the phone says. */
async function recipeOf(adb: AdbPhone, hint: string | undefined): Promise<Recipe> {
    const hinted = hint ? findRecipe(hint) : undefined;
    if (hinted) return hinted;
    const codename = (await adb.shell(shellCommand('getprop', 'ro.product.device'))).stdout.trim();
    const recipe = codename ? findRecipe(codename) : undefined;
    if (!recipe) throw ReviveError.of('phone-no-recipe', { manufacturer: '', product: codename, usbId: '' });
    return recipe;
}

/** A DeviceSession on the phone at `tcp:HOST:PORT`, connected now (it must be in Android or TWRP). */
export async function openTcpSession(ref: TcpRef, options: DeviceSessionOptions = {}): Promise<DeviceSession> {
    const phone = new TcpAdbPhone(ref, options);
    try {
        const { adb } = await phone.connect(options.signal);
        const recipe = await recipeOf(adb, options.recipeHint);
        const links: ProtocolLinks = {
            adb: async (found) => sharedAdbLink(phone.adb(found), () => phone.end(), (target) => phone.refuseUnreachable(target)),
            odin: () => Promise.reject(needsUsb(describeDeviceRef(ref), 'download')),
            fastboot: () => Promise.reject(needsUsb(describeDeviceRef(ref), 'bootloader')),
        };
        return { recipe, locator: phone, links: { ...links, dispose: () => phone.end() }, close: () => phone.close() };
    } catch (error) {
        await phone.close();
        throw error;
    }
}
