/**
 * The fastboot host: commands, getvar, download + flash with AOSP's splitting rules, boot, erase,
 * slots, reboot and unlock, over any UsbTransport (real USB, the virtual phone, or TCP framing).
 */
import { stat } from 'node:fs/promises';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { readHead } from '../files/read-head.js';
import { isSparseMagic } from '../sparse/format.js';
import { layoutFromFile, readSparseFileHeader } from '../sparse/layout.js';
import { resparse } from '../sparse/resparse.js';
import { validateSparseFile } from '../sparse/validate.js';
import { fileSource, sparseImage, type ByteSource } from '../sparse/writer.js';
import type { UsbTransport } from '../usb/transport.js';
import { failError, transportError, type FailureContext } from './errors.js';
import { decodeResponse, downloadCommand, encodeCommand, FastbootProtocolError, parseNumericVariable, parseVariableLine } from './protocol.js';

export interface FastbootClientOptions {
    /** Wait this long for each reply; every INFO line starts the wait again (AOSP: 30 s). */
    readonly timeoutMs?: number;
    /** Wait for commands the owner must confirm on the phone (unlock, lock). */
    readonly confirmTimeoutMs?: number;
    /** Bytes per bulk transfer in a data phase. */
    readonly transferBytes?: number;
}

export interface CommandResult {
    /** The text after OKAY (a getvar's value). */
    readonly value: string;
    /** INFO and TEXT lines that came before it. */
    readonly info: readonly string[];
}

export type RebootTarget = 'system' | 'bootloader' | 'recovery' | 'fastboot';
export type Slot = 'a' | 'b';

export interface FlashOptions {
    /** For A/B partitions: which slot; `current` (default) asks the phone, `all` flashes both. */
    readonly slot?: Slot | 'current' | 'all';
}

/** AOSP caps one resparsed piece at 1 GiB even when a device allows more. */
const RESPARSE_LIMIT = 1024 * 1024 * 1024;
const RESPONSE_READ_BYTES = 4096;

/** What a flash needs to know of an image file before anything is sent. */
export interface InspectedImage {
    readonly path: string;
    readonly fileBytes: number;
    readonly sparse: boolean;
    /** The bytes it fills on the partition: a sparse image's expanded size, else the file's. */
    readonly expandedBytes: number;
}

/**
 * Read and check an image file: its size, its format and, for a sparse image, every chunk and CRC.
 * It needs no phone, so a caller can start it while it connects (FastbootClient.flash takes the
 * promise): the checks then run during the round trips instead of before or between them.
 */
export async function inspectImage(path: string, ctx?: JobContext): Promise<InspectedImage> {
    const { size: fileBytes, head } = readHead(path, 4, 'image');
    const sparse = head.length === 4 && isSparseMagic(head);
    if (sparse) await validateSparseFile(path, ctx);
    const expandedBytes = sparse ? await readSparseFileHeader(path).then((h) => h.totalBlocks * h.blockSize) : fileBytes;
    return { path, fileBytes, sparse, expandedBytes };
}

export class FastbootClient {
    readonly transport: UsbTransport;
    readonly #timeoutMs: number;
    readonly #confirmTimeoutMs: number;
    readonly #transferBytes: number;
    #queue: Promise<unknown> = Promise.resolve();
    #maxDownload: number | undefined;
    /** Set once an exchange broke off half-way and the connection was given up (see #drop). */
    #dropped = false;

    private constructor(transport: UsbTransport, options: FastbootClientOptions) {
        this.transport = transport;
        this.#timeoutMs = options.timeoutMs ?? 30_000;
        this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 5 * 60_000;
        this.#transferBytes = options.transferBytes ?? 1024 * 1024;
    }

    /** Wrap an open transport to a device in bootloader (or fastbootd) mode. Sends nothing yet. */
    static async open(transport: UsbTransport, options: FastbootClientOptions = {}): Promise<FastbootClient> {
        return new FastbootClient(transport, options);
    }

    async close(): Promise<void> {
        await this.transport.close();
    }

