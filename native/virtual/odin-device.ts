/**
 * The virtual phone's download mode: the bootloader side of Odin/Loke, answering what Heimdall
 * 1.4.2 and Revive's host send the way a Samsung bootloader does. Holds the phone's PIT (a
 * repartitioned one in `<stateDir>/download.pit`, else `resources/pit/<recipe.pit>`), keeps each
 * sequence in RAM as the bootloader does and writes it once the end-of-sequence packet names the
 * partition, cut to the effective byte count.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import {
    COMMAND_SIZE,
    DEFAULT_GEOMETRY,
    FILE_PART_REPLY_TYPE,
    HANDSHAKE_REPLY,
    HANDSHAKE_REQUEST,
    PIT_CHUNK_SIZE,
    PacketType,
    decodeCommand,
    encodeReply,
    type OdinCommand,
    type OdinReply,
} from '../odin/packets.js';
import { parsePit, partitionSizeBytes, type Pit, type PitEntry } from '../pit/pit.js';
import { knoxTripped, twrpFlashed, type ModeProtocol, type VirtualPhoneView } from './mode-protocol.js';
import type { DevicePipe } from './pipe.js';
import { resourcePath } from '../resources.js';

export const PIT_RESOURCE_DIR = resourcePath('pit');
/** A phone's own PIT after a repartition (or one a test gives it). */
export const DEVICE_PIT_FILE = 'download.pit';
/** The protocol version newer bootloaders answer a version-0 BeginSession with (v2: 1 MiB parts). */
export const BOOTLOADER_PROTOCOL = 0x20000;
/** `phone.state.extra` key: true makes the bootloader an old one (BeginSession answers 0, 128 KiB parts, 32-bit totals). */
export const LEGACY_BOOTLOADER_KEY = 'odinLegacyBootloader';
/** Thor's failure codes: value of a failure reply (first byte 0xFF). */
const FAIL = { write: -4, size: -6, unknown: -1 } as const;
const MAX_PART_SIZE = 1024 * 1024;

export async function loadDevicePit(phone: VirtualPhoneView): Promise<{ pit: Pit; bytes: Uint8Array }> {
    const own = join(phone.stateDir, DEVICE_PIT_FILE);
    const file = existsSync(own) ? own : phone.recipe.pit ? join(PIT_RESOURCE_DIR, phone.recipe.pit) : undefined;
    if (!file) {
        throw ReviveError.of('virtual-pit-missing', { recipe: phone.recipe.id });
    }
    const bytes = new Uint8Array(await readFile(file));
    return { pit: parsePit(bytes, file), bytes };
}

interface Transfer {
    readonly partSize: number;
    /** Whole parts announced for the current sequence (0 = between sequences). */
    parts: number;
    /** The current sequence's parts, held until its end packet names the partition. */
    buffered: Uint8Array[];
    partial: Uint8Array[];
    partialBytes: number;
    entry: PitEntry | undefined;
    /** Bytes of the file written into the partition so far. */
    written: number;
}

class Connection {
    handshaken = false;
    partSize = DEFAULT_GEOMETRY.partSize;
    transfer: Transfer | undefined;
    pitUploadSize = 0;
    pitUploadExpected = false;
    pitUpload: Uint8Array[] = [];
    pitUploadBytes = 0;
    pitDownload: Uint8Array | undefined;

    constructor(readonly pipe: DevicePipe, readonly phone: VirtualPhoneView) {}

    reply(reply: OdinReply): void {
        const bytes = encodeReply(reply);
        if (this.phone.faults.corruptNextReply) {
            this.phone.faults.corruptNextReply = false;
            for (let i = 0; i < bytes.length; i++) bytes[i]! ^= 0xa5;
            this.phone.log('download: corrupted a reply (injected fault)');
        }
        this.pipe.send(bytes);
    }

    fail(type: number, code: number, why: string): void {
        this.phone.log(`download: FAIL ${why}`);
        this.reply({ type: 0xff | (type << 8), value: code });
    }

