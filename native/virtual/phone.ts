/**
 * The virtual phone chassis: identity, modes and their transitions, storage, the USB face per mode,
 * faults and the scripted owner. Protocol emulations (Odin, fastboot, adbd/TWRP) plug in per mode
 * through `modeProtocols` and see the phone only as a VirtualPhoneView.
 */
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { makeFolder } from '../files/make-folder.js';
import { ReviveError } from '../jobs/errors.js';
import { parsePit, partitionSizeBytes } from '../pit/index.js';
import { requireRecipe } from '../manifests/load.js';
import type { PhoneMode, Recipe } from '../manifests/schema.js';
import { BackendUsbDevice } from '../usb/backend-device.js';
import { UsbError } from '../usb/transport.js';
import { faceDescriptors } from './face-descriptors.js';
import { RECOVERY_KEY, recoveryIsTwrp, type FaultPlan, type ModeProtocol, type VirtualOwner, type VirtualPhoneState, type VirtualPhoneView } from './mode-protocol.js';
import { ownerFor, type OwnerChoice } from './owner.js';
import { FilePartitionStore, type PartitionCounters, type PartitionSpec } from './partition-store.js';
import { createPipePair, type HostPipeEnd } from './pipe.js';
import { modeProtocols } from './protocols.js';
import { UsbFace, type FaceHooks } from './usb-face.js';
import { waitForAttach, type WaitOptions } from '../usb/wait-for-attach.js';
import { resourcePath } from '../resources.js';

export type VirtualMode = PhoneMode | 'off';

export interface VirtualPhoneOptions {
    /** The recipe, or a codename/model to look it up in resources/manifests. */
    readonly recipe?: Recipe | undefined;
    readonly codename?: string | undefined;
    /** The mode to start in; default: the mode saved in state.json, else `android`. */
    readonly mode?: PhoneMode | undefined;
    /** Work directory (state.json, partitions/); default: a temp dir removed by close(). */
    readonly stateDir?: string | undefined;
    readonly owner?: OwnerChoice | VirtualOwner | undefined;
    readonly batteryPercent?: number | undefined;
    readonly serial?: string | undefined;
    /** Partition list (e.g. derived from a PIT); default: the recipe's partitions. */
    readonly partitions?: readonly PartitionSpec[] | undefined;
    /** How long the phone is off the bus when it re-enumerates (default 150 ms). */
    readonly enumerationDelayMs?: number | undefined;
    /** Protocols for this phone only (tests); falls back to the `modeProtocols` registry. */
    readonly protocols?: Partial<Record<PhoneMode, ModeProtocol>> | undefined;
    readonly onLog?: ((line: string) => void) | undefined;
}

/** The chassis's faults: the FaultPlan protocols consult, plus how an injected unplug ends. */
export interface PhoneFaults extends FaultPlan {
    /** After a fault or `unplug()`, plug back in after this long; undefined = wait for `replug()`. */
    replugAfterMs?: number | undefined;
}

export interface VirtualPhoneEvents {
    attach: [device: USBDevice];
    detach: [device: USBDevice, reason: string];
    mode: [mode: VirtualMode];
    log: [line: string];
}

/** What state.json holds: readable by any tool, reloaded when the same state dir is served again. */
export interface VirtualPhoneStateFile extends Omit<VirtualPhoneState, 'mode'>, PartitionCounters {
    readonly version: 1;
    readonly model: string;
    readonly codename: string;
    readonly serial: string;
    /** The current mode, `off` when the phone is switched off. */
    readonly mode: VirtualMode;
    /** The mode it was last in (where it comes back when powered on by a reboot). */
    readonly lastMode: PhoneMode;
    readonly partitions: readonly PartitionSpec[];
}

const MODE_NAMES: Record<PhoneMode, string> = {
    download: 'download mode',
    bootloader: 'the bootloader',
    android: 'Android',
    recovery: 'recovery',
    sideload: 'recovery (sideload)',
};

interface Connection {
    readonly host: HostPipeEnd;
    readonly controller: AbortController;
}

