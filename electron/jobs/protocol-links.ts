/** The upgrade job's phone links over the real protocol modules (Odin, fastboot, adb). */
import { basename } from 'node:path';
import { connectAdb, type AdbPhone } from '../../native/adb/phone.js';
import { shellCommand } from '../../native/adb/shell-words.js';
import { checkSideloadPackage, serveSideload } from '../../native/adb/sideload.js';
import { FastbootClient } from '../../native/fastboot/client.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { JobContext } from '../../native/jobs/progress.js';
import { odinFlash } from '../../native/odin/flash.js';
import { pitDifferences, type Pit } from '../../native/pit/index.js';
import { FASTBOOT_INTERFACE } from '../../native/usb/classify.js';
import { explainOpenFailure } from '../../native/usb/permissions.js';
import { WebUsbTransport } from '../../native/usb/webusb-transport.js';
import type { AdbLink, ExpectedOdinPhone, FastbootLink, FoundPhone, OdinLink, ProtocolLinks } from './phone-link.js';
import type { FlashSource } from '../../native/odin/source.js';


class AdbPhoneLink implements AdbLink {
    readonly #phone: AdbPhone;

    constructor(phone: AdbPhone) {
        this.#phone = phone;
    }

    mode(): 'android' | 'recovery' | 'sideload' | 'unauthorized' {
        const state = this.#phone.state;
        return state === 'device' ? 'android' : state;
    }

    async getprop(name: string): Promise<string> {
        const out = await this.#phone.shell(shellCommand('getprop', name));
        return out.stdout.trim();
    }

    async battery(): Promise<number | undefined> {
        try {
            return await this.#phone.battery();
        } catch (error) {
            if (error instanceof ReviveError && error.code === 'adb-battery-unknown') return undefined;
            throw error;
        }
    }

    async shell(command: string): Promise<string> {
        const out = await this.#phone.shell(command);
        return out.stdout + out.stderr;
    }

    async reboot(target: 'system' | 'recovery' | 'bootloader' | 'download' | 'sideload'): Promise<void> {
        await this.#phone.reboot(target);
    }

    async pull(remote: string, local: string, ctx: JobContext): Promise<{ sha256: string; sizeBytes: number }> {
        const result = await this.#phone.pull(remote, local, ctx, { createNew: true });
        return { sha256: result.sha256, sizeBytes: result.bytes };
    }

    async listDir(remote: string): Promise<Array<{ name: string; sizeBytes: number }>> {
        const out = await this.#phone.shell(shellCommand('ls', remote));
        if (out.exitCode !== 0) {
            throw ReviveError.of('adb-list-failed', { remote, phoneSaid: (out.stderr || out.stdout).trim() });
        }
        // One name per line, as the phone wrote it: the caller checks each (no silent basename).
        return out.stdout
            .split('\n')
            .filter((name) => name.length > 0)
            .map((name) => ({ name, sizeBytes: -1 }));
    }

    listFiles(remoteDir: string, ctx: JobContext): Promise<Array<{ path: string; sizeBytes: number }>> {
        return this.#phone.listFiles(remoteDir, ctx);
    }

    sha256(remote: string): Promise<string | undefined> {
        return this.#phone.sha256OnPhone(remote);
    }

    async sideload(path: string, ctx: JobContext): Promise<void> {
        const { size } = await checkSideloadPackage(path);
        const outcome = await serveSideload(this.#phone.adb, path, size, ctx);
        if (outcome !== 'done') {
            throw ReviveError.of('sideload-refused', { variant: 'screen', file: basename(path), path });
        }
    }

    async close(): Promise<void> {
        await this.#phone.close();
    }

    async end(): Promise<void> {
        await this.#phone.close();
    }

    session(): AdbPhone {
        return this.#phone;
    }
}

class OdinTransportLink implements OdinLink {
    readonly #transport: WebUsbTransport;

    constructor(transport: WebUsbTransport) {
        this.#transport = transport;
    }

    async flash(partition: string, source: FlashSource, ctx: JobContext, expected?: ExpectedOdinPhone): Promise<void> {
        const checkPit = expected
            ? (pit: Pit): void => {
                  const [difference] = pitDifferences(pit, expected.pit, partition);
                  if (!difference) return;
                  throw ReviveError.of('odin-wrong-phone', { phone: expected.name, found: '', expected: '', partition, ...difference });
              }
            : undefined;
        // No reboot: the person goes straight into recovery with the keys, so stock cannot replace TWRP.
        await odinFlash(this.#transport, { files: [{ partition, source }], reboot: false, resume: false, checkPit }, ctx);
    }

    async close(): Promise<void> {
        await this.#transport.close();
    }
}

class FastbootClientLink implements FastbootLink {
    readonly #client: FastbootClient;

    constructor(client: FastbootClient) {
        this.#client = client;
    }

    getVar(name: string): Promise<string> {
        return this.#client.getVar(name);
    }

    async unlock(method: 'fastboot-oem-unlock' | 'fastboot-flashing-unlock', ctx: JobContext): Promise<void> {
        await this.#client.unlock(method === 'fastboot-oem-unlock' ? 'oem' : 'flashing', ctx);
    }

    async flash(partition: string, path: string, ctx: JobContext): Promise<void> {
        await this.#client.flash(partition, { path }, ctx);
    }

