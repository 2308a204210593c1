/**
 * What the upgrade job needs from the phone, per mode. The job speaks only these interfaces; the
 * adapters in protocol-links.ts implement them over the Odin, fastboot and adb modules, and the
 * locators find the phone (in-process virtual phone, local USB, USB/IP) across re-enumerations.
 */
import type { AdbPhone } from '../../native/adb/phone.js';
import type { PhoneMode } from '../../native/manifests/schema.js';
import type { JobContext } from '../../native/jobs/progress.js';
import type { JobUi } from '../../native/jobs/events.js';
import type { Recipe } from '../../native/manifests/schema.js';
import type { Pit } from '../../native/pit/pit.js';
import type { FlashSource } from '../../native/odin/source.js';

export interface FoundPhone {
    readonly mode: PhoneMode;
    readonly serial: string;
    /** Where it is plugged in (the watcher's port path), when a watcher found it. */
    readonly port?: string | undefined;
    /** Its USB device; none for a phone reached over TCP (adb over the network). */
    readonly device?: USBDevice | undefined;
    /** The WebUSB manager that reports this device's disconnect (protocol libraries listen to it). */
    readonly usb?: USB | undefined;
    /** The recipe the USB identity matched, when known. */
    readonly recipeId?: string | undefined;
}

export interface PhoneLocator {
    /** The phone on the bus right now, if any. */
    current(): FoundPhone | undefined;
    /** Wait until the phone is on the bus in one of these modes. */
    waitFor(modes: readonly PhoneMode[], options: { signal: AbortSignal; timeoutMs?: number | undefined }): Promise<FoundPhone>;
    /** Throws the coded refusal when this connection cannot follow the phone into `mode` (adb over TCP: download mode, the bootloader); absent where it can follow it anywhere. */
    refuseUnreachable?(mode: PhoneMode): void;
    close(): Promise<void>;
}

/** adb in android, recovery (TWRP) or sideload mode. */
export interface AdbLink {
    getprop(name: string): Promise<string>;
    /** Battery level in percent, when the phone can say. */
    battery(): Promise<number | undefined>;
    shell(command: string): Promise<string>;
    /** `adb reboot <target>`; the link is unusable afterwards. */
    reboot(target: 'system' | 'recovery' | 'bootloader' | 'download' | 'sideload'): Promise<void>;
    /** Copy a file from the phone into a new private file (0600; an existing one is an error), hashing it while writing. */
    pull(remote: string, local: string, ctx: JobContext): Promise<{ sha256: string; sizeBytes: number }>;
    listDir(remote: string): Promise<Array<{ name: string; sizeBytes: number }>>;
    /** Every regular file under a folder (recursively), relative paths with sizes. */
    listFiles(remoteDir: string, ctx: JobContext): Promise<Array<{ path: string; sizeBytes: number }>>;
    /** The SHA-256 the phone computes of one of its files; undefined when it has no `sha256sum`. */
    sha256(remote: string): Promise<string | undefined>;
    /** Send a package to a phone in sideload mode (`adb sideload`). */
    sideload(path: string, ctx: JobContext): Promise<void>;
    /** Done with this link for now (an adapter may keep the session for the next step on the same attachment). */
    close(): Promise<void>;
    /** What adbd said it is running: Android, recovery (TWRP) or recovery's sideload. */
    mode(): 'android' | 'recovery' | 'sideload' | 'unauthorized';
    /** End the session at once: the phone is about to leave this USB attachment (reboot, sideload start). */
    end(): Promise<void>;
    /** The adb session itself, for the engines in native/ that speak adb sync (backup, restore). */
    session(): AdbPhone;
}

/** Samsung download mode. */
/** The model a flash is prepared for: the phone in download mode must show this partition table. */
export interface ExpectedOdinPhone {
    readonly name: string;
    readonly pit: Pit;
}

export interface OdinLink {
    /** Flash one partition from a raw image (a file, or a member of an Odin tar) and end the session without rebooting. */
    flash(partition: string, source: FlashSource, ctx: JobContext, expected?: ExpectedOdinPhone): Promise<void>;
    close(): Promise<void>;
}

/** fastboot in bootloader mode. */
export interface FastbootLink {
    getVar(name: string): Promise<string>;
    /** `oem unlock` or `flashing unlock`; resolves once the phone reports the outcome (person confirms on screen). */
    unlock(method: 'fastboot-oem-unlock' | 'fastboot-flashing-unlock', ctx: JobContext): Promise<void>;
    flash(partition: string, path: string, ctx: JobContext): Promise<void>;
    /** `fastboot boot`: run an image from RAM once (TWRP on A/B phones); the phone leaves the bootloader. */
    boot(path: string, ctx: JobContext): Promise<void>;
    close(): Promise<void>;
}

export interface ProtocolLinks {
    adb(phone: FoundPhone, ctx: JobContext): Promise<AdbLink>;
    odin(phone: FoundPhone, ctx: JobContext): Promise<OdinLink>;
    fastboot(phone: FoundPhone, ctx: JobContext): Promise<FastbootLink>;
}

/**
 * What a job that follows one phone through its modes is handed (the upgrade, the backup): the
 * recipe, the way to find and speak to the phone, the person, where its events go, and its waits.
 */
export interface PhoneJobEnvironment<Event> {
    readonly recipe: Recipe;
    readonly locator: PhoneLocator;
    readonly links: ProtocolLinks;
    readonly ui: JobUi;
    readonly emit: (event: Event) => void;
    readonly signal: AbortSignal;
    /** How long to wait for the phone after an instruction or a restart (default 10 minutes). */
    readonly waitTimeoutMs?: number | undefined;
    /**
     * Set when nobody is there to act (the terminal's --yes or --json): a wait that needs a person
     * (keys to hold, a cable to plug) ends after this long instead of `waitTimeoutMs`.
     */
    readonly personTimeoutMs?: number | undefined;
}
