/**
 * Files on the phone as streams over adb sync, for the backup engine: list a tree, read a file as
 * chunks, write a file from chunks. Nothing is buffered beyond a few chunks.
 */
import { basename } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { AdbSync, AdbSyncRequestId, adbSyncWriteRequest, type Adb, type AdbSocket } from '@yume-chan/adb';
import { ReadableStream, type ReadableStreamDefaultReader } from '@yume-chan/stream-extra';
import { disconnectedError, refusedError, type AdbActivity, type AdbPhone } from '../adb/phone.js';
import { SyncFailError } from '../adb/sync-frame.js';
import { FILE_DONE, NEED_CHUNK, SyncRecvParser } from '../adb/sync-recv.js';
import { syncSend, type SendSource } from '../adb/sync-send.js';
import { adbPayloads } from '../adb/tcp-connection.js';
import type { ReviveError } from '../jobs/errors.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

export interface PhoneFile {
    /** Path below the listed root, with `/`. */
    readonly rel: string;
    readonly path: string;
    readonly sizeBytes: number;
}

/**
 * Chunks (adb packets) taken from the socket ahead of the reader. The library acknowledges a
 * packet (OKAY) only once it has room for it, and the phone sends a stream's next packet only
 * after that OKAY: taken as they come, each is acknowledged on arrival and the phone sends the
 * next while this side is still busy with earlier ones, instead of both taking turns. At most
 * this many packets of up to 1 MiB wait here.
 */
const READ_AHEAD = 3;

/**
 * The sync socket's chunks, read in turn by the library (list, stat) and by the RECV reader,
 * never both at once: each holds the library's sync lock while it reads.
 */
class SocketChunks {
    readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
    #unread: Uint8Array | undefined;
    readonly #ahead: Uint8Array[] = [];
    #ended = false;
    #failure: { readonly reason: unknown } | undefined;
    #taking = false;
    #arrived: (() => void) | undefined;

    constructor(readable: ReadableStream<Uint8Array>) {
        this.#reader = readable.getReader();
    }

    /** Take chunks from the socket until READ_AHEAD wait or it ends; one taker at a time. */
    #takeAhead(): void {
        if (this.#taking || this.#ended || this.#ahead.length >= READ_AHEAD) return;
        this.#taking = true;
        void (async () => {
            try {
                while (!this.#ended && this.#ahead.length < READ_AHEAD) {
                    const { done, value } = await this.#reader.read();
                    if (done) this.#ended = true;
                    else this.#ahead.push(value);
                    this.#arrived?.();
                }
            } catch (reason) {
                this.#failure = { reason };
                this.#ended = true;
                this.#arrived?.();
            } finally {
                this.#taking = false;
            }
        })();
    }