    /** One command at a time on the wire, whoever calls. */
    #exclusive<T>(work: () => Promise<T>): Promise<T> {
        const run = this.#queue.then(work, work);
        this.#queue = run.catch(() => undefined);
        return run;
    }

    /**
     * An exchange that broke off half-way (no answer in time, cancelled, a garbled or unexpected
     * answer) leaves the phone's late reply on the wire, where it would be read as the answer to the
     * next command — a stale OKAY taken for a flash that never happened. The connection is closed
     * instead, and every later command says so.
     */
    #drop(error: unknown, context: FailureContext & { timeoutMs?: number; during?: string }): ReviveError {
        const failure = transportError(error, context);
        if (!this.#dropped) {
            this.#dropped = true;
            void this.transport.close().catch(() => undefined);
        }
        return failure;
    }

    async #send(command: string, context: FailureContext, ctx?: JobContext): Promise<void> {
        if (this.#dropped) {
            throw ReviveError.of('fastboot-connection-dropped', { command });
        }
        try {
            ctx?.signal?.throwIfAborted();
            await this.transport.write(encodeCommand(command), { signal: ctx?.signal, timeoutMs: this.#timeoutMs, zlp: 'never' });
        } catch (error) {
            throw this.#drop(error, { ...context, timeoutMs: this.#timeoutMs });
        }
    }

    /** Read replies until OKAY, FAIL or DATA; INFO lines go to onLog as they arrive and restart the wait. */
    async #reply(context: FailureContext, ctx: JobContext | undefined, timeoutMs: number): Promise<{ kind: 'OKAY'; value: string; info: string[] } | { kind: 'DATA'; size: number; info: string[] }> {
        const info: string[] = [];
        for (;;) {
            let bytes: Uint8Array;
            try {
                bytes = await this.transport.read(RESPONSE_READ_BYTES, { signal: ctx?.signal, timeoutMs });
            } catch (error) {
                throw this.#drop(error, { ...context, timeoutMs });
            }
            let response;
            try {
                response = decodeResponse(bytes);
            } catch (error) {
                throw this.#drop(error, context);
            }
            switch (response.kind) {
                case 'INFO':
                case 'TEXT':
                    info.push(response.text);
                    ctx?.onLog?.(response.kind === 'INFO' ? `(bootloader) ${response.text}` : response.text);
                    continue;
                case 'FAIL':
                    throw failError(response.text, context);
                case 'OKAY':
                    return { kind: 'OKAY', value: response.text, info };
                case 'DATA':
                    return { kind: 'DATA', size: response.size, info };
            }
        }
    }

    async #command(command: string, ctx?: JobContext, options: { timeoutMs?: number; context?: Partial<FailureContext> } = {}): Promise<CommandResult> {
        const context: FailureContext = { command, ...options.context };
        await this.#send(command, context, ctx);
        const reply = await this.#reply(context, ctx, options.timeoutMs ?? this.#timeoutMs);
        if (reply.kind === 'DATA') throw this.#drop(new FastbootProtocolError(`DATA came back for "${command}", which sends no data`), context);
        return { value: reply.value, info: reply.info };
    }

    /** Send any command (`oem device-info`, …) and wait for OKAY. */
    command(command: string, ctx?: JobContext, options: { timeoutMs?: number } = {}): Promise<CommandResult> {
        return this.#exclusive(() => this.#command(command, ctx, options));
    }

    getVar(name: string, ctx?: JobContext): Promise<string> {
        return this.#exclusive(async () => (await this.#command(`getvar:${name}`, ctx)).value.trim());
    }

    /** The value, or undefined when the bootloader does not know the variable. */
    tryGetVar(name: string, ctx?: JobContext): Promise<string | undefined> {
        return this.#exclusive(() => this.#tryGetVar(name, ctx));
    }

    async #tryGetVar(name: string, ctx?: JobContext): Promise<string | undefined> {
        try {
            const value = (await this.#command(`getvar:${name}`, ctx)).value.trim();
            return value === '' ? undefined : value;
        } catch (error) {
            if (error instanceof ReviveError && error.details?.['phoneSaid'] !== undefined) return undefined;
            throw error;
        }
    }

    /** `getvar:all` parsed: `partition-size:boot` → `0x1000000`, `product` → `shamu`, … */
    async getVarAll(ctx?: JobContext): Promise<Map<string, string>> {
        const result = await this.command('getvar:all', ctx);
        const vars = new Map<string, string>();
        for (const line of result.info) {
            const pair = parseVariableLine(line);
            if (pair) vars.set(pair[0], pair[1]);
        }
        return vars;
    }

    /** max-download-size in bytes, asked once; 0 when the bootloader sets no limit. */
    maxDownloadSize(ctx?: JobContext): Promise<number> {
        return this.#exclusive(() => this.#maxDownloadSize(ctx));
    }

    async #maxDownloadSize(ctx?: JobContext): Promise<number> {
        if (this.#maxDownload === undefined) {
            const value = await this.#tryGetVar('max-download-size', ctx);
            this.#maxDownload = value === undefined ? 0 : (parseNumericVariable(value) ?? 0);
        }
        return this.#maxDownload;
    }

    partitionSize(partition: string, ctx?: JobContext): Promise<number | undefined> {
        return this.#exclusive(() => this.#partitionSize(partition, ctx));
    }

    async #partitionSize(partition: string, ctx?: JobContext): Promise<number | undefined> {
        const value = await this.#tryGetVar(`partition-size:${partition}`, ctx);
        return value === undefined ? undefined : parseNumericVariable(value, { bareHex: true });
    }

    currentSlot(ctx?: JobContext): Promise<Slot | undefined> {
        return this.#exclusive(() => this.#currentSlot(ctx));
    }

    async #currentSlot(ctx?: JobContext): Promise<Slot | undefined> {
        const value = (await this.#tryGetVar('current-slot', ctx))?.replace(/^_/, '');
        return value === 'a' || value === 'b' ? value : undefined;
    }

    /** The names to flash for a partition: `boot` → `boot_a` on an A/B phone (has-slot says yes), else unchanged. */
    resolvePartition(partition: string, slot: FlashOptions['slot'] = 'current', ctx?: JobContext): Promise<string[]> {
        return this.#exclusive(() => this.#resolvePartition(partition, slot, ctx));
    }

    async #resolvePartition(partition: string, slot: FlashOptions['slot'], ctx?: JobContext): Promise<string[]> {
        if (/_[ab]$/.test(partition)) return [partition];
        if ((await this.#tryGetVar(`has-slot:${partition}`, ctx)) !== 'yes') {
            // As AOSP fastboot: a named slot must exist on the phone; a phone with slots flashes its
            // slot-less partitions as they are.
            if ((slot === 'a' || slot === 'b') && !(Number(await this.#tryGetVar('slot-count', ctx)) >= 2)) {
                throw ReviveError.of('slot-missing', { partition, slot });
            }
            return [partition];
        }
        if (slot === 'all') return [`${partition}_a`, `${partition}_b`];
        const chosen = slot === undefined || slot === 'current' ? await this.#currentSlot(ctx) : slot;
        if (!chosen) {
            throw ReviveError.of('slot-unknown', { partition });
        }
        return [`${partition}_${chosen}`];
    }

    /**
     * One download: `download:%08x`, DATA, the bytes, OKAY. Progress is reported relative to
     * `progress`: bytes sent as they leave, and the phone has them only once it answers OKAY.
     */
    async #download(source: ByteSource, context: FailureContext, ctx: JobContext | undefined, progress: { step: string; base: number; total: number }): Promise<void> {
        const command = downloadCommand(source.length);
        const downloadContext: FailureContext = { ...context, command: 'download' };
        // The first bytes are read while the phone answers the command, not after its DATA; a failed
        // read still shows only once they are due, and a refused download reads no further.
        const chunks = source.bytes(ctx?.signal)[Symbol.asyncIterator]();
        const first = chunks.next();
        first.catch(() => undefined);
        let sent = 0;
        try {
            await this.#send(command, downloadContext, ctx);
            const reply = await this.#reply(downloadContext, ctx, this.#timeoutMs);
            if (reply.kind !== 'DATA') throw this.#drop(new FastbootProtocolError(`the phone answered OKAY to "${command}" instead of DATA`), downloadContext);
            if (reply.size !== source.length) throw this.#drop(new FastbootProtocolError(`the phone asked for ${reply.size} bytes, ${source.length} were announced`), downloadContext);
            try {
                // Over TCP the whole download is one frame, as AOSP fastboot sends it; over USB each write is a transfer.
                await this.transport.beginTransfer?.(source.length, { signal: ctx?.signal, timeoutMs: this.#timeoutMs });
                for (let next = await first; next.done !== true; next = await chunks.next()) {
                    const bytes = next.value;
                    for (let at = 0; at < bytes.length; at += this.#transferBytes) {
                        const piece = bytes.subarray(at, Math.min(bytes.length, at + this.#transferBytes));
                        await this.transport.write(piece, { signal: ctx?.signal, timeoutMs: this.#timeoutMs, zlp: 'never' });
                        sent += piece.length;
                        ctx?.onProgress?.({ step: progress.step, bytesDone: progress.base, bytesSent: progress.base + sent, bytesTotal: progress.total, toPhone: true, cancellable: false });
                    }
                }
            } catch (error) {
                throw this.#drop(error, { ...downloadContext, timeoutMs: this.#timeoutMs, during: `the download (${sent} of ${source.length} bytes sent)` });
            }
        } catch (error) {
            // Closes the file once a read still under way ends; not awaited, so a refusal is reported at once.
            void chunks.return?.(undefined).catch(() => undefined);
            throw error;
        }
        if (sent !== source.length) throw this.#drop(ReviveError.of('image-changed', { sent, announced: source.length }), downloadContext);
        const done = await this.#reply(downloadContext, ctx, this.#timeoutMs);
        if (done.kind !== 'OKAY') throw this.#drop(new FastbootProtocolError('the phone asked for more data after the download'), downloadContext);
        ctx?.onProgress?.({ step: progress.step, bytesDone: progress.base + sent, bytesSent: progress.base + sent, bytesTotal: progress.total, toPhone: true, cancellable: false });
    }

    /** What to send for an inspected image: the file itself, or AOSP-style sparse pieces when it exceeds max-download-size. */
    async #payloads(image: InspectedImage, ctx?: JobContext): Promise<ByteSource[]> {
        const max = await this.#maxDownloadSize(ctx);
        if (max === 0 || image.fileBytes <= max) return [fileSource(image.path, image.fileBytes)];
        const layout = await layoutFromFile(image.path, { signal: ctx?.signal });
        return resparse(layout, Math.min(max, RESPARSE_LIMIT)).map((piece) => sparseImage(piece));
    }

    /**
     * Flash an image file (raw or sparse) to a partition. Images above max-download-size are split
     * into sparse pieces, each downloaded and flashed in turn; A/B partitions get the slot suffix.
     */
    flash(partition: string, image: { path: string; inspected?: Promise<InspectedImage> }, ctx?: JobContext, options: FlashOptions = {}): Promise<void> {
        // The file is read and checked while the phone answers has-slot; nothing is sent before it is known good.
        const stop = new AbortController();
        const inspected = image.inspected ?? inspectImage(image.path, { ...ctx, signal: ctx?.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal });
        inspected.catch(() => undefined);
        return this.#exclusive(async () => {
            const targets = await this.#resolvePartition(partition, options.slot ?? 'current', ctx);
            const checked = await inspected;
            const { sparse, expandedBytes } = checked;
            const pieces = await this.#payloads(checked, ctx);
            for (const target of targets) {
                const partitionBytes = await this.#partitionSize(target, ctx);
                if (partitionBytes !== undefined && partitionBytes > 0 && expandedBytes > partitionBytes) {
                    throw ReviveError.of('image-too-large', { variant: 'partition', file: image.path, imageBytes: expandedBytes, partition: target, partitionBytes });
                }
                const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
                const step = `flash:${target}`;
                let base = 0;
                for (const [index, piece] of pieces.entries()) {
                    ctx?.signal?.throwIfAborted();
                    const label = pieces.length > 1 ? `Sending sparse '${target}' ${index + 1}/${pieces.length}` : `Sending${sparse ? ' sparse' : ''} '${target}'`;
                    ctx?.onLog?.(`${label} (${Math.ceil(piece.length / 1024)} KB)`);
                    const context: FailureContext = { command: `flash:${target}`, partition: target, imageBytes: expandedBytes, partitionBytes };
                    await this.#download(piece, context, ctx, { step, base, total });
                    base += piece.length;
                    ctx?.onLog?.(`Writing '${target}'`);
                    await this.#command(`flash:${target}`, ctx, { context });
                }
            }
        }).finally(() => stop.abort());
    }

    /** Boot an image (e.g. TWRP) from RAM without flashing it. */
    boot(image: { path: string }, ctx?: JobContext): Promise<void> {
        return this.#exclusive(async () => {
            const bytes = (await stat(image.path)).size;
            const max = await this.#maxDownloadSize(ctx);
            if (max > 0 && bytes > max) {
                throw ReviveError.of('image-too-large', { variant: 'download', file: image.path, imageBytes: bytes, limit: max });
            }
            ctx?.onLog?.(`Sending 'boot.img' (${Math.ceil(bytes / 1024)} KB)`);
            const context: FailureContext = { command: 'boot', imageBytes: bytes };
            await this.#download(fileSource(image.path, bytes), context, ctx, { step: 'boot', base: 0, total: bytes });
            ctx?.onLog?.('Booting');
            await this.#command('boot', ctx, { context });
        });
    }

    erase(partition: string, ctx?: JobContext, options: FlashOptions = {}): Promise<void> {
        return this.#exclusive(async () => {
            for (const target of await this.#resolvePartition(partition, options.slot ?? 'current', ctx)) {
                ctx?.onLog?.(`Erasing '${target}'`);
                await this.#command(`erase:${target}`, ctx, { context: { partition: target } });
            }
        });
    }

    async setActive(slot: Slot, ctx?: JobContext): Promise<void> {
        await this.command(`set_active:${slot}`, ctx);
    }

    /** The phone answers OKAY and then leaves: the transport goes away soon after. */
    async reboot(target: RebootTarget = 'system', ctx?: JobContext): Promise<void> {
        await this.command(target === 'system' ? 'reboot' : `reboot-${target}`, ctx);
    }

    /** `flashing unlock` (Android 6+) or `oem unlock` (older); waits while the owner confirms on the phone. */
    async unlock(method: 'flashing' | 'oem' = 'flashing', ctx?: JobContext): Promise<void> {
        await this.command(`${method} unlock`, ctx, { timeoutMs: this.#confirmTimeoutMs });
    }

    async lock(method: 'flashing' | 'oem' = 'flashing', ctx?: JobContext): Promise<void> {
        await this.command(`${method} lock`, ctx, { timeoutMs: this.#confirmTimeoutMs });
    }
}
