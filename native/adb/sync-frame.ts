/**
 * adb sync's frame layout (file_sync_protocol.h), for the lean RECV reader (./sync-recv.ts), the
 * SEND writer (./sync-send.ts) and the virtual phone's sync service (../virtual/adbd-sync.ts): a 4-byte id (four ASCII letters), a u32 little-endian length, then
 * that many bytes for DATA, FAIL (the phone's message) and a request's path; DONE carries the
 * file's mtime in its length field, OKAY nothing.
 */

export const FRAME_HEADER = 8;

/** The most file bytes one DATA frame may carry (adbd refuses more). */
export const SYNC_DATA_MAX = 64 * 1024;

/** adbd's messages are a line of text; a longer length means a damaged frame, not a message to buffer. */
export const MAX_FAIL_MESSAGE = 64 * 1024;

/** Ids as the little-endian u32 of their four ASCII letters. */
function frameId(letters: string): number {
    return Buffer.from(letters, 'latin1').readUInt32LE(0);
}

export const SyncId = {
    STAT: frameId('STAT'),
    LIST: frameId('LIST'),
    DENT: frameId('DENT'),
    SEND: frameId('SEND'),
    RECV: frameId('RECV'),
    QUIT: frameId('QUIT'),
    DATA: frameId('DATA'),
    DONE: frameId('DONE'),
    OKAY: frameId('OKAY'),
    FAIL: frameId('FAIL'),
} as const;

export function idLetters(id: number): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(id >>> 0);
    return bytes.toString('latin1');
}

/** A frame's header at `at` of `view`'s bytes. */
export function writeFrameHeader(view: DataView, at: number, id: number, length: number): void {
    view.setUint32(at, id, true);
    view.setUint32(at + 4, length >>> 0, true);
}

/** The phone refused the file (FAIL): `message` is the phone's own words. */
export class SyncFailError extends Error {
    override readonly name = 'SyncFailError';
}

/** The phone sent a frame the exchange has no place for. */
export class SyncFrameError extends Error {
    override readonly name = 'SyncFrameError';
}