    /** The next chunk, or undefined once the socket has ended. */
    async read(): Promise<Uint8Array | undefined> {
        const unread = this.#unread;
        if (unread) {
            this.#unread = undefined;
            return unread;
        }
        for (;;) {
            const next = this.#ahead.shift();
            this.#takeAhead();
            if (next) return next;
            if (this.#failure) throw this.#failure.reason;
            if (this.#ended) return undefined;
            await new Promise<void>((resolve) => (this.#arrived = resolve));
            this.#arrived = undefined;
        }
    }

    /** Bytes read past the end of an answer, given to the next reader first. */
    unread(bytes: Uint8Array): void {
        if (bytes.length > 0) this.#unread = bytes;
    }

    cancel(reason?: unknown): Promise<void> {
        return this.#reader.cancel(reason);
    }

    /** The socket as the library sees it: its reads come from here, pulled only when it asks. */
    socket(socket: AdbSocket): AdbSocket {
        const readable = new ReadableStream<Uint8Array>(
            {
                pull: async (controller) => {
                    const chunk = await this.read();
                    if (chunk) controller.enqueue(chunk);
                    else controller.close();
                },
                cancel: (reason) => this.cancel(reason),
            },
            { highWaterMark: 0 },
        );
        return {
            get service() {
                return socket.service;
            },
            get closed() {
                return socket.closed;
            },
            readable,
            writable: socket.writable,
            close: () => socket.close(),
        };
    }
}

/** The socket's next chunk into the parser; a socket that ended before DONE was cut. */
async function feed(parser: SyncRecvParser, chunks: SocketChunks): Promise<Uint8Array> {
    const chunk = await chunks.read();
    if (!chunk) throw new Error('the sync connection ended before the whole file came');
    parser.push(chunk);
    return chunk;
}

/** Read the rest of the answer up to DONE, dropping the file's bytes. */
async function dropRest(parser: SyncRecvParser, chunks: SocketChunks): Promise<void> {
    for (let next = parser.next(); next !== FILE_DONE; next = parser.next()) {
        if (next === NEED_CHUNK) await feed(parser, chunks);
    }
}

/**
 * The library's sync session, with files read by sync-recv.ts straight off the socket's chunks
 * rather than through the library's pull: a 2 GiB backup is 32768 DATA frames, and its reader
 * cost several reads, promises and a struct decode per frame.
 */
class PhoneSync extends AdbSync {
    readonly #chunks: SocketChunks;

    constructor(adb: Adb, socket: AdbSocket, chunks = new SocketChunks(socket.readable)) {
        super(adb, chunks.socket(socket));
        this.#chunks = chunks;
    }

    /**
     * The file's bytes as views of the socket's chunks, each valid only until the next is asked
     * for: a chunk read to its end goes back to the connection's payload pool, to be filled again.
     */
    async *pull(path: string): AsyncGenerator<Uint8Array, void, void> {
        const locked = await this._socket.lock();
        const parser = new SyncRecvParser();
        const chunks = this.#chunks;
        let settled = false;
        try {
            await adbSyncWriteRequest(locked, AdbSyncRequestId.Receive, path);
            await locked.flush();
            let chunk: Uint8Array | undefined;
            for (;;) {
                const next = parser.next();
                if (next === FILE_DONE) break;
                if (next !== NEED_CHUNK) {
                    yield next;
                    continue;
                }
                // Every view of it has been handed on and the consumer came back for more.
                if (chunk) adbPayloads.giveBack(chunk);
                // Once per packet the event loop runs, so packets arrive (and are acknowledged)
                // while this one is worked on: with the next already waiting, the reader would
                // otherwise go through every waiting packet without letting any more in.
                await setImmediate();
                chunk = await feed(parser, chunks);
            }
            settled = true;
        } catch (error) {
            settled = true;
            throw error;
        } finally {
            // Left early (cancel, a size error): RECV cannot be stopped, so the rest is read
            // and dropped, leaving the session at a frame boundary for whoever reads next.
            if (!settled) await dropRest(parser, chunks);
            chunks.unread(parser.rest);
            locked.release();
        }
    }
}

type Sync = PhoneSync;

export async function withSync<T>(phone: AdbPhone, what: AdbActivity, work: (sync: Sync) => Promise<T>): Promise<T> {
    let sync: Sync;
    try {
        sync = new PhoneSync(phone.adb, await phone.adb.createSocket('sync:'));
    } catch (error) {
        throw disconnectedError(what, error);
    }
    try {
        return await work(sync);
    } finally {
        await sync.dispose().catch(() => undefined);
    }
}

/** Every regular file below `root` (depth first, sorted), skipping paths `skip` names. */
export async function listTree(sync: Sync, root: string, skip: (rel: string) => boolean = () => false): Promise<PhoneFile[]> {
    const files: PhoneFile[] = [];
    const visit = async (dir: string, prefix: string): Promise<void> => {
        const entries = (await sync.readdir(dir).catch(() => [])).filter((e) => e.name !== '.' && e.name !== '..').sort((a, b) => a.name.localeCompare(b.name));
        for (const entry of entries) {
            const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
            if (skip(rel)) continue;
            const type = entry.mode & S_IFMT;
            if (type === S_IFDIR) await visit(`${dir}/${entry.name}`, rel);
            else if (type === S_IFREG) files.push({ rel, path: `${dir}/${entry.name}`, sizeBytes: Number(entry.size) });
        }
    };
    await visit(root, '');
    return files;
}

/** A file's bytes; each chunk is valid only until the next is asked for (its memory is reused): copy what is kept. */
export async function* readPhoneFile(sync: Sync, path: string): AsyncGenerator<Uint8Array> {
    try {
        yield* sync.pull(path);
    } catch (error) {
        throw disconnectedError({ activity: 'read', remote: path }, error);
    }
}

/** A hand-over of chunks from a writer to a reader, holding at most a few. */
class ChunkChannel {
    readonly #items: Uint8Array[] = [];
    #closed = false;
    #failure: { readonly reason: unknown } | undefined;
    #readerWaiting: (() => void) | undefined;
    #writerWaiting: (() => void) | undefined;

    async put(chunk: Uint8Array): Promise<void> {
        while (this.#items.length >= 4) await new Promise<void>((resolve) => (this.#writerWaiting = resolve));
        this.#items.push(chunk);
        this.#readerWaiting?.();
    }

    close(): void {
        this.#closed = true;
        this.#readerWaiting?.();
    }

    /** No more chunks, and the reader is told the file was given up (its stream errors). */
    fail(reason: unknown): void {
        this.#failure = { reason };
        this.close();
    }

    async take(): Promise<Uint8Array | undefined> {
        while (this.#items.length === 0 && !this.#closed) await new Promise<void>((resolve) => (this.#readerWaiting = resolve));
        if (this.#failure) throw this.#failure.reason;
        const chunk = this.#items.shift();
        this.#writerWaiting?.();
        return chunk;
    }
}

/** The writer's chunks as the sync writer reads a file: copied into its frames as they come. */
class ChannelSource implements SendSource {
    readonly #channel: ChunkChannel;
    #current: Uint8Array = new Uint8Array(0);

    constructor(channel: ChunkChannel) {
        this.#channel = channel;
    }

    async read(views: readonly Uint8Array[]): Promise<number> {
        let count = 0;
        for (const view of views) {
            for (let filled = 0; filled < view.length; ) {
                if (this.#current.length === 0) {
                    const next = await this.#channel.take();
                    if (!next) return count + filled;
                    this.#current = next;
                }
                const take = Math.min(view.length - filled, this.#current.length);
                view.set(this.#current.subarray(0, take), filled);
                this.#current = this.#current.subarray(take);
                filled += take;
            }
            count += view.length;
        }
        return count;
    }
}

/** A file on the phone written chunk by chunk (sync SEND, ../adb/sync-send.ts); `end` waits until the phone has it all. */
export class PhoneFileWriter {
    readonly #channel = new ChunkChannel();
    readonly #stop = new AbortController();
    readonly #done: Promise<number>;
    readonly #path: string;

    private constructor(phone: AdbPhone, path: string, socket: AdbSocket) {
        this.#path = path;
        // A cut cable does not always fail the sync stream itself: the connection's end does.
        const cut = phone.disconnected.then(() => Promise.reject(new Error('the phone was disconnected')));
        cut.catch(() => undefined);
        const sending = syncSend(socket, path, new ChannelSource(this.#channel), { permission: 0o644, mtime: Math.floor(Date.now() / 1000), signal: this.#stop.signal }).then((sent) => sent.bytes);
        this.#done = Promise.race([sending, cut]).finally(() => Promise.resolve(socket.close()).catch(() => undefined));
        this.#done.catch(() => undefined);
    }

    static async open(phone: AdbPhone, path: string): Promise<PhoneFileWriter> {
        let socket: AdbSocket;
        try {
            socket = await phone.adb.createSocket('sync:');
        } catch (error) {
            throw disconnectedError({ activity: 'write', remote: path }, error);
        }
        return new PhoneFileWriter(phone, path, socket);
    }

    async write(chunk: Uint8Array): Promise<void> {
        try {
            await Promise.race([this.#channel.put(chunk), this.#done.then(() => Promise.reject(new Error('the phone closed the file early')))]);
        } catch (error) {
            throw this.#failed(error);
        }
    }

    /** The phone refused the file (its words), or the connection ended. */
    #failed(error: unknown): ReviveError {
        if (error instanceof SyncFailError) return refusedError('restore', basename(this.#path), this.#path, error);
        return disconnectedError({ activity: 'write', remote: this.#path }, error);
    }

    /**
     * Give the file up (a stop, a damaged archive): the sync stream is closed before DONE, so the
     * phone discards what it got (adbd unlinks a file whose transfer fails) and nothing is left waiting.
     */
    async abort(reason: unknown): Promise<void> {
        this.#channel.fail(reason);
        this.#stop.abort(reason);
        await this.#done.catch(() => undefined);
    }

    async end(): Promise<void> {
        this.#channel.close();
        try {
            await this.#done;
        } catch (error) {
            throw this.#failed(error);
        }
    }
}