    /** Consume a one-shot `failNext` fault of this kind. */
    takeFault(kind: 'flash' | 'download'): boolean {
        const next = this.phone.faults.failNext;
        if (next !== kind && next !== 'any') return false;
        this.phone.faults.failNext = undefined;
        return true;
    }

    async serve(signal: AbortSignal): Promise<void> {
        try {
            for (;;) {
                const data = await this.pipe.receive(signal);
                await this.handle(data);
            }
        } finally {
            this.abandonTransfer('the USB connection ended');
        }
    }

    abandonTransfer(why: string): void {
        const transfer = this.transfer;
        this.transfer = undefined;
        if (transfer?.entry && transfer.written > 0) {
            this.phone.partitions.markIncomplete(transfer.entry.partitionName, transfer.written);
            this.phone.log(`download: ${transfer.entry.partitionName} left incomplete after ${transfer.written} bytes (${why})`);
        }
    }

    async handle(data: Uint8Array): Promise<void> {
        const transfer = this.transfer;
        if (transfer && transfer.parts > 0) return this.receivePart(transfer, data);
        if (this.pitUploadExpected && data.length > 0) return this.receivePitData(data);
        if (data.length === 0) return; // the ZLPs Heimdall sends around packets
        if (data.length === HANDSHAKE_REQUEST.length && new TextDecoder().decode(data) === HANDSHAKE_REQUEST) {
            this.handshaken = true;
            this.pipe.send(new TextEncoder().encode(HANDSHAKE_REPLY));
            this.phone.log('download: handshake');
            return;
        }
        if (data.length !== COMMAND_SIZE) {
            this.phone.log(`download: ignored a ${data.length}-byte transfer outside a file transfer`);
            return;
        }
        let command: OdinCommand;
        try {
            command = decodeCommand(data);
        } catch (error) {
            const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
            this.fail(view.getUint32(0, true) & 0xffffff, FAIL.unknown, (error as Error).message);
            return;
        }
        return this.command(command);
    }

