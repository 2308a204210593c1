/**
 * A file sent with adb sync SEND (v1, which every adbd speaks), framed straight into the buffers
 * the adb socket sends: the file is read with one readv per MiB into the DATA frames' places in a
 * buffer, between headers written there, and the buffer goes to the socket as one write (one WRTE
 * at adb's 1 MiB payload). @yume-chan/adb's push spends per 64 KiB frame a struct encode, a copy
 * into its combining buffer and several promises; 512 MiB are 8192 frames, about 0.3 s of CPU on
 * a machine where the phone's side competes for the same cores.
 *
 * Three buffers take turns: one read ahead while one is sent, and a buffer is read into again only
 * after the write of the buffer after it has been taken, by when adb's flow control (one WRTE
 * unacknowledged per stream) or the socket's drain has moved its bytes out of this process.
 * The frames are laid out in ./sync-frame.ts.
 *
 * The SHA-256 of what was sent is taken of those very buffers, so it is of exactly the bytes that
 * went out (a file changing under the transfer cannot give a false match). For a large file the
 * buffers lie in shared memory and the hash runs on a thread of its own
 * (../integrity/range-hash.ts): adb's flow control makes this process and the phone take turns per
 * WRTE, and hashing on the main thread lengthened every one of this side's turns. A buffer is then
 * read into again only once its hash is done too.
 */
import type { AdbSocket } from '@yume-chan/adb';
import type { ReadableStreamDefaultReader } from '@yume-chan/stream-extra';
import { rangeHash, type RangeHash } from '../integrity/range-hash.js';
import { FRAME_HEADER, idLetters, MAX_FAIL_MESSAGE, SYNC_DATA_MAX, SyncFailError, SyncFrameError, SyncId, writeFrameHeader } from './sync-frame.js';

/** Data bytes per DATA frame: sixteen frames with their headers fill adb's 1 MiB payload exactly. */
export const FRAME_DATA = SYNC_DATA_MAX - FRAME_HEADER;
const FRAMES_PER_BUFFER = 16;
const BUFFERS = 3;
/** The type bits SEND gives a regular file, before its permission bits. */
const S_IFREG = 0o100000;

/** Where the file's bytes come from: read in order, as readv does. */
export interface SendSource {
    /** Fill `views` in order with the file's next bytes; how many came, 0 at its end. */
    read(views: readonly Uint8Array[]): Promise<number>;
}

/**
 * One send buffer: DATA frames laid out back to back, the file read into their data places
 * (`slots`) and the headers written for what came. Pure, so the framing is tested on its own.
 */
export class SendBuffer {
    readonly bytes: Uint8Array;
    readonly slots: readonly Uint8Array[];
    readonly #view: DataView;
    readonly #frameData: number;

    /** `memory`, when given, is where the frames are laid out (at least their size). */
    constructor(frameData = FRAME_DATA, frames = FRAMES_PER_BUFFER, memory?: Uint8Array) {
        this.#frameData = frameData;
        const size = frames * (FRAME_HEADER + frameData);
        // Not zero-filled: each send covers only headers written and bytes read for it.
        this.bytes = memory ? memory.subarray(0, size) : Buffer.allocUnsafe(size);
        this.#view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.length);
        this.slots = Array.from({ length: frames }, (_, i) => this.bytes.subarray(i * (FRAME_HEADER + frameData) + FRAME_HEADER, (i + 1) * (FRAME_HEADER + frameData)));
    }

