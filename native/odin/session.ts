/**
 * One Odin session on a UsbTransport: the protocol steps exactly as Heimdall 1.4.2 puts them on
 * the wire (the bytes, zero-length packets and order real bootloaders are known to accept), with
 * Heimdall's known failures left out (no silent truncation past 4 GiB, no retry that skips data).
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import { silenceBoundMs } from '../jobs/silence-bounds.js';
import type { JobContext } from '../jobs/progress.js';
import type { PitEntry } from '../pit/pit.js';
import { UsbError, type UsbTransport } from '../usb/transport.js';
import type { ChunkReader } from './source.js';
import {
    DEFAULT_GEOMETRY,
    FILE_PART_REPLY_TYPE,
    HANDSHAKE_REPLY,
    HANDSHAKE_REQUEST,
    NEGOTIATED_GEOMETRY,
    PIT_CHUNK_SIZE,
    PacketType,
    decodeReply,
    encodeCommand,
    failureReason,
    isFailureReply,
    type OdinCommand,
    type OdinReply,
    type PartGeometry,
} from './packets.js';

export const Timeouts = {
    handshake: 3_000,
    reply: 15_000,
    data: 30_000,
    zlp: 100,
    /** The bootloader writes the whole sequence to flash before answering (Heimdall: 120 s once 1 MiB parts are negotiated). */
    sequenceEnd: 120_000,
    pitZlp: 100,
} as const;

/** Largest PIT a bootloader plausibly reports (real ones are 4–16 KiB). */
const MAX_PIT_SIZE = 1024 * 1024;

/** What the host had asked when an answer came (`errorFacts.odinStages`); some name a partition and a part. */
export type OdinStage =
    | 'begin-session' | 'part-size' | 'total-bytes' | 'pit-dump' | 'pit-dump-end' | 'pit-flash' | 'pit-size' | 'pit-data' | 'pit-flash-end'
    | 'file-flash' | 'file-sequence' | 'file-part' | 'file-sequence-end' | 'end-session' | 'reboot';

/** Where an answer belongs: the stage, and the partition and part it names. */
interface Asked {
    readonly stage: OdinStage;
    readonly partition?: string;
    readonly part?: number;
}

function protocolError(facts: FactsOf<'odin-protocol'>): ReviveError {
    return ReviveError.of('odin-protocol', facts);
}

export class OdinSession {
    geometry: PartGeometry = DEFAULT_GEOMETRY;
    /** BeginSession's reply: 0 on old bootloaders, the bootloader's protocol version (e.g. 0x20000) on newer ones. */
    bootloaderVersion = 0;

    /** Timeouts.reply and .data, or what REVIVE_ODIN_ANSWER_MS sets for both (native/jobs/silence-bounds.ts). */
    readonly #replyMs = silenceBoundMs('REVIVE_ODIN_ANSWER_MS', Timeouts.reply);
    readonly #dataMs = silenceBoundMs('REVIVE_ODIN_ANSWER_MS', Timeouts.data);

    constructor(readonly transport: UsbTransport, readonly ctx: JobContext = {}) {}

    log(line: string): void {
        this.ctx.onLog?.(line);
    }

    /** An empty bulk OUT; Heimdall ignores failures of these (100 ms timeout), and so do we, except a vanished device. */
    async zlp(): Promise<void> {
        try {
            await this.transport.write(new Uint8Array(0), { timeoutMs: Timeouts.zlp, zlp: 'never' });
        } catch (error) {
            if (error instanceof UsbError && (error.code === 'disconnected' || error.code === 'aborted')) throw error;
        }
    }

