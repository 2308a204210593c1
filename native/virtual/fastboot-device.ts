/**
 * The virtual phone's bootloader: fastboot's device side on the chassis. Variables come from the
 * recipe, downloads land in a file in the phone's work directory (never whole in memory), flashes
 * apply raw or sparse payloads to the partition store, and the lock state is enforced as a real
 * bootloader does: nothing is written while locked, and unlocking needs the owner and wipes data.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { decodeCommand, encodeResponse, type FastbootResponse } from '../fastboot/protocol.js';
import { isSparseMagic } from '../sparse/format.js';
import { readSparse } from '../sparse/reader.js';
import type { PhoneMode } from '../manifests/schema.js';
import type { ModeProtocol, VirtualPhoneView } from './mode-protocol.js';
import type { DevicePipe } from './pipe.js';
import { VirtualFs } from './adbd-fs.js';

/** When the recipe names none: what many Qualcomm bootloaders of the era allow. */
const DEFAULT_MAX_DOWNLOAD = 512 * 1024 * 1024;
const WRITE_SLICE = 1024 * 1024;
/** How often the bootloader reminds the host it is still waiting for the owner. */
const CONFIRM_KEEPALIVE_MS = 5_000;

/** What the chassis's state.extra holds for fastboot. */
export interface FastbootExtra {
    /** The active slot of an A/B phone. */
    currentSlot?: 'a' | 'b';
    /** Set by `fastboot boot`: the phone runs an image from RAM (recovery mode without flashing it). */
    bootedFromRam?: { bytes: number; sha256: string; at: string } | undefined;
}

export function fastbootExtra(phone: VirtualPhoneView): FastbootExtra {
    const extra = (phone.state.extra['fastboot'] ??= {}) as FastbootExtra;
    return extra;
}

const PARTITION_TYPES: Record<string, string> = { emmc: 'raw', ext4: 'ext4', f2fs: 'f2fs', vfat: 'vfat' };

function hex(value: number): string {
    return `0x${value.toString(16)}`;
}

export function maxDownloadSize(phone: VirtualPhoneView): number {
    return phone.recipe.virtual.maxDownloadSizeBytes ?? DEFAULT_MAX_DOWNLOAD;
}

/** Every variable the bootloader reports, in `getvar:all` order. */
export function fastbootVariables(phone: VirtualPhoneView): Array<[string, string]> {
    const recipe = phone.recipe;
    const names = phone.partitions.names();
    const vars: Array<[string, string]> = [
        ['version', '0.4'],
        ['version-bootloader', recipe.virtual.bootloaderVersion],
        ['version-baseband', recipe.virtual.basebandVersion ?? ''],
        ['product', recipe.virtual.fastbootProduct ?? recipe.codenames[0] ?? recipe.id],
        ['serialno', phone.serial],
        ['secure', 'yes'],
        ['unlocked', phone.state.bootloaderLocked ? 'no' : 'yes'],
        ['off-mode-charge', '1'],
        ['battery-soc-ok', phone.state.batteryPercent >= 10 ? 'yes' : 'no'],
        ['battery-voltage', String(3400 + phone.state.batteryPercent * 8)],
        ['max-download-size', hex(maxDownloadSize(phone))],
        ['is-userspace', 'no'],
    ];
    if (recipe.abSlots) {
        const current = fastbootExtra(phone).currentSlot ?? 'a';
        vars.push(['slot-count', '2'], ['slot-suffixes', '_a,_b'], ['current-slot', current]);
        for (const slot of ['a', 'b'] as const) {
            vars.push([`slot-successful:${slot}`, slot === current ? 'yes' : 'no'], [`slot-unbootable:${slot}`, 'no'], [`slot-retry-count:${slot}`, slot === current ? '7' : '0']);
        }
        const slotted = new Set(names.filter((n) => /_[ab]$/.test(n)).map((n) => n.slice(0, -2)));
        for (const base of [...slotted].sort()) vars.push([`has-slot:${base}`, 'yes']);
        for (const name of names.filter((n) => !/_[ab]$/.test(n))) vars.push([`has-slot:${name}`, 'no']);
    }
    for (const name of names) {
        const filesystem = recipe.partitions.find((p) => p.name === name)?.filesystem ?? 'emmc';
        vars.push([`partition-size:${name}`, hex(phone.partitions.sizeBytes(name))], [`partition-type:${name}`, PARTITION_TYPES[filesystem] ?? 'raw']);
    }
    return vars;
}