    /**
     * The frames holding the first `count` bytes read into the slots (readv fills them in order),
     * and those bytes as views, frame by frame.
     */
    frame(count: number): { readonly wire: Uint8Array; readonly data: Uint8Array[] } {
        const data: Uint8Array[] = [];
        let end = 0;
        for (let i = 0, left = count; left > 0; i++) {
            const length = Math.min(left, this.#frameData);
            const at = i * (FRAME_HEADER + this.#frameData);
            writeFrameHeader(this.#view, at, SyncId.DATA, length);
            data.push(this.bytes.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length));
            end = at + FRAME_HEADER + length;
            left -= length;
        }
        return { wire: this.bytes.subarray(0, end), data };
    }
}

/** A request: id, the length of its text, the text (`path,mode` for SEND). */
function request(id: number, text: string): Uint8Array {
    const body = Buffer.from(text, 'utf8');
    const bytes = Buffer.allocUnsafe(FRAME_HEADER + body.length);
    writeFrameHeader(new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER), 0, id, body.length);
    bytes.set(body, FRAME_HEADER);
    return bytes;
}

function doneFrame(mtime: number): Uint8Array {
    const bytes = new Uint8Array(FRAME_HEADER);
    writeFrameHeader(new DataView(bytes.buffer), 0, SyncId.DONE, mtime);
    return bytes;
}

/**
 * The phone's one answer to a SEND: OKAY once it has the whole file, or FAIL with its words
 * (adbd may say FAIL before DONE, then drops what follows). Rejects when the socket ends first.
 */
async function readAnswer(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    let pending: Uint8Array = new Uint8Array(0);
    const take = async (n: number): Promise<Uint8Array> => {
        while (pending.length < n) {
            const { done, value } = await reader.read();
            if (done) throw new Error('the sync connection ended before the phone answered the file');
            pending = pending.length === 0 ? value : Buffer.concat([pending, value]);
        }
        const bytes = pending.subarray(0, n);
        pending = pending.subarray(n);
        return bytes;
    };
    const header = await take(FRAME_HEADER);
    const view = new DataView(header.buffer, header.byteOffset, FRAME_HEADER);
    const id = view.getUint32(0, true);
    const length = view.getUint32(4, true);
    if (id === SyncId.OKAY) return;
    if (id !== SyncId.FAIL) throw new SyncFrameError(`expected OKAY or FAIL from the phone, got ${JSON.stringify(idLetters(id))}`);
    if (length > MAX_FAIL_MESSAGE) throw new SyncFrameError(`the phone's FAIL message claimed ${length} bytes`);
    throw new SyncFailError(Buffer.from(await take(length)).toString('utf8'));
}

export interface SyncSendOptions {
    /** The file's permission bits on the phone (0o644: rw-r--r--). */
    readonly permission: number;
    /** Seconds since the epoch, for the file's time on the phone. */
    readonly mtime: number;
    /**
     * Hash the file bytes sent: 'thread' on a thread of its own (worth its start for large files),
     * 'inline' on this one; the result's sha256 is then their SHA-256.
     */
    readonly hash?: 'thread' | 'inline' | undefined;
    /** The first `bytes` of the file have been taken by the connection. */
    readonly onSent?: ((bytes: number) => void) | undefined;
    /** Stops the transfer: the sync stream is closed before DONE, so adbd discards the file. */
    readonly signal?: AbortSignal | undefined;
}

export interface SyncSent {
    readonly bytes: number;
    /** The SHA-256 of the bytes sent, in hex, when asked for with the `hash` option. */
    readonly sha256: string | undefined;
}

type Framed = ReturnType<SendBuffer['frame']>;

/** The send buffers, and the hash reading them where they are. */
function sendBuffers(hash: SyncSendOptions['hash']): { buffers: SendBuffer[]; sentHash: RangeHash | undefined; memory: Uint8Array | undefined } {
    const size = FRAMES_PER_BUFFER * SYNC_DATA_MAX;
    if (hash === undefined) return { buffers: Array.from({ length: BUFFERS }, () => new SendBuffer()), sentHash: undefined, memory: undefined };
    // Shared, the thread reads the buffers in place; a Buffer over it is what the socket writes.
    const memory = hash === 'thread' ? Buffer.from(new SharedArrayBuffer(size * BUFFERS)) : Buffer.allocUnsafe(size * BUFFERS);
    const buffers = Array.from({ length: BUFFERS }, (_, i) => new SendBuffer(FRAME_DATA, FRAMES_PER_BUFFER, memory.subarray(i * size, (i + 1) * size)));
    return { buffers, sentHash: rangeHash(memory), memory };
}

/**
 * Send the file from `source` to `path` over `socket`, a fresh `sync:` stream; resolves with the
 * bytes sent (and their hash) once the phone acknowledged them all. The caller closes the socket afterwards in any
 * case. Throws SyncFailError with the phone's words when it refuses the file, the signal's reason
 * when stopped, and the connection's error when it is cut.
 */
export async function syncSend(socket: AdbSocket, path: string, source: SendSource, options: SyncSendOptions): Promise<SyncSent> {
    const { signal } = options;
    signal?.throwIfAborted();
    const writer = socket.writable.getWriter();
    const reader = socket.readable.getReader();
    // Closing the stream ends a write waiting for the phone's OKAY of the previous one.
    const stop = (): void => void Promise.resolve(socket.close()).catch(() => undefined);
    signal?.addEventListener('abort', stop, { once: true });
    let answered = false;
    const answer = readAnswer(reader).finally(() => (answered = true));
    // Heard only through the races below, or by the final await: never unhandled.
    answer.catch(() => undefined);
    const { buffers, sentHash, memory } = sendBuffers(options.hash);
    /** Per buffer, the hashing of what it held last: it is read into again once that is done. */
    const hashed: Array<Promise<void> | undefined> = [];
    let reading: Promise<Framed> | undefined;
    try {
        const send = async (bytes: Uint8Array): Promise<void> => {
            const written = writer.write(bytes);
            // A write the answer overtook may still fail with the closing stream: heard here, not unhandled.
            written.catch(() => undefined);
            await Promise.race([written, answer]);
            signal?.throwIfAborted();
        };
        const fill = async (index: number): Promise<Framed> => {
            const buffer = buffers[index] as SendBuffer;
            await hashed[index];
            const framed = buffer.frame(await source.read(buffer.slots));
            if (sentHash && memory && framed.data.length > 0) {
                const bounds = framed.data.flatMap((bytes) => [bytes.byteOffset - memory.byteOffset, bytes.byteOffset - memory.byteOffset + bytes.length]);
                const done = sentHash.updateEach(bounds);
                // A failed thread is heard by the next fill of this buffer, or by the digest.
                done.catch(() => undefined);
                hashed[index] = done;
            }
            return framed;
        };
        await send(request(SyncId.SEND, `${path},${S_IFREG | options.permission}`));
        let sent = 0;
        reading = fill(0);
        for (let turn = 1; ; turn++) {
            const framed = await reading;
            if (framed.wire.length === 0) break;
            // The next buffer is read (and hashed) while this one is on its way.
            reading = fill(turn % BUFFERS);
            await send(framed.wire);
            // The phone answers before DONE only to refuse the file.
            if (answered) break;
            sent += framed.wire.length - FRAME_HEADER * framed.data.length;
            options.onSent?.(sent);
        }
        if (answered) {
            await answer;
            throw new SyncFrameError('the phone said OKAY before the whole file was sent');
        }
        await send(doneFrame(options.mtime));
        await answer;
        // The thread answers in order: the digest comes after every range handed over.
        return { bytes: sent, sha256: await sentHash?.digest() };
    } catch (error) {
        // A stop closes the stream: what then fails is the stop, not the stream.
        if (signal?.aborted) throw signal.reason;
        throw error;
    } finally {
        signal?.removeEventListener('abort', stop);
        reading?.catch(() => undefined);
        await sentHash?.close();
        writer.releaseLock();
        reader.releaseLock();
    }
}