    async command(command: OdinCommand): Promise<void> {
        const phone = this.phone;
        switch (command.kind) {
            case 'begin-session': {
                const legacy = phone.state.extra[LEGACY_BOOTLOADER_KEY] === true;
                const version = legacy ? 0 : command.protocolVersion === 0 ? BOOTLOADER_PROTOCOL : Math.min(command.protocolVersion >>> 16, 2) << 16;
                this.partSize = DEFAULT_GEOMETRY.partSize;
                this.reply({ type: PacketType.session, value: version });
                return;
            }
            case 'device-type':
                return this.reply({ type: PacketType.session, value: 0 });
            case 'total-bytes':
                return this.reply({ type: PacketType.session, value: 0 });
            case 'file-part-size': {
                const ok = command.partSize > 0 && command.partSize <= MAX_PART_SIZE && command.partSize % 512 === 0 && phone.state.extra[LEGACY_BOOTLOADER_KEY] !== true;
                if (ok) this.partSize = command.partSize;
                return this.reply({ type: PacketType.session, value: ok ? 0 : 1 });
            }
            case 'enable-tflash':
                return this.reply({ type: PacketType.session, value: 0 });
            case 'pit-dump': {
                if (this.takeFault('download')) return this.fail(PacketType.pit, FAIL.unknown, 'PIT dump (injected fault)');
                this.pitDownload = (await loadDevicePit(phone)).bytes;
                return this.reply({ type: PacketType.pit, value: this.pitDownload.length });
            }
            case 'pit-part': {
                if (this.pitDownload) {
                    const start = command.value * PIT_CHUNK_SIZE;
                    if (start >= this.pitDownload.length) return this.fail(PacketType.pit, FAIL.unknown, `PIT chunk ${command.value} is past the end`);
                    const chunk = this.pitDownload.slice(start, start + PIT_CHUNK_SIZE);
                    this.pipe.send(chunk);
                    // The empty packet that answers Heimdall's 1-byte read after the last chunk.
                    if (start + PIT_CHUNK_SIZE >= this.pitDownload.length) this.pipe.send(new Uint8Array(0));
                    return;
                }
                if (this.pitUploadSize === -1) {
                    this.pitUploadSize = command.value;
                    this.pitUploadExpected = true;
                    this.pitUpload = [];
                    this.pitUploadBytes = 0;
                    return this.reply({ type: PacketType.pit, value: 0 });
                }
                return this.fail(PacketType.pit, FAIL.unknown, 'PIT part outside a PIT transfer');
            }
            case 'pit-flash':
                this.pitUploadSize = -1;
                return this.reply({ type: PacketType.pit, value: 0 });
            case 'pit-end':
                this.pitDownload = undefined;
                this.pitUploadSize = 0;
                return this.reply({ type: PacketType.pit, value: 0 });
            case 'file-flash': {
                this.abandonTransfer('a new file started');
                if (this.takeFault('flash')) return this.fail(PacketType.file, FAIL.write, 'flash refused (injected fault)');
                this.transfer = { partSize: this.partSize, parts: 0, buffered: [], partial: [], partialBytes: 0, entry: undefined, written: 0 };
                return this.reply({ type: PacketType.file, value: 0 });
            }
            case 'file-sequence': {
                const transfer = this.transfer;
                if (!transfer) return this.fail(PacketType.file, FAIL.unknown, 'file sequence outside a file transfer');
                if (command.byteCount === 0 || command.byteCount % transfer.partSize !== 0) {
                    return this.fail(PacketType.file, FAIL.size, `sequence of ${command.byteCount} bytes is not whole ${transfer.partSize}-byte parts`);
                }
                transfer.parts = command.byteCount / transfer.partSize;
                transfer.buffered = [];
                return this.reply({ type: PacketType.file, value: 0 });
            }
            case 'file-end':
                return this.endSequence(command);
            case 'end-session':
                this.abandonTransfer('the host ended the session');
                phone.log('download: session ended');
                return this.reply({ type: PacketType.endSession, value: 0 });
            case 'reboot':
                this.abandonTransfer('the host asked for a restart');
                this.reply({ type: PacketType.endSession, value: 0 });
                // A real bootloader restarts into the system; recovery needs its key combo held (phone.pressKeys).
                setTimeout(() => phone.reboot('android'), 20);
                return;
        }
    }

    async receivePart(transfer: Transfer, data: Uint8Array): Promise<void> {
        if (data.length === 0) return;
        if (transfer.partialBytes === 0 && data.length === COMMAND_SIZE && isEndSession(data)) {
            // The host gave up mid-sequence (cancel): the partition keeps what earlier sequences wrote.
            this.abandonTransfer('the host cancelled');
            return this.command({ kind: 'end-session' });
        }
        transfer.partial.push(data);
        transfer.partialBytes += data.length;
        if (transfer.partialBytes < transfer.partSize) return;
        const part = transfer.partial.length === 1 ? transfer.partial[0]! : concat(transfer.partial, transfer.partialBytes);
        transfer.partial = [];
        transfer.partialBytes = 0;
        if (part.length !== transfer.partSize) {
            this.fail(0, FAIL.size, `file part of ${part.length} bytes instead of ${transfer.partSize}`);
            this.abandonTransfer('a malformed part');
            return;
        }
        const index = transfer.buffered.length;
        transfer.buffered.push(part);
        if (transfer.buffered.length === transfer.parts) transfer.parts = 0;
        this.reply({ type: FILE_PART_REPLY_TYPE, value: index });
    }