    /** A 1024-byte command, followed by a ZLP as Heimdall's default SendPacket does. */
    async send(command: OdinCommand, options: { zlpBefore?: boolean; zlpAfter?: boolean } = {}): Promise<void> {
        if (options.zlpBefore) await this.zlp();
        await this.transport.write(encodeCommand(command), { timeoutMs: this.#replyMs, zlp: 'never' });
        if (options.zlpAfter ?? true) await this.zlp();
    }

    async reply(expectedType: number | readonly number[], what: OdinStage | Asked, timeoutMs: number = this.#replyMs): Promise<OdinReply> {
        const asked = typeof what === 'string' ? { stage: what } : what;
        const bytes = await this.transport.read(8, { timeoutMs });
        let reply: OdinReply;
        try {
            reply = decodeReply(bytes);
        } catch {
            throw protocolError({ variant: 'reply-size', ...asked, found: bytes.length });
        }
        const allowed = typeof expectedType === 'number' ? [expectedType] : expectedType;
        if (isFailureReply(reply)) throw protocolError({ variant: 'refused', ...asked, reason: failureReason(reply.value), value: reply.value | 0 });
        if (!allowed.includes(reply.type)) throw protocolError({ variant: 'wrong-type', ...asked, found: `0x${reply.type.toString(16)}`, expected: `0x${allowed[0]?.toString(16) ?? ''}` });
        return reply;
    }

    async command(command: OdinCommand, expectedType: number, what: OdinStage | Asked): Promise<OdinReply> {
        await this.send(command);
        return this.reply(expectedType, what);
    }

    async handshake(): Promise<void> {
        await this.transport.write(new TextEncoder().encode(HANDSHAKE_REQUEST), { timeoutMs: Timeouts.handshake, zlp: 'never' });
        let answer: Uint8Array;
        try {
            answer = await this.transport.read(7, { timeoutMs: Timeouts.handshake });
        } catch (error) {
            if (error instanceof UsbError && error.code === 'timeout') {
                throw ReviveError.of('odin-handshake', { variant: 'silent', answer: '' }, { cause: error });
            }
            throw error;
        }
        if (new TextDecoder().decode(answer) !== HANDSHAKE_REPLY) {
            throw ReviveError.of('odin-handshake', { variant: 'other', answer: new TextDecoder().decode(answer), expected: HANDSHAKE_REPLY });
        }
        this.log('Handshake done (ODIN → LOKE).');
    }

    /** BeginSession, then 1 MiB parts when the bootloader supports changing the part size (non-zero reply). */
    async beginSession(): Promise<void> {
        const begin = await this.command({ kind: 'begin-session', protocolVersion: 0 }, PacketType.session, 'begin-session');
        this.bootloaderVersion = begin.value;
        if (begin.value !== 0) {
            const size = await this.command({ kind: 'file-part-size', partSize: NEGOTIATED_GEOMETRY.partSize }, PacketType.session, 'part-size');
            if (size.value !== 0) throw protocolError({ variant: 'part-size', answer: size.value });
            this.geometry = NEGOTIATED_GEOMETRY;
        } else {
            this.geometry = DEFAULT_GEOMETRY;
        }
        this.log(`Session started (bootloader protocol 0x${begin.value.toString(16)}, ${this.geometry.partSize / 1024} KiB parts).`);
    }

    async sendTotalBytes(total: bigint): Promise<void> {
        const reply = await this.command({ kind: 'total-bytes', totalBytes: total }, PacketType.session, 'total-bytes');
        if (reply.value !== 0) throw protocolError({ variant: 'total-bytes', size: String(total), answer: reply.value });
    }

    async downloadPit(): Promise<Uint8Array> {
        const start = await this.command({ kind: 'pit-dump' }, PacketType.pit, 'pit-dump');
        const size = start.value;
        if (size === 0 || size > MAX_PIT_SIZE) throw protocolError({ variant: 'pit-size', size });
        const pit = new Uint8Array(size);
        const chunks = Math.ceil(size / PIT_CHUNK_SIZE);
        let received = 0;
        for (let i = 0; i < chunks; i++) {
            await this.send({ kind: 'pit-part', value: i });
            const chunk = await this.transport.read(PIT_CHUNK_SIZE, { timeoutMs: this.#replyMs });
            if (received + chunk.length > size) throw protocolError({ variant: 'pit-too-long', size });
            pit.set(chunk, received);
            received += chunk.length;
            this.ctx.onProgress?.({ step: 'pit:download', bytesDone: received, bytesTotal: size });
        }
        // Heimdall's 1-byte read after the last chunk: the bootloader answers it with an empty packet.
        try {
            await this.transport.read(1, { timeoutMs: Timeouts.pitZlp });
        } catch (error) {
            if (error instanceof UsbError && error.code === 'disconnected') throw error;
        }
        await this.command({ kind: 'pit-end', size: 0 }, PacketType.pit, 'pit-dump-end');
        if (received !== size) throw protocolError({ variant: 'pit-short', found: received, size });
        return pit;
    }

    /** Repartition: send a PIT (padded to 4 KiB as Heimdall does). Only reached behind an explicit expert confirmation. */
    async uploadPit(pit: Uint8Array): Promise<void> {
        const padded = new Uint8Array(Math.ceil(pit.length / 4096) * 4096);
        padded.set(pit);
        await this.command({ kind: 'pit-flash' }, PacketType.pit, 'pit-flash');
        await this.command({ kind: 'pit-part', value: padded.length }, PacketType.pit, 'pit-size');
        await this.transport.write(padded, { timeoutMs: this.#dataMs, zlp: 'never' });
        await this.zlp();
        await this.reply(PacketType.pit, 'pit-data', Timeouts.sequenceEnd);
        await this.command({ kind: 'pit-end', size: padded.length }, PacketType.pit, 'pit-flash-end');
    }

    /**
     * Flash one file into a PIT entry. Cancellation is honoured between parts (the device then holds
     * an incomplete partition; the caller reports that). `onBytes` gets the running byte count.
     */
    async sendFile(entry: PitEntry, reader: ChunkReader, onBytes: (done: number) => void, signal?: AbortSignal): Promise<void> {
        const { partSize, partsPerSequence } = this.geometry;
        const size = reader.size;
        const sequenceMax = partSize * partsPerSequence;
        const sequences = Math.ceil(size / sequenceMax);
        await this.command({ kind: 'file-flash' }, PacketType.file, { stage: 'file-flash', partition: entry.partitionName });
        let done = 0;
        for (let s = 0; s < sequences; s++) {
            const sequenceBytes = Math.min(sequenceMax, size - s * sequenceMax);
            const parts = Math.ceil(sequenceBytes / partSize);
            await this.command({ kind: 'file-sequence', byteCount: parts * partSize }, PacketType.file, { stage: 'file-sequence', partition: entry.partitionName });
            for (let p = 0; p < parts; p++) {
                signal?.throwIfAborted();
                const { data, bytes } = await reader.readPadded(partSize);
                if (p > 0) await this.zlp();
                await this.transport.write(data, { timeoutMs: this.#dataMs, zlp: 'never' });
                const ack = await this.reply([FILE_PART_REPLY_TYPE, PacketType.file], { stage: 'file-part', partition: entry.partitionName, part: p });
                if (ack.value !== p) throw protocolError({ variant: 'part-ack', partition: entry.partitionName, part: p, found: ack.value });
                done += bytes;
                onBytes(done);
            }
            const last = s === sequences - 1;
            await this.send(
                {
                    kind: 'file-end',
                    destination: entry.binaryType === 1 ? 1 : 0,
                    byteCount: sequenceBytes,
                    unknown1: 0,
                    deviceType: entry.deviceType,
                    identifier: entry.identifier,
                    endOfFile: last,
                },
                { zlpBefore: true, zlpAfter: true },
            );
            await this.reply(PacketType.file, { stage: 'file-sequence-end', partition: entry.partitionName }, Timeouts.sequenceEnd);
        }
    }

    /** EndSession; with `reboot`, also the reboot request (Heimdall: only when --no-reboot is not given). */
    async endSession(reboot: boolean): Promise<void> {
        await this.command({ kind: 'end-session' }, PacketType.endSession, 'end-session');
        if (!reboot) return;
        try {
            await this.send({ kind: 'reboot' });
            await this.reply(PacketType.endSession, 'reboot');
        } catch (error) {
            // A phone that restarts before its answer arrives has done what was asked.
            if (!(error instanceof UsbError && error.code === 'disconnected')) throw error;
        }
    }
}