    async boot(path: string, ctx: JobContext): Promise<void> {
        await this.#client.boot({ path }, ctx);
    }

    async close(): Promise<void> {
        await this.#client.close();
    }
}

export interface ProtocolLinkOptions {
    /** Shown while the phone asks "Allow USB debugging?". */
    readonly onWaitingForAuth?: ((message: string) => void) | undefined;
    /** How long the person has to tap Allow; unset: until cancelled (someone is there). */
    readonly allowTimeoutMs?: number | undefined;
}

/** Lends the one adb connection of a USB attachment to each step; it really closes when the device changes. */
class SharedAdbLink implements AdbLink {
    readonly #inner: AdbPhoneLink;
    readonly #end: () => Promise<void>;
    readonly #beforeReboot: ((target: AdbRebootTarget) => void) | undefined;

    constructor(inner: AdbPhoneLink, end: () => Promise<void>, beforeReboot?: (target: AdbRebootTarget) => void) {
        this.#inner = inner;
        this.#end = end;
        this.#beforeReboot = beforeReboot;
    }

    mode(): 'android' | 'recovery' | 'sideload' | 'unauthorized' {
        return this.#inner.mode();
    }

    getprop(name: string): Promise<string> {
        return this.#inner.getprop(name);
    }

    battery(): Promise<number | undefined> {
        return this.#inner.battery();
    }

    shell(command: string): Promise<string> {
        return this.#inner.shell(command);
    }

    async reboot(target: AdbRebootTarget): Promise<void> {
        // Refused before the phone is told anything: a restart it cannot be followed through.
        this.#beforeReboot?.(target);
        await this.#inner.reboot(target);
    }

    pull(remote: string, local: string, ctx: JobContext): Promise<{ sha256: string; sizeBytes: number }> {
        return this.#inner.pull(remote, local, ctx);
    }

    listDir(remote: string): Promise<Array<{ name: string; sizeBytes: number }>> {
        return this.#inner.listDir(remote);
    }

    listFiles(remoteDir: string, ctx: JobContext): Promise<Array<{ path: string; sizeBytes: number }>> {
        return this.#inner.listFiles(remoteDir, ctx);
    }

    sha256(remote: string): Promise<string | undefined> {
        return this.#inner.sha256(remote);
    }

    sideload(path: string, ctx: JobContext): Promise<void> {
        return this.#inner.sideload(path, ctx);
    }

    async close(): Promise<void> {
        // Kept open for the next step on the same attachment; see protocolLinks().
    }

    async end(): Promise<void> {
        await this.#end();
    }

    session(): AdbPhone {
        return this.#inner.session();
    }
}

/** The USB device of a phone found on a bus; a phone reached over TCP has none. */
export function usbDeviceOf(phone: FoundPhone, protocol: 'adb' | 'fastboot' | 'samsung-download'): USBDevice {
    if (!phone.device) throw ReviveError.of('device-ref-not-usb', { address: phone.serial, protocol });
    return phone.device;
}

type AdbRebootTarget = Parameters<AdbLink['reboot']>[0];

/**
 * A link lending one open adb session (its owner ends it with `end`), for links other than
 * protocolLinks' own (adb over TCP); `beforeReboot` may refuse a restart before it is asked for.
 */
export function sharedAdbLink(adb: AdbPhone, end: () => Promise<void>, beforeReboot?: (target: AdbRebootTarget) => void): AdbLink {
    return new SharedAdbLink(new AdbPhoneLink(adb), end, beforeReboot);
}

export function protocolLinks(options: ProtocolLinkOptions = {}): ProtocolLinks & { dispose(): Promise<void> } {
    // One adb session per USB attachment: a phone's adbd serves one host connection at a time, and
    // re-authenticating for every step would only add waiting. A new attachment means a new session.
    let shared: { device: USBDevice; link: AdbPhoneLink } | undefined;
    const dispose = async (): Promise<void> => {
        const old = shared;
        shared = undefined;
        await old?.link.close().catch(() => undefined);
    };
    return {
        dispose,
        async adb(phone: FoundPhone, ctx: JobContext): Promise<AdbLink> {
            const device = usbDeviceOf(phone, 'adb');
            if (shared?.device !== device) {
                await dispose();
                const adb = await connectAdb({ usbDevice: device, usb: phone.usb }, { signal: ctx.signal, onWaitingForAuth: options.onWaitingForAuth, allowTimeoutMs: options.allowTimeoutMs });
                shared = { device, link: new AdbPhoneLink(adb) };
            }
            return new SharedAdbLink(shared.link, dispose);
        },
        async odin(phone: FoundPhone): Promise<OdinLink> {
            const device = usbDeviceOf(phone, 'samsung-download');
            return new OdinTransportLink(await WebUsbTransport.open(device, 'samsung-download').catch((error: unknown) => Promise.reject(explainOpenFailure(error, device))));
        },
        async fastboot(phone: FoundPhone): Promise<FastbootLink> {
            const device = usbDeviceOf(phone, 'fastboot');
            const transport = await WebUsbTransport.open(device, FASTBOOT_INTERFACE).catch((error: unknown) => Promise.reject(explainOpenFailure(error, device)));
            return new FastbootClientLink(await FastbootClient.open(transport));
        },
    };
}
