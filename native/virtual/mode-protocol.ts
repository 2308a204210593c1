/**
 * How a protocol emulation (Odin, fastboot, adbd/TWRP) plugs into the virtual phone chassis.
 * The chassis owns identity, modes, USB faces, partitions, faults and the scripted owner; a mode's
 * protocol only sees this view and a DevicePipe per connection (USB, USB/IP or TCP alike).
 */
import type { Recipe, PhoneMode } from '../manifests/schema.js';
import type { DevicePipe } from './pipe.js';

export interface PartitionStore {
    /** Partition names as in the phone's PIT or partition list. */
    names(): string[];
    has(name: string): boolean;
    sizeBytes(name: string): number;
    write(name: string, offset: number, data: Uint8Array): Promise<void>;
    read(name: string, offset: number, length: number): Promise<Uint8Array>;
    /** Discard contents (erase / format): the partition reads as zeros afterwards. */
    erase(name: string): Promise<void>;
    /** Shrink/grow the stored image to exactly this many bytes (a flash that wrote a smaller image). */
    truncate(name: string, lengthBytes: number): Promise<void>;
    /** How many bytes a partition's image holds (its file length, not the partition size). */
    storedLength(name: string): Promise<number>;
    /** Writes and erases since the phone was made: tests assert "nothing was written" with these. */
    writeCount(name: string): number;
    /** A flash started but did not finish: the partition is marked incomplete until the next complete flash. */
    markIncomplete(name: string, bytesWritten: number): void;
    markComplete(name: string): void;
    isIncomplete(name: string): boolean;
    /** `DIR/partitions/<NAME>.img`: any tool can read the partition there. */
    path(name: string): string;
}

/** The person holding the phone: answers on-screen prompts (unlock bootloader, allow adb key). */
export interface VirtualOwner {
    confirm(prompt: string, signal?: AbortSignal): Promise<boolean>;
}

/** Faults the chassis can inject; protocol code consults these at the matching points. */
export interface FaultPlan {
    /** Cut the connection after this many host→device bytes (counted by the chassis). */
    unplugAfterBytes?: number | undefined;
    /** Cut the connection after this many device→host bytes (a backup being pulled; counted by the chassis). */
    unplugAfterDeviceBytes?: number | undefined;
    /** Answer the next command of this kind with the protocol's failure reply. */
    failNext?: 'flash' | 'erase' | 'download' | 'sideload' | 'any' | undefined;
    /** Stop answering (no reply) once this many host→device bytes have passed. */
    stallAfterBytes?: number | undefined;
    /** Flip bits in the next reply. */
    corruptNextReply?: boolean | undefined;
    /** A file (phone path) an app is still writing: once adb sync has read it, more bytes land at its end. One-shot. */
    changeAfterPull?: string | undefined;
}

export interface InstalledPackage {
    /** The metadata `post-build` fingerprint, or the zip's name when it has none. */
    readonly id: string;
    readonly fileName: string;
    readonly sha256: string;
    readonly installedAt: string;
}

export interface VirtualPhoneState {
    mode: PhoneMode;
    bootloaderLocked: boolean;
    batteryPercent: number;
    /** Android version and fingerprint the phone currently boots (changes after a ROM install). */
    androidVersion: string;
    buildFingerprint: string;
    /** Packages recovery installed, in order. */
    installed: InstalledPackage[];
    /** adb public keys (adbkey.pub text) the owner has allowed. */
    adbKeys: string[];
    /** Free-form state a protocol emulation keeps (e.g. TWRP's, the Odin session flag). */
    extra: Record<string, unknown>;
}

/** state.extra's key for what the recovery partition holds (absent: TWRP, as on every phone so far). */
export const RECOVERY_KEY = 'recovery';

/** Whether recovery mode runs TWRP (false only on a phone set up with its stock recovery). */
export function recoveryIsTwrp(state: Pick<VirtualPhoneState, 'extra'>): boolean {
    return state.extra[RECOVERY_KEY] !== 'stock';
}

/** The recovery partition, flashed in download mode, holds TWRP from now on (it runs once the person starts it). */
export function twrpFlashed(state: Pick<VirtualPhoneState, 'extra'>): void {
    if (state.extra[RECOVERY_KEY] === 'stock') state.extra[RECOVERY_KEY] = 'twrp-unbooted';
}

/** state.extra's key for a Samsung phone's KNOX warranty fuse (`tripped` once anything was written in download mode). */
export const KNOX_KEY = 'knox';

/** Odin wrote a binary that is not Samsung's: the KNOX fuse blows for good, as on a real Galaxy. */
export function knoxTripped(state: Pick<VirtualPhoneState, 'extra'>): void {
    state.extra[KNOX_KEY] = 'tripped';
}

/**
 * What a Samsung phone reports as `ro.boot.warranty_bit`: `0` only while no binary but Samsung's
 * was ever written, so its recovery is still Samsung's own. A phone set up with TWRP (no recovery
 * key) had it written once, so its fuse is blown.
 */
export function warrantyBit(state: Pick<VirtualPhoneState, 'extra'>): '0' | '1' {
    return state.extra[RECOVERY_KEY] === 'stock' && state.extra[KNOX_KEY] !== 'tripped' ? '0' : '1';
}

export interface VirtualPhoneView {
    readonly recipe: Recipe;
    readonly serial: string;
    readonly state: VirtualPhoneState;
    readonly partitions: PartitionStore;
    readonly owner: VirtualOwner;
    readonly faults: FaultPlan;
    /** Where TWRP splits a file-system backup into .win000, .win001… (1.5 GiB on a phone). */
    readonly twrpSplitBytes: number;
    /** The phone's work directory (state.json, partitions/, and any files a mode keeps, e.g. /data/media). */
    readonly stateDir: string;
    /** Persist state.json now. */
    saveState(): Promise<void>;
    /** Leave the current mode: the USB device disappears and re-appears in the new mode, as on real hardware. */
    reboot(mode: PhoneMode): void;
    log(line: string): void;
}

export interface ModeProtocol {
    /** Serve one connection until the pipe closes or the signal aborts (mode change, unplug). */
    serve(pipe: DevicePipe, phone: VirtualPhoneView, signal: AbortSignal): Promise<void>;
}