function getVariable(phone: VirtualPhoneView, name: string): string | undefined {
    const found = fastbootVariables(phone).find(([key]) => key === name);
    if (found) return found[1];
    // Any name asks has-slot, and gets a plain answer.
    if (name.startsWith('has-slot:')) return 'no';
    return undefined;
}

class BootloaderSession {
    readonly #pipe: DevicePipe;
    readonly #phone: VirtualPhoneView;
    readonly #signal: AbortSignal;
    readonly #downloadPath: string;
    #downloaded: number | undefined;

    constructor(pipe: DevicePipe, phone: VirtualPhoneView, signal: AbortSignal) {
        this.#pipe = pipe;
        this.#phone = phone;
        this.#signal = signal;
        this.#downloadPath = join(phone.stateDir, 'fastboot', `download-${randomBytes(4).toString('hex')}.bin`);
    }

    async run(): Promise<void> {
        await mkdir(join(this.#phone.stateDir, 'fastboot'), { recursive: true });
        try {
            for (;;) {
                const bytes = await this.#pipe.receive(this.#signal);
                // Zero-length packets are ignored, as the spec asks.
                if (bytes.length === 0) continue;
                const command = decodeCommand(bytes);
                this.#phone.log(`fastboot: ${command.length > 80 ? `${command.slice(0, 80)}…` : command}`);
                await this.#handle(command);
            }
        } finally {
            await rm(this.#downloadPath, { force: true });
        }
    }

    #reply(response: FastbootResponse): void {
        const bytes = encodeResponse(response);
        if (this.#phone.faults.corruptNextReply) {
            this.#phone.faults.corruptNextReply = undefined;
            for (let i = 0; i < Math.min(4, bytes.length); i++) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
        }
        this.#pipe.send(bytes);
    }

    #okay(text = ''): void {
        this.#reply({ kind: 'OKAY', text });
    }

    #fail(text: string): void {
        this.#phone.log(`fastboot: FAIL ${text}`);
        this.#reply({ kind: 'FAIL', text });
    }

