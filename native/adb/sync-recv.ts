/**
 * A file's bytes from adb sync RECV, cut straight out of the sync socket's chunks: each DATA
 * frame's bytes are handed on as views of the chunk they came in (a frame split across chunks as
 * two views), with no copy, struct decoding or promise per field. The library's reader costs a
 * few reads, a buffer and several promises per 64 KiB frame; a 2 GiB backup has 32768 of them.
 * The frames are laid out in ./sync-frame.ts; DONE ends the file. The virtual phone's adbd reads
 * a SEND's DATA and DONE with it too.
 */

import { FRAME_HEADER, idLetters, MAX_FAIL_MESSAGE, SYNC_DATA_MAX, SyncFailError, SyncFrameError, SyncId } from './sync-frame.js';

const { DATA, DONE, FAIL } = SyncId;

/** `next` found the chunk used up: push the socket's next chunk. */
export const NEED_CHUNK = 0;
/** `next` found DONE: the file is complete; `rest` holds any bytes after it. */
export const FILE_DONE = 1;

/**
 * The RECV answer as a state machine over chunks in any slicing. Pure and synchronous, so a
 * reader awaits only for the socket's next chunk.
 */
export class SyncRecvParser {
    readonly #header = Buffer.alloc(FRAME_HEADER);
    #headerFilled = 0;
    #chunk: Uint8Array = new Uint8Array(0);
    #offset = 0;
    /** Bytes of the current DATA frame not yet handed on. */
    #dataLeft = 0;
    /** The FAIL message being gathered (it may span chunks), with the bytes still to come. */
    #fail: { readonly bytes: Buffer; filled: number } | undefined;
    #done = false;
    #mtime = 0;

    /** The next chunk of the socket; call only after `next` returned NEED_CHUNK. */
    push(chunk: Uint8Array): void {
        this.#chunk = chunk;
        this.#offset = 0;
    }

    /** The file's time DONE carried (seconds since the epoch; SEND's DONE sets it, RECV's is 0). */
    get mtime(): number {
        return this.#mtime;
    }

    /** Bytes of the chunk after DONE (none from a well-behaved phone). */
    get rest(): Uint8Array {
        return this.#chunk.subarray(this.#offset);
    }

    /**
     * The file's next bytes (a view into the pushed chunk, valid as long as the chunk is), or
     * NEED_CHUNK, or FILE_DONE. Throws SyncFailError on FAIL and SyncFrameError on an unknown id.
     */
    next(): Uint8Array | typeof NEED_CHUNK | typeof FILE_DONE {
        const chunk = this.#chunk;
        for (;;) {
            if (this.#done) return FILE_DONE;
            const available = chunk.length - this.#offset;
            if (this.#dataLeft > 0) {
                if (available === 0) return NEED_CHUNK;
                const take = Math.min(this.#dataLeft, available);
                const bytes = chunk.subarray(this.#offset, this.#offset + take);
                this.#offset += take;
                this.#dataLeft -= take;
                return bytes;
            }
            const fail = this.#fail;
            if (fail) {
                const take = Math.min(fail.bytes.length - fail.filled, available);
                fail.bytes.set(chunk.subarray(this.#offset, this.#offset + take), fail.filled);
                fail.filled += take;
                this.#offset += take;
                if (fail.filled < fail.bytes.length) return NEED_CHUNK;
                throw new SyncFailError(fail.bytes.toString('utf8'));
            }
            if (available === 0) return NEED_CHUNK;
            let id: number;
            let length: number;
            if (this.#headerFilled === 0 && available >= FRAME_HEADER) {
                // The common case: the whole header in this chunk, read where it lies.
                const at = chunk.byteOffset + this.#offset;
                const view = new DataView(chunk.buffer, at, FRAME_HEADER);
                id = view.getUint32(0, true);
                length = view.getUint32(4, true);
                this.#offset += FRAME_HEADER;
            } else {
                const take = Math.min(FRAME_HEADER - this.#headerFilled, available);
                this.#header.set(chunk.subarray(this.#offset, this.#offset + take), this.#headerFilled);
                this.#headerFilled += take;
                this.#offset += take;
                if (this.#headerFilled < FRAME_HEADER) return NEED_CHUNK;
                this.#headerFilled = 0;
                id = this.#header.readUInt32LE(0);
                length = this.#header.readUInt32LE(4);
            }
            if (id === DATA && length <= SYNC_DATA_MAX) this.#dataLeft = length;
            else if (id === DATA) throw new SyncFrameError(`a DATA frame claimed ${length} bytes, more than sync's ${SYNC_DATA_MAX}`);
            else if (id === DONE) {
                this.#done = true;
                this.#mtime = length;
            }
            else if (id === FAIL && length <= MAX_FAIL_MESSAGE) this.#fail = { bytes: Buffer.allocUnsafe(length), filled: 0 };
            else if (id === FAIL) throw new SyncFrameError(`the phone's FAIL message claimed ${length} bytes`);
            else throw new SyncFrameError(`expected DATA, DONE or FAIL from the phone, got ${JSON.stringify(idLetters(id))}`);
        }
    }
}