    async endSequence(command: Extract<OdinCommand, { kind: 'file-end' }>): Promise<void> {
        const transfer = this.transfer;
        const phone = this.phone;
        if (!transfer || transfer.buffered.length === 0) return this.fail(PacketType.file, FAIL.unknown, 'end of sequence without data');
        const { pit } = await loadDevicePit(phone);
        const entry =
            command.destination === 1
                ? pit.entries.find((e) => e.binaryType === 1 && e.deviceType === command.deviceType)
                : pit.entries.find((e) => e.identifier === command.identifier && e.binaryType === 0);
        const sequence = transfer.buffered;
        transfer.buffered = [];
        if (!entry || (transfer.entry && transfer.entry !== entry && transfer.entry.identifier !== entry.identifier)) {
            this.fail(PacketType.file, FAIL.write, `no partition with identifier ${command.identifier}`);
            this.abandonTransfer('an unknown partition');
            return;
        }
        transfer.entry = entry;
        const name = entry.partitionName;
        const padded = sequence.length * transfer.partSize;
        const effective = command.byteCount;
        const limit = Math.min(entry.blockCount > 0 ? partitionSizeBytes(entry) : Infinity, phone.partitions.has(name) ? phone.partitions.sizeBytes(name) : 0);
        if (effective > padded || effective <= padded - transfer.partSize) {
            this.fail(PacketType.file, FAIL.size, `${name}: end packet says ${effective} bytes for ${sequence.length} parts`);
            this.abandonTransfer('a wrong byte count');
            return;
        }
        if (!phone.partitions.has(name) || transfer.written + effective > limit) {
            this.fail(PacketType.file, FAIL.size, `${name}: ${transfer.written + effective} bytes do not fit (${limit} bytes)`);
            this.abandonTransfer('an image larger than the partition');
            return;
        }
        let left = effective;
        for (const part of sequence) {
            if (left <= 0) break;
            const piece = left >= part.length ? part : part.subarray(0, left);
            await phone.partitions.write(name, transfer.written, piece);
            transfer.written += piece.length;
            left -= piece.length;
        }
        if (command.endOfFile) {
            await phone.partitions.truncate(name, transfer.written);
            phone.partitions.markComplete(name);
            if (name === phone.recipe.recoveryPartition) twrpFlashed(phone.state);
            knoxTripped(phone.state);
            phone.log(`download: ${name} flashed, ${transfer.written} bytes`);
            this.transfer = undefined;
        } else {
            // Marked until the end of the file: an unplug between sequences leaves it so.
            phone.partitions.markIncomplete(name, transfer.written);
        }
        this.reply({ type: PacketType.file, value: 0 });
    }

    async receivePitData(data: Uint8Array): Promise<void> {
        this.pitUpload.push(data);
        this.pitUploadBytes += data.length;
        if (this.pitUploadBytes < this.pitUploadSize) return;
        this.pitUploadExpected = false;
        const bytes = concat(this.pitUpload, this.pitUploadBytes);
        this.pitUpload = [];
        try {
            const pit = parsePit(bytes, 'The uploaded PIT');
            const file = join(this.phone.stateDir, DEVICE_PIT_FILE);
            await writeFile(`${file}.tmp`, bytes);
            await rename(`${file}.tmp`, file);
            this.phone.log(`download: repartitioned (${pit.entries.length} partitions)`);
            this.reply({ type: PacketType.pit, value: 0 });
        } catch (error) {
            this.fail(PacketType.pit, FAIL.write, `PIT upload rejected: ${(error as Error).message}`);
        }
    }
}

function isEndSession(data: Uint8Array): boolean {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return view.getUint32(0, true) === PacketType.endSession && view.getUint32(4, true) <= 1 && data.subarray(8, 64).every((b) => b === 0);
}

function concat(pieces: readonly Uint8Array[], total: number): Uint8Array {
    const out = new Uint8Array(total);
    let at = 0;
    for (const piece of pieces) {
        out.set(piece, at);
        at += piece.length;
    }
    return out;
}

export const odinDevice: ModeProtocol = {
    async serve(pipe, phone, signal) {
        await new Connection(pipe, phone).serve(signal);
    },
};