export class VirtualPhone extends EventEmitter<VirtualPhoneEvents> implements VirtualPhoneView {
    readonly recipe: Recipe;
    readonly serial: string;
    readonly state: VirtualPhoneState;
    readonly partitions: FilePartitionStore;
    readonly owner: VirtualOwner;
    readonly faults: PhoneFaults = {};
    /** Where the virtual TWRP splits a file-system backup (TWRP's MAX_ARCHIVE_SIZE, 1.5 GiB); tests lower it. */
    twrpSplitBytes = 1610612736;
    readonly stateDir: string;
    readonly enumerationDelayMs: number;
    /** Recent log lines (newest last), for diagnostics. */
    readonly logLines: string[] = [];

    readonly #counters: PartitionCounters;
    readonly #partitionSpecs: readonly PartitionSpec[];
    readonly #protocols: Partial<Record<PhoneMode, ModeProtocol>> | undefined;
    readonly #ownsStateDir: boolean;
    readonly #onLog: ((line: string) => void) | undefined;
    #poweredOn: boolean;
    #unplugged = false;
    #face: UsbFace | undefined;
    #device: BackendUsbDevice | undefined;
    #attachTimer: NodeJS.Timeout | undefined;
    #replugTimer: NodeJS.Timeout | undefined;
    readonly #connections = new Set<Connection>();
    /** Protocol emulations still running: close() waits for them before removing a temp state dir. */
    readonly #serving = new Set<Promise<void>>();
    #hostBytes = 0;
    #deviceBytes = 0;
    #unplugFault: { value: number; base: number } | undefined;
    #unplugInFault: { value: number; base: number } | undefined;
    #stallFault: { value: number; base: number } | undefined;
    #saving: Promise<void> = Promise.resolve();
    #saveQueued = false;
    #closed = false;