    #info(text: string): void {
        this.#reply({ kind: 'INFO', text });
    }

    /** An injected failure for this kind of command, consumed once. */
    #injected(kind: 'flash' | 'erase' | 'download' | 'other'): boolean {
        const wanted = this.#phone.faults.failNext;
        if (wanted === 'any' || (wanted !== undefined && wanted === kind)) {
            this.#phone.faults.failNext = undefined;
            return true;
        }
        return false;
    }

    async #handle(command: string): Promise<void> {
        const [verb = '', ...rest] = command.split(':');
        const argument = rest.join(':');
        const kind = verb === 'flash' || verb === 'erase' || verb === 'download' ? verb : 'other';
        if (this.#injected(kind)) {
            this.#fail(kind === 'flash' ? 'Flash write failure' : kind === 'erase' ? 'Erase failed' : kind === 'download' ? 'Failed to allocate download buffer' : 'Command failed');
            return;
        }
        switch (verb) {
            case 'getvar':
                return this.#getvar(argument);
            case 'download':
                return this.#download(argument);
            case 'flash':
                return this.#flash(argument);
            case 'erase':
                return this.#erase(argument);
            case 'boot':
                return this.#boot();
            case 'set_active':
                return this.#setActive(argument);
            case 'continue':
                return this.#leave('android');
            case 'reboot':
                return this.#leave('android');
            case 'reboot-bootloader':
                return this.#leave('bootloader');
            case 'reboot-recovery':
                return this.#leave('recovery');
        }
        if (command.startsWith('flashing ')) return this.#flashing(command.slice('flashing '.length).trim());
        if (command.startsWith('oem ')) return this.#oem(command.slice('oem '.length).trim());
        // reboot-fastboot needs userspace fastboot (fastbootd), which this bootloader does not have.
        this.#fail('unknown command');
    }

    #getvar(name: string): void {
        if (name === 'all') {
            for (const [key, value] of fastbootVariables(this.#phone)) this.#info(`${key}:${value}`);
            this.#okay('');
            return;
        }
        const value = getVariable(this.#phone, name);
        if (value === undefined) this.#fail('GetVar Variable Not found');
        else this.#okay(value);
    }

    async #download(argument: string): Promise<void> {
        if (!/^[0-9a-fA-F]{1,8}$/.test(argument)) {
            this.#fail('invalid download size');
            return;
        }
        const size = Number.parseInt(argument, 16);
        if (size === 0 || size > maxDownloadSize(this.#phone)) {
            this.#fail('data too large');
            return;
        }
        this.#downloaded = undefined;
        this.#reply({ kind: 'DATA', size });
        const handle = await open(this.#downloadPath, 'w');
        let received = 0;
        try {
            while (received < size) {
                const bytes = await this.#pipe.receive(this.#signal);
                // A transfer that runs past the announced size: keep what was announced, as devices do.
                const take = bytes.length <= size - received ? bytes : bytes.subarray(0, size - received);
                if (take.length > 0) await handle.write(take, 0, take.length, received);
                received += take.length;
            }
        } finally {
            await handle.close();
        }
        this.#downloaded = size;
        this.#okay('');
    }

    #partitionRefusal(partition: string, action: string): boolean {
        if (!this.#phone.partitions.has(partition)) {
            this.#fail(`Partition not found: ${partition}`);
            return true;
        }
        if (this.#phone.state.bootloaderLocked) {
            this.#fail(`${action} is not allowed in Lock State`);
            return true;
        }
        return false;
    }

    async #flash(partition: string): Promise<void> {
        if (this.#partitionRefusal(partition, 'Flashing')) return;
        if (this.#downloaded === undefined) {
            this.#fail('No data downloaded: download the image first');
            return;
        }
        const size = this.#downloaded;
        const head = await this.#readHead(32);
        const store = this.#phone.partitions;
        const capacity = store.sizeBytes(partition);
        if (isSparseMagic(head)) {
            await this.#flashSparse(partition, capacity);
        } else {
            if (size > capacity) {
                this.#fail(`size too large: the image is ${size} bytes, the partition ${capacity}`);
                return;
            }
            store.markIncomplete(partition, 0);
            let offset = 0;
            for await (const chunk of createReadStream(this.#downloadPath, { start: 0, end: size - 1, highWaterMark: WRITE_SLICE })) {
                const bytes = chunk as Buffer;
                await store.write(partition, offset, bytes);
                offset += bytes.length;
                store.markIncomplete(partition, offset);
            }
            // A raw write leaves exactly the image: the partition image ends where the flash ended.
            await store.truncate(partition, size);
            store.markComplete(partition);
            this.#okay('');
        }
    }

    async #flashSparse(partition: string, capacity: number): Promise<void> {
        const store = this.#phone.partitions;
        const events = readSparse(createReadStream(this.#downloadPath, { start: 0, end: (this.#downloaded ?? 1) - 1, highWaterMark: WRITE_SLICE }), { source: 'the downloaded image' });
        let written = 0;
        try {
            for await (const event of events) {
                if (event.kind === 'header') {
                    const total = event.header.totalBlocks * event.header.blockSize;
                    if (total > capacity) {
                        this.#fail(`size too large: the sparse image expands to ${total} bytes, the partition holds ${capacity}`);
                        return;
                    }
                    store.markIncomplete(partition, 0);
                    // Every piece of a split image describes the whole image: make the stored image that long.
                    if ((await store.storedLength(partition)) !== total) await store.truncate(partition, total);
                } else if (event.kind === 'data') {
                    await store.write(partition, event.offset, event.bytes);
                    written += event.bytes.length;
                    store.markIncomplete(partition, written);
                } else if (event.kind === 'fill') {
                    const slice = Buffer.alloc(Math.min(WRITE_SLICE, event.length));
                    for (let i = 0; i < slice.length; i += 4) slice.set(event.pattern, i);
                    for (let at = 0; at < event.length; at += slice.length) {
                        await store.write(partition, event.offset + at, slice.subarray(0, Math.min(slice.length, event.length - at)));
                    }
                    written += event.length;
                }
            }
        } catch (error) {
            this.#fail(`invalid sparse image: ${error instanceof Error ? error.message : String(error)}`);
            return;
        }
        store.markComplete(partition);
        this.#okay('');
    }

    async #readHead(length: number): Promise<Uint8Array> {
        let handle: FileHandle | undefined;
        try {
            handle = await open(this.#downloadPath, 'r');
            const bytes = new Uint8Array(length);
            const { bytesRead } = await handle.read(bytes, 0, length, 0);
            return bytes.subarray(0, bytesRead);
        } finally {
            await handle?.close();
        }
    }

    async #erase(partition: string): Promise<void> {
        if (this.#partitionRefusal(partition, 'Erase')) return;
        await this.#phone.partitions.erase(partition);
        this.#okay('');
    }

    async #boot(): Promise<void> {
        if (this.#phone.state.bootloaderLocked) {
            this.#fail('Boot Into Image is not allowed in Lock State');
            return;
        }
        if (this.#downloaded === undefined) {
            this.#fail('No data downloaded: download the boot image first');
            return;
        }
        const head = await this.#readHead(8);
        if (new TextDecoder('latin1').decode(head) !== 'ANDROID!') {
            this.#fail('Invalid boot image: no ANDROID! header');
            return;
        }
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(this.#downloadPath, { start: 0, end: this.#downloaded - 1 })) hash.update(chunk as Buffer);
        fastbootExtra(this.#phone).bootedFromRam = { bytes: this.#downloaded, sha256: hash.digest('hex'), at: new Date().toISOString() };
        await this.#phone.saveState();
        this.#okay('');
        this.#later(() => this.#phone.reboot('recovery'));
    }

    async #setActive(argument: string): Promise<void> {
        if (!this.#phone.recipe.abSlots) {
            this.#fail('set_active command is not supported: this phone has no A/B slots');
            return;
        }
        const slot = argument.replace(/^_/, '');
        if (slot !== 'a' && slot !== 'b') {
            this.#fail(`Invalid slot: ${argument}`);
            return;
        }
        if (this.#phone.state.bootloaderLocked) {
            this.#fail('Slot Change is not allowed in Lock State');
            return;
        }
        fastbootExtra(this.#phone).currentSlot = slot;
        await this.#phone.saveState();
        this.#okay('');
    }

    #leave(mode: PhoneMode): void {
        if (mode === 'recovery') delete fastbootExtra(this.#phone).bootedFromRam;
        this.#okay('');
        this.#later(() => this.#phone.reboot(mode));
    }

    /** Let the OKAY reach the host before the phone drops off the bus. */
    #later(action: () => void): void {
        setTimeout(action, 50);
    }

    async #flashing(action: string): Promise<void> {
        switch (action) {
            case 'unlock':
            case 'unlock_critical':
                return this.#setLock(false);
            case 'lock':
            case 'lock_critical':
                return this.#setLock(true);
            case 'get_unlock_ability':
                this.#info('get_unlock_ability: 1');
                this.#okay('');
                return;
            default:
                this.#fail('unknown command');
        }
    }

    async #oem(args: string): Promise<void> {
        const oemUnlock = this.#phone.recipe.unlock.method === 'fastboot-oem-unlock';
        if ((args === 'unlock' || args === 'lock') && oemUnlock) return this.#setLock(args === 'lock');
        if (args === 'device-info') {
            this.#info('Device tampered: false');
            this.#info(`Device unlocked: ${this.#phone.state.bootloaderLocked ? 'false' : 'true'}`);
            this.#info('Charger screen enabled: true');
            this.#okay('');
            return;
        }
        this.#fail('unknown command');
    }

    async #setLock(lock: boolean): Promise<void> {
        const phone = this.#phone;
        if (phone.state.bootloaderLocked === lock) {
            this.#fail(`Device already : ${lock ? 'locked' : 'unlocked'}!`);
            return;
        }
        const prompt = lock
            ? 'Lock the bootloader? The phone will only start software signed by its maker, and all personal data on it will be erased.'
            : 'Unlock the bootloader? You can then install custom software on this phone. Unlocking erases all personal data on it.';
        this.#info('Check the phone\'s screen: confirm with the volume keys, then press Power.');
        const keepAlive = setInterval(() => this.#info('Waiting for confirmation on the phone...'), CONFIRM_KEEPALIVE_MS);
        let yes: boolean;
        try {
            yes = await phone.owner.confirm(prompt, this.#signal);
        } finally {
            clearInterval(keepAlive);
        }
        if (!yes) {
            this.#fail(`${lock ? 'Lock' : 'Unlock'} cancelled on the phone by the user`);
            return;
        }
        // Real phones wipe user data on any change of lock state.
        for (const name of ['userdata', 'cache', 'metadata']) {
            if (!phone.partitions.has(name)) continue;
            this.#info(`Erasing ${name}...`);
            await phone.partitions.erase(name);
        }
        // …and with it the files adbd and TWRP show under /data, internal storage (/sdcard) included.
        const fs = new VirtualFs(phone.stateDir);
        await rm(fs.hostPath('/data'), { recursive: true, force: true });
        await fs.ensureLayout();
        phone.state.bootloaderLocked = lock;
        await phone.saveState();
        this.#info(`Bootloader ${lock ? 'locked' : 'unlocked'}.`);
        this.#okay('');
    }
}

export const fastbootProtocol: ModeProtocol = {
    serve(pipe, phone, signal) {
        return new BootloaderSession(pipe, phone, signal).run();
    },
};
