/**
 * A download's SHA-256 on a thread of its own. Hashed in line, its 0.7 s of CPU per GiB took
 * turns with receiving and writing on the connection's thread; here it runs on the other core.
 *
 * The bytes reach the thread through a ring of shared memory, without a copy where it can be done:
 * a plain connection reads straight into the ring (`nextReadBuffer`, given to the socket as its read
 * buffer), and the slices of the body that the writer has written are queued for hashing where they
 * lie. Anything else (TLS's decrypted bytes) is copied in. A slot is lent to the socket again only
 * once the thread has hashed what was queued from it, so a slow thread holds the reader back rather
 * than losing bytes. Measured per GiB against a loopback server (4 alternating runs, load 12-14):
 * the whole process took 2.0 s of CPU this way; 2.2-3.0 s when the thread read the file back from
 * the page cache (0.4-0.5 s of system time more), 2.0-2.4 s when every slice was copied into the
 * ring (up to 0.4 s more on the connection's thread). A resumed download's first part is hashed
 * from its file by the thread while the rest arrives.
 */
import { Worker } from 'node:worker_threads';

/** The buffer one socket read is given: a read is never larger. */
const SLOT_BYTES = 256 * 1024;
/**
 * 16 MiB: on a busy machine the thread is off its core for tens of milliseconds at a time, and the
 * reader should not wait for it. With 4 MiB the connection's thread waited 0.4-1.4 s per GiB at a
 * load of 13; with 16 MiB 0.03-0.5 s (peak RSS 107 MB instead of 95 MB).
 */
const SLOTS = 64;
/** How long the reader waits for a thread that hashes nothing before giving up on it. */
const STALL_MS = 60_000;
/** Queued slices: several per slot for TLS's small records. */
const QUEUE = 1024;

// Int32 control words.
const QUEUED = 0;
const HASHED = 1;
const ENDED = 2;
/** Bumped to wake the thread, so it never sleeps through a change. */
const WAKE = 3;
/** 1 while the thread sleeps or is about to. */
const SLEEPING = 4;
/** A sleeping thread is woken once this many slices wait for it (one wake-up per MiB, not per read). */
const BATCH = 4;
const OPEN = 0;
const CLOSED = 1;
const ABANDONED = 2;