    private constructor(init: {
        recipe: Recipe;
        serial: string;
        state: VirtualPhoneState;
        poweredOn: boolean;
        counters: PartitionCounters;
        partitions: readonly PartitionSpec[];
        stateDir: string;
        ownsStateDir: boolean;
        options: VirtualPhoneOptions;
    }) {
        super();
        this.recipe = init.recipe;
        this.serial = init.serial;
        this.state = init.state;
        this.#poweredOn = init.poweredOn;
        this.#counters = init.counters;
        this.#partitionSpecs = init.partitions;
        this.stateDir = init.stateDir;
        this.#ownsStateDir = init.ownsStateDir;
        this.owner = ownerFor(init.options.owner ?? 'accept');
        this.enumerationDelayMs = init.options.enumerationDelayMs ?? 150;
        this.#protocols = init.options.protocols;
        this.#onLog = init.options.onLog;
        this.partitions = new FilePartitionStore(init.stateDir, init.partitions, init.counters, () => this.#scheduleSave());
    }

    /** Build a phone; it is on the bus in its mode when the promise resolves (unless it is off). */
    static async create(options: VirtualPhoneOptions): Promise<VirtualPhone> {
        const recipe = options.recipe ?? (options.codename ? requireRecipe(options.codename) : undefined);
        if (!recipe) {
            throw ReviveError.of('virtual-no-model', {});
        }
        const ownsStateDir = options.stateDir === undefined;
        const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), `revive-phone-${recipe.id}-`));
        await makeFolder(stateDir, 'virtual-state');
        const saved = await loadStateFile(stateDir);
        if (saved && saved.model !== recipe.id) {
            throw ReviveError.of('virtual-state-mismatch', { folder: stateDir, found: saved.model, expected: recipe.id });
        }
        const mode = options.mode ?? saved?.lastMode ?? 'android';
        if (!recipe.usb[mode]) {
            throw ReviveError.of('virtual-mode-unsupported', { phone: recipe.name, mode, modes: Object.keys(recipe.usb).join(', ') });
        }
        const serial = saved?.serial ?? options.serial ?? `${recipe.virtual.serialPrefix}${randomBytes(4).toString('hex')}`;
        const state: VirtualPhoneState = {
            mode,
            bootloaderLocked: saved?.bootloaderLocked ?? (recipe.method === 'fastboot' && recipe.unlock.method !== 'none'),
            batteryPercent: options.batteryPercent ?? saved?.batteryPercent ?? 80,
            androidVersion: saved?.androidVersion ?? recipe.stockAndroidVersion,
            buildFingerprint: saved?.buildFingerprint ?? recipe.virtual.buildFingerprint,
            installed: saved?.installed ?? [],
            adbKeys: saved?.adbKeys ?? [],
            extra: saved?.extra ?? {},
        };
        const counters: PartitionCounters = { writeCounts: saved?.writeCounts ?? {}, incomplete: saved?.incomplete ?? {} };
        const partitions = options.partitions ?? saved?.partitions ?? (await defaultPartitions(recipe));
        const poweredOn = options.mode !== undefined || saved?.mode !== 'off';
        const phone = new VirtualPhone({ recipe, serial, state, poweredOn: poweredOn && state.batteryPercent > 0, counters, partitions, stateDir, ownsStateDir, options });
        if (!saved) seedFactoryPartitions(phone);
        await phone.saveState();
        if (phone.#poweredOn) phone.#attach();
        return phone;
    }

    /** The current mode, or `off`. */
    get mode(): VirtualMode {
        return this.#poweredOn ? this.state.mode : 'off';
    }

    get isOff(): boolean {
        return !this.#poweredOn;
    }

    /** The phone as a WebUSB device; undefined while it is off, unplugged or re-enumerating. */
    get usbDevice(): USBDevice | undefined {
        return this.#device;
    }

    /** The current USB face (the USB/IP server drives it); undefined while off the bus. */
    get usbFace(): UsbFace | undefined {
        return this.#face;
    }

    /** Host→device bulk bytes seen over USB since the phone was made. */
    get hostBytes(): number {
        return this.#hostBytes;
    }

    log(line: string): void {
        this.logLines.push(line);
        if (this.logLines.length > 500) this.logLines.splice(0, this.logLines.length - 500);
        this.#onLog?.(line);
        this.emit('log', line);
    }

    #protocolFor(mode: PhoneMode): ModeProtocol | undefined {
        return this.#protocols?.[mode] ?? modeProtocols[mode];
    }

    #serve(mode: PhoneMode, protocol: ModeProtocol, pipe: ReturnType<typeof createPipePair>, controller: AbortController, closeWhenDone: boolean): void {
        const serving: Promise<void> = protocol
            .serve(pipe.device, this, controller.signal)
            .catch((error: unknown) => {
                const quiet = controller.signal.aborted || (error instanceof UsbError && (error.code === 'disconnected' || error.code === 'aborted'));
                if (!quiet) this.log(`${mode}: the protocol emulation failed: ${error instanceof Error ? error.message : String(error)}`);
            })
            .finally(() => {
                this.#serving.delete(serving);
                if (closeWhenDone) pipe.host.close('The phone closed the connection.');
            });
        this.#serving.add(serving);
    }

    /**
     * Samsung's own recovery is a user build: it starts no adbd (AOSP recovery starts it only in
     * debuggable builds), so it shows nothing on USB or the network; its menu waits for the keys.
     */
    get #silentRecovery(): boolean {
        return this.state.mode === 'recovery' && !recoveryIsTwrp(this.state);
    }

    #attach(): void {
        if (this.#closed || !this.#poweredOn || this.#unplugged || this.#face) return;
        const mode = this.state.mode;
        if (this.#silentRecovery) {
            this.log('recovery: Samsung\'s own recovery starts no adbd; nothing shows on USB');
            return;
        }
        const descriptors = faceDescriptors(this.recipe, mode, this.serial);
        const protocol = this.#protocolFor(mode);
        let host: HostPipeEnd | undefined;
        if (protocol) {
            const pair = createPipePair();
            const controller = new AbortController();
            host = pair.host;
            void pair.host.closed.then(() => controller.abort(new Error('USB connection closed')));
            this.#serve(mode, protocol, pair, controller, false);
        } else {
            this.log(`${mode}: no protocol emulation is registered for this mode yet; its bulk endpoints stall.`);
        }
        const hooks: FaceHooks = {
            beforeBulkOut: (length) => this.#beforeBulkOut(length),
            beforeBulkIn: (length) => this.#beforeBulkIn(length),
            isHung: () => this.#isHung(),
            unplug: () => this.unplug('The USB cable was pulled (injected fault: unplug after bytes).'),
            log: (line) => this.log(line),
        };
        const face = new UsbFace(mode, descriptors, host, hooks);
        const strings = descriptors.strings;
        const device = new BackendUsbDevice(face, {
            device: descriptors.deviceBytes,
            configurations: [descriptors.configurationBytes],
            strings: {
                manufacturer: strings.get(descriptors.device.manufacturerIndex),
                product: strings.get(descriptors.device.productIndex),
                serial: descriptors.device.serialIndex ? strings.get(descriptors.device.serialIndex) : undefined,
                byIndex: strings,
            },
            location: `virtual:${this.serial}`,
        });
        this.#face = face;
        this.#device = device;
        this.log(`usb: attached in ${mode} mode as ${hex(descriptors.device.vendorId)}:${hex(descriptors.device.productId)}`);
        this.emit('attach', device);
    }

    #detach(reason: string): void {
        const face = this.#face;
        const device = this.#device;
        this.#face = undefined;
        this.#device = undefined;
        if (!face || !device) return;
        face.detach(reason);
        this.log(`usb: detached (${reason})`);
        this.emit('detach', device, reason);
    }

    #closeConnections(reason: string): void {
        for (const connection of this.#connections) {
            connection.controller.abort(new Error(reason));
            connection.host.close(reason);
        }
        this.#connections.clear();
    }

    #syncFault(fault: { value: number; base: number } | undefined, value: number | undefined, counted = this.#hostBytes): { value: number; base: number } | undefined {
        if (value === undefined) return undefined;
        if (fault && fault.value === value) return fault;
        return { value, base: counted };
    }

    /** How many of `length` bytes pass a one-shot unplug fault counted from `fault.base` on `counted`, and whether it fires. */
    static #crossing(fault: { value: number; base: number } | undefined, length: number, counted: number): { deliver: number; unplug: boolean } {
        const left = fault === undefined ? Infinity : fault.value - (counted - fault.base);
        return length >= left ? { deliver: Math.max(0, left), unplug: true } : { deliver: length, unplug: false };
    }

    #beforeBulkOut(length: number): { deliver: number; unplug: boolean; hang: boolean } {
        this.#unplugFault = this.#syncFault(this.#unplugFault, this.faults.unplugAfterBytes);
        this.#stallFault = this.#syncFault(this.#stallFault, this.faults.stallAfterBytes);
        if (this.#isHung()) return { deliver: 0, unplug: false, hang: true };
        const plan = VirtualPhone.#crossing(this.#unplugFault, length, this.#hostBytes);
        if (plan.unplug) {
            this.faults.unplugAfterBytes = undefined;
            this.#unplugFault = undefined;
        }
        this.#hostBytes += plan.deliver;
        return { ...plan, hang: false };
    }

    #beforeBulkIn(length: number): { deliver: number; unplug: boolean } {
        this.#unplugInFault = this.#syncFault(this.#unplugInFault, this.faults.unplugAfterDeviceBytes, this.#deviceBytes);
        const plan = VirtualPhone.#crossing(this.#unplugInFault, length, this.#deviceBytes);
        if (plan.unplug) {
            this.faults.unplugAfterDeviceBytes = undefined;
            this.#unplugInFault = undefined;
        }
        this.#deviceBytes += plan.deliver;
        return plan;
    }

    #isHung(): boolean {
        this.#stallFault = this.#syncFault(this.#stallFault, this.faults.stallAfterBytes);
        return this.#stallFault !== undefined && this.#hostBytes - this.#stallFault.base >= this.#stallFault.value;
    }

    #requireMode(mode: PhoneMode): void {
        if (!this.recipe.usb[mode]) {
            throw ReviveError.of('virtual-mode-unsupported', { phone: this.recipe.name, mode, modes: Object.keys(this.recipe.usb).join(', ') });
        }
    }

    #enterMode(mode: PhoneMode, reason: string): void {
        clearTimeout(this.#attachTimer);
        this.#detach(reason);
        this.#closeConnections(reason);
        this.state.mode = mode;
        this.#poweredOn = true;
        this.#followRecovery(mode);
        this.#scheduleSave();
        this.emit('mode', mode);
        this.#attachTimer = setTimeout(() => {
            this.#attachTimer = undefined;
            this.#attach();
        }, this.enumerationDelayMs);
    }

    /**
     * A Samsung phone's stock firmware puts its own recovery back when Android starts before a
     * freshly flashed TWRP has run once (state.extra.recovery: `stock` → Odin flash → `twrp-unbooted`
     * → recovery entered → `twrp`; Android first → `stock` again). A phone without the key keeps TWRP.
     */
    #followRecovery(mode: PhoneMode): void {
        if (this.state.extra[RECOVERY_KEY] !== 'twrp-unbooted') return;
        if (mode === 'recovery') this.state.extra[RECOVERY_KEY] = 'twrp';
        else if (mode === 'android') {
            this.state.extra[RECOVERY_KEY] = 'stock';
            this.log('Android started before TWRP: the stock firmware put its own recovery back');
        }
    }

    /** Leave the current mode: the USB device disappears and re-appears in the new mode. */
    reboot(mode: PhoneMode): void {
        this.#requireMode(mode);
        if (!this.#poweredOn) {
            this.log(`reboot to ${mode} ignored: the phone is off`);
            return;
        }
        this.log(`rebooting into ${MODE_NAMES[mode]}`);
        this.#enterMode(mode, `The phone is restarting into ${MODE_NAMES[mode]}.`);
    }

    /** A person holds the key combo for a mode (works from off too, if the battery has charge). */
    pressKeys(mode: PhoneMode): void {
        this.#requireMode(mode);
        if (this.state.batteryPercent <= 0) {
            throw ReviveError.of('virtual-battery-empty', {});
        }
        this.log(`keys held for ${MODE_NAMES[mode]}`);
        this.#enterMode(mode, `The phone is restarting into ${MODE_NAMES[mode]} (keys held).`);
    }

    /** Pull the cable: the phone stays in its mode, off the bus until `replug()` or `faults.replugAfterMs`. */
    unplug(reason = 'The USB cable was pulled.'): void {
        this.#unplugged = true;
        clearTimeout(this.#attachTimer);
        this.#attachTimer = undefined;
        this.#detach(reason);
        clearTimeout(this.#replugTimer);
        if (this.faults.replugAfterMs !== undefined) this.#replugTimer = setTimeout(() => this.replug(), this.faults.replugAfterMs);
    }

    replug(): void {
        clearTimeout(this.#replugTimer);
        if (!this.#unplugged) return;
        this.#unplugged = false;
        this.log('usb: cable plugged back in');
        this.#attach();
    }

    get isUnplugged(): boolean {
        return this.#unplugged;
    }

    /** Set the battery level; at 0 the phone dies (off the bus, mode `off`). */
    setBatteryPercent(percent: number): void {
        this.state.batteryPercent = Math.max(0, Math.min(100, Math.round(percent)));
        this.#scheduleSave();
        if (this.state.batteryPercent === 0 && this.#poweredOn) this.powerOff('The battery ran out.');
    }

    /** Switch off (long press on power, or an empty battery). */
    powerOff(reason = 'The phone was switched off.'): void {
        clearTimeout(this.#attachTimer);
        this.#attachTimer = undefined;
        this.#detach(reason);
        this.#closeConnections(reason);
        this.#poweredOn = false;
        this.log(`powered off (${reason})`);
        this.#scheduleSave();
        this.emit('mode', 'off');
    }

    /**
     * A fresh connection to the current mode's protocol (adb or fastboot over TCP use this).
     * Undefined when the phone is off or the mode has no protocol. Closed on every mode change.
     */
    openProtocolConnection(): HostPipeEnd | undefined {
        if (!this.#poweredOn || this.#closed || this.#silentRecovery) return undefined;
        const mode = this.state.mode;
        const protocol = this.#protocolFor(mode);
        if (!protocol) return undefined;
        const pair = createPipePair();
        const controller = new AbortController();
        const connection: Connection = { host: pair.host, controller };
        this.#connections.add(connection);
        void pair.host.closed.then(() => {
            this.#connections.delete(connection);
            controller.abort(new Error('connection closed'));
        });
        this.#serve(mode, protocol, pair, controller, true);
        return pair.host;
    }

    /** The phone's USBDevice once it is on the bus (in `mode`, if given). */
    waitForDevice(options: { mode?: PhoneMode | undefined } & WaitOptions = {}): Promise<USBDevice> {
        const matches = (): USBDevice | undefined => (this.#device && (options.mode === undefined || this.state.mode === options.mode) ? this.#device : undefined);
        return waitForAttach(this, matches, options, `The virtual phone did not appear${options.mode ? ` in ${options.mode} mode` : ''} within ${options.timeoutMs} ms.`);
    }

    toStateFile(): VirtualPhoneStateFile {
        return {
            version: 1,
            model: this.recipe.id,
            codename: this.recipe.codenames[0] ?? this.recipe.id,
            serial: this.serial,
            ...this.state,
            installed: [...this.state.installed],
            adbKeys: [...this.state.adbKeys],
            mode: this.mode,
            lastMode: this.state.mode,
            writeCounts: { ...this.#counters.writeCounts },
            incomplete: { ...this.#counters.incomplete },
            partitions: this.#partitionSpecs,
        };
    }

    #scheduleSave(): void {
        if (this.#saveQueued) return;
        this.#saveQueued = true;
        this.#saving = this.#saving
            .then(async () => {
                this.#saveQueued = false;
                const file = join(this.stateDir, 'state.json');
                const temp = `${file}.${process.pid}.tmp`;
                await writeFile(temp, `${JSON.stringify(this.toStateFile(), null, 2)}\n`);
                await rename(temp, file);
            })
            .catch((error: unknown) => {
                this.#saveQueued = false;
                this.log(`state.json could not be written: ${error instanceof Error ? error.message : String(error)}`);
            });
    }

    /** Persist state.json now (protocols call this after changing `state`). */
    saveState(): Promise<void> {
        this.#scheduleSave();
        return this.#saving;
    }

    /** Switch the phone off the bus for good and release its files (a temp state dir is removed). */
    async close(): Promise<void> {
        if (this.#closed) return;
        clearTimeout(this.#attachTimer);
        clearTimeout(this.#replugTimer);
        this.#detach('The virtual phone was shut down.');
        this.#closeConnections('The virtual phone was shut down.');
        // Let emulations that were just cut off finish their last file writes (bounded: a hung one must not hang shutdown).
        await Promise.race([Promise.allSettled([...this.#serving]), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        await this.saveState();
        this.#closed = true;
        await this.partitions.close();
        // A protocol emulation may still be finishing a file write as its connection closes: retry.
        if (this.#ownsStateDir) await rm(this.stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    }
}

/**
 * A phone leaves the factory with data in its radio partitions (EFS: IMEI and calibration; persist:
 * sensor calibration, DRM keys): a fresh virtual phone gets 64 KiB of per-serial bytes there, written
 * straight to the image so the write counters still say "nothing written by a host".
 */
function seedFactoryPartitions(phone: VirtualPhone): void {
    for (const name of phone.partitions.names()) {
        if (!/^(efs|persist)$/i.test(name)) continue;
        const blocks: Buffer[] = [Buffer.from(`REVIVE VIRTUAL ${name.toUpperCase()} ${phone.serial}\n`)];
        let digest = createHash('sha256').update(`${phone.serial}:${name}`).digest();
        for (let size = blocks[0]?.length ?? 0; size < 64 * 1024; size += digest.length) {
            blocks.push(digest);
            digest = createHash('sha256').update(digest).digest();
        }
        writeFileSync(phone.partitions.path(name), Buffer.concat(blocks).subarray(0, 64 * 1024));
    }
}

const PIT_DIR = resourcePath('pit');

/**
 * A phone's partitions: the recipe's, and for an Odin phone every named partition of its PIT too,
 * so a flash to a PIT-only partition (e.g. a bootloader) is judged by the PIT's size as a real phone would.
 */
async function defaultPartitions(recipe: Recipe): Promise<PartitionSpec[]> {
    const specs = recipe.partitions.map((p) => ({ name: p.name, sizeBytes: p.sizeBytes }));
    if (!recipe.pit) return specs;
    const pit = parsePit(new Uint8Array(await readFile(join(PIT_DIR, recipe.pit))), recipe.pit);
    for (const entry of pit.entries) {
        const sizeBytes = partitionSizeBytes(entry);
        if (entry.partitionName && sizeBytes > 0 && !specs.some((spec) => spec.name === entry.partitionName)) {
            specs.push({ name: entry.partitionName, sizeBytes });
        }
    }
    return specs;
}

function hex(n: number): string {
    return n.toString(16).padStart(4, '0');
}

async function loadStateFile(stateDir: string): Promise<VirtualPhoneStateFile | undefined> {
    const file = join(stateDir, 'state.json');
    if (!existsSync(file)) return undefined;
    try {
        const parsed = JSON.parse(await readFile(file, 'utf8')) as VirtualPhoneStateFile;
        if (parsed.version !== 1 || typeof parsed.model !== 'string') throw new Error('unknown format');
        return parsed;
    } catch (error) {
        // JSON.parse's or the file system's own words say why.
        throw ReviveError.of('virtual-state-invalid', { file, problem: error instanceof Error ? error.message : String(error) }, { cause: error });
    }
}
