/**
 * SHA-256 of a byte stream on a thread of its own. On a phone, `sha256sum` is a process of its
 * own, on another core than adbd; in the virtual phone it would take turns with adbd on one thread,
 * so a file hashed as it arrives (native/adb/phone-hash.ts) would slow its own transfer down.
 *
 * The bytes are copied into slots of one shared memory that the thread reads where they are, by
 * the same range hashing the backup archive uses (../integrity/range-hash.ts): one hashing thread
 * for the project, and a stream of views into larger buffers (a shell's pipe) needs no buffer of
 * its own per chunk to hand over. A stretch of a file (what `dd if=FILE` puts into the pipe) is
 * read by the thread itself: the file's bytes then never pass through adbd's thread, as they pass
 * through no other process than dd and sha256sum on a phone.
 */
import { rangeHash, type FileSpan } from '../integrity/range-hash.js';

export type { FileSpan };

const SLOT_BYTES = 1024 * 1024;
/** Slots handed over and not yet hashed: bounds the memory, lets the reader run ahead a little. */
const SLOTS = 4;

export async function sha256OnThread(input: AsyncIterable<Uint8Array | FileSpan> | Iterable<Uint8Array | FileSpan>): Promise<string> {
    const memory = new Uint8Array(new SharedArrayBuffer(SLOT_BYTES * SLOTS));
    const hash = rangeHash(memory);
    /** Per slot, the hashing of what it held last: the slot is free again once that settles. */
    const hashed: Array<Promise<void> | undefined> = new Array<Promise<void> | undefined>(SLOTS).fill(undefined);
    const spans: Promise<void>[] = [];
    let slot = 0;
    let filled = 0;
    const handOver = (): void => {
        const start = slot * SLOT_BYTES;
        const done = hash.update(start, start + filled);
        // A failed thread rejects every update; the next wait for this slot, or digest(), says so.
        done.catch(() => undefined);
        hashed[slot] = done;
        slot = (slot + 1) % SLOTS;
        filled = 0;
    };
    try {
        for await (const chunk of input) {
            if (!(chunk instanceof Uint8Array)) {
                // In order: what the slot holds so far first, then the file's stretch.
                if (filled > 0) handOver();
                const done = hash.updateFromFile(chunk);
                // Heard below, before the digest: a stretch the thread could not read fails the hash.
                done.catch(() => undefined);
                spans.push(done);
                continue;
            }
            for (let at = 0; at < chunk.length; ) {
                if (filled === 0) await hashed[slot];
                const take = Math.min(SLOT_BYTES - filled, chunk.length - at);
                memory.set(chunk.subarray(at, at + take), slot * SLOT_BYTES + filled);
                filled += take;
                at += take;
                if (filled === SLOT_BYTES) handOver();
            }
        }
        if (filled > 0) handOver();
        await Promise.all(spans);
        // The thread answers in order: the digest comes after every range handed over.
        return await hash.digest();
    } finally {
        void hash.close().catch(() => undefined);
    }
}