const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const { ring, queue: queueMemory, control: controlMemory, prefix } = workerData;
const bytes = new Uint8Array(ring);
const queue = new Int32Array(queueMemory);
const control = new Int32Array(controlMemory);
const hash = createHash('sha256');
try {
    if (prefix) {
        const fd = openSync(prefix.path, 'r');
        const buffer = Buffer.allocUnsafe(1 << 20);
        try {
            for (let at = 0; at < prefix.bytes; ) {
                const got = readSync(fd, buffer, 0, Math.min(buffer.length, prefix.bytes - at), at);
                if (got === 0) throw new Error(prefix.path + ' is shorter than ' + prefix.bytes + ' bytes');
                hash.update(buffer.subarray(0, got));
                at += got;
            }
        } finally {
            closeSync(fd);
        }
    }
    let hashed = 0;
    for (;;) {
        const ended = Atomics.load(control, ${ENDED});
        if (ended === ${ABANDONED}) break;
        if (hashed < Atomics.load(control, ${QUEUED})) {
            const entry = (hashed % ${QUEUE}) * 2;
            hash.update(bytes.subarray(queue[entry], queue[entry] + queue[entry + 1]));
            hashed++;
            Atomics.store(control, ${HASHED}, hashed);
            Atomics.notify(control, ${HASHED});
        } else if (ended === ${CLOSED}) {
            parentPort.postMessage({ digest: hash.digest('hex') });
            break;
        } else {
            // Say so before sleeping, then look once more: the writer wakes only a thread that said so.
            const seen = Atomics.load(control, ${WAKE});
            Atomics.store(control, ${SLEEPING}, 1);
            if (hashed === Atomics.load(control, ${QUEUED}) && Atomics.load(control, ${ENDED}) === ${OPEN}) Atomics.wait(control, ${WAKE}, seen);
            Atomics.store(control, ${SLEEPING}, 0);
        }
    }
} catch (error) {
    Atomics.store(control, ${ENDED}, ${ABANDONED});
    Atomics.store(control, ${HASHED}, 0x7fffffff);
    Atomics.notify(control, ${HASHED});
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
`;

export class Sha256Thread {
    readonly #worker: Worker;
    readonly #ring = new Uint8Array(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
    readonly #queue = new Int32Array(new SharedArrayBuffer(QUEUE * 2 * 4));
    readonly #control = new Int32Array(new SharedArrayBuffer(5 * 4));
    readonly #result: Promise<string>;
    /** Per slot, how many slices had been queued once its last one was: it is free when that many are hashed. */
    readonly #busyUntil = new Array<number>(SLOTS).fill(0);
    #queued = 0;
    /** The slot the next read or copy goes to, the one lent to the socket, and where copies go on in. */
    #next = 0;
    #lent = -1;
    #copySlot = -1;
    #copyAt = SLOT_BYTES;
    #abandoned = false;
    /** Where a socket reads once the thread has failed. */
    #spare: Uint8Array | undefined;

    /** `prefix`: the data starts with the first `bytes` of the file at `path` (a resumed download). */
    constructor(prefix?: { path: string; bytes: number }) {
        this.#worker = new Worker(SOURCE, {
            eval: true,
            workerData: { ring: this.#ring.buffer, queue: this.#queue.buffer, control: this.#control.buffer, prefix: prefix && prefix.bytes > 0 ? prefix : undefined },
        });
        this.#result = new Promise<string>((resolve, reject) => {
            this.#worker.once('message', (message: { digest?: string; error?: string }) => {
                if (message.digest !== undefined) resolve(message.digest);
                else reject(new Error(`the SHA-256 could not be computed: ${message.error ?? 'no reason given'}`));
            });
            this.#worker.once('error', reject);
            this.#worker.once('exit', (code) => reject(new Error(`the hashing thread ended (${code})`)));
        });
        // Awaited by digest(); a download abandoned before that must leave no stray rejection.
        this.#result.catch(() => undefined);
    }

    /** The buffer for a plain socket's next read (`onread.buffer`); its body slices are then hashed where they lie. */
    nextReadBuffer(): Uint8Array {
        try {
            this.#lent = this.#take();
        } catch {
            // Thrown here, inside the socket's read, it would end the process: update() says it instead.
            this.#lent = -1;
            return (this.#spare ??= new Uint8Array(SLOT_BYTES));
        }
        return this.#ring.subarray(this.#lent * SLOT_BYTES, (this.#lent + 1) * SLOT_BYTES);
    }

    /** Hash `chunk` after what came before; the caller may reuse its memory once this returns. */
    update(chunk: Uint8Array): void {
        if (chunk.length === 0) return;
        if (chunk.buffer === this.#ring.buffer) {
            this.#enqueue(chunk.byteOffset, chunk.length);
            return;
        }
        for (let from = 0; from < chunk.length; ) {
            if (this.#copyAt === SLOT_BYTES) {
                this.#copySlot = this.#take();
                this.#copyAt = 0;
            }
            const take = Math.min(SLOT_BYTES - this.#copyAt, chunk.length - from);
            const offset = this.#copySlot * SLOT_BYTES + this.#copyAt;
            this.#ring.set(chunk.subarray(from, from + take), offset);
            this.#enqueue(offset, take);
            this.#copyAt += take;
            from += take;
        }
    }

    /** The SHA-256 of the prefix and everything updated, once the thread has hashed it all. */
    async digest(): Promise<string> {
        if (this.#abandoned) throw new Error('the hashing thread was abandoned');
        // A thread that failed has ended itself: its result says why.
        Atomics.compareExchange(this.#control, ENDED, OPEN, CLOSED);
        this.#wake(true);
        try {
            return await this.#result;
        } finally {
            void this.#worker.terminate();
        }
    }

    /** Stop without a result (the download failed, was cancelled, or starts over). */
    abandon(): void {
        this.#abandoned = true;
        Atomics.compareExchange(this.#control, ENDED, OPEN, ABANDONED);
        this.#wake(true);
        void this.#worker.terminate();
    }

    /** The next slot in turn (never the one lent to the socket), once the thread is done with it. */
    #take(): number {
        let slot = this.#next;
        if (slot === this.#lent) slot = (slot + 1) % SLOTS;
        this.#next = (slot + 1) % SLOTS;
        this.#waitHashed(this.#busyUntil[slot] ?? 0);
        // A copy slot taken for reading (or the reverse) is finished with.
        if (slot === this.#copySlot) this.#copyAt = SLOT_BYTES;
        return slot;
    }

    #enqueue(offset: number, length: number): void {
        this.#waitHashed(this.#queued - QUEUE + 1);
        const entry = (this.#queued % QUEUE) * 2;
        this.#queue[entry] = offset;
        this.#queue[entry + 1] = length;
        this.#queued++;
        this.#busyUntil[Math.floor(offset / SLOT_BYTES)] = this.#queued;
        Atomics.store(this.#control, QUEUED, this.#queued);
        this.#wake(false);
    }

    /** Block until the thread has hashed `count` slices: it hashes faster than a network delivers. */
    #waitHashed(count: number): void {
        let progress = Atomics.load(this.#control, HASHED);
        let stalledSince = Date.now();
        for (;;) {
            const hashed = Atomics.load(this.#control, HASHED);
            if (hashed >= count) return;
            if (Atomics.load(this.#control, ENDED) === ABANDONED) throw new Error('the hashing thread stopped');
            if (hashed !== progress) {
                progress = hashed;
                stalledSince = Date.now();
            } else if (Date.now() - stalledSince > STALL_MS) {
                // A thread that died outright (out of memory) says nothing; blocked here, its exit event cannot arrive.
                throw new Error(`the hashing thread made no progress for ${STALL_MS / 1000} s`);
            }
            this.#wake(true);
            Atomics.wait(this.#control, HASHED, hashed, 1000);
        }
    }

    /** Wake the thread if it sleeps, and (unless `now`) only once enough waits for it. */
    #wake(now: boolean): void {
        if (Atomics.load(this.#control, SLEEPING) === 0) return;
        if (!now && this.#queued - Atomics.load(this.#control, HASHED) < BATCH) return;
        Atomics.add(this.#control, WAKE, 1);
        Atomics.notify(this.#control, WAKE);
    }
}
