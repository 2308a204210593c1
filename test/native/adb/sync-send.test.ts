/**
 * sync SEND framed straight into the socket's buffers (native/adb/sync-send.ts): the frames hold
 * exactly the file's bytes however the reads come (short reads ending anywhere in a frame), read
 * back by the RECV parser in any slicing; against the virtual phone the stored file is the file,
 * the phone's FAIL comes with its words, a stop leaves no file and no open stream, and a cut
 * cable is an error, not a hang.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER, SyncFailError } from '../../../native/adb/sync-frame.js';
import { FILE_DONE, NEED_CHUNK, SyncRecvParser } from '../../../native/adb/sync-recv.js';
import { FRAME_DATA, SendBuffer, syncSend, type SendSource, type SyncSent } from '../../../native/adb/sync-send.js';
import type { AdbPhone } from '../../../native/adb/phone.js';
import { useVirtualAdb } from '../../support/virtual-adb.js';

const MiB = 1024 * 1024;

/**
 * Read limits for sends to the phone: short reads, but not so short that a few MiB take millions
 * of round trips (fast-check favours small numbers); the framing's own test covers tiny reads.
 */
const phoneReadLimits = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 300_000 })), { minLength: 1, maxLength: 4 });

/** The file's bytes as readv gives them, each read cut short to the next of `limits` (cycled; 0 = no limit). */
function source(file: Uint8Array, limits: readonly number[] = [0]): SendSource {
    let at = 0;
    let turn = 0;
    return {
        read(views) {
            const limit = limits[turn++ % limits.length] || Infinity;
            let count = 0;
            for (const view of views) {
                const take = Math.min(view.length, file.length - at, limit - count);
                view.set(file.subarray(at, at + take));
                at += take;
                count += take;
                if (take < view.length) break;
            }
            return Promise.resolve(count);
        },
    };
}

/** The RECV parser over `wire` cut at `at` (the SEND stream's DATA…DONE is laid out as RECV's answer). */
function parse(wire: Buffer, at: readonly number[]): Buffer {
    const points = [...at.map((p) => p % (wire.length + 1)), wire.length].sort((a, b) => a - b);
    const parser = new SyncRecvParser();
    const data: Buffer[] = [];
    let start = 0;
    for (;;) {
        const next = parser.next();
        if (next === FILE_DONE) return Buffer.concat(data);
        if (next === NEED_CHUNK) {
            const end = points.shift();
            if (end === undefined) throw new Error('the frames ended before DONE');
            parser.push(wire.subarray(start, end));
            start = end;
            continue;
        }
        data.push(Buffer.from(next));
    }
}

describe('sync SEND framing', () => {
    it('frames exactly the bytes read, however short the reads, and hands each frame on once', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.uint8Array({ maxLength: 400 }),
                fc.integer({ min: 1, max: 17 }),
                fc.integer({ min: 1, max: 5 }),
                fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 6 }),
                fc.array(fc.nat(), { maxLength: 12 }),
                async (file, frameData, frames, limits, cuts) => {
                    const read = source(file, limits);
                    const buffer = new SendBuffer(frameData, frames);
                    const wire: Buffer[] = [];
                    const handed: Buffer[] = [];
                    for (;;) {
                        const framed = buffer.frame(await read.read(buffer.slots));
                        if (framed.wire.length === 0) break;
                        expect(framed.wire.length).toBeLessThanOrEqual(frames * (FRAME_HEADER + frameData));
                        for (const bytes of framed.data) {
                            expect(bytes.length).toBeGreaterThan(0);
                            expect(bytes.length).toBeLessThanOrEqual(frameData);
                            handed.push(Buffer.from(bytes));
                        }
                        wire.push(Buffer.from(framed.wire));
                    }
                    const done = Buffer.from('DONE\0\0\0\0', 'latin1');
                    expect(parse(Buffer.concat([...wire, done]), cuts).equals(Buffer.from(file))).toBe(true);
                    expect(Buffer.concat(handed).equals(Buffer.from(file))).toBe(true);
                },
            ),
        );
    });

    it('fills adb\'s 1 MiB payload exactly with sixteen frames', () => {
        const buffer = new SendBuffer();
        expect(buffer.bytes.length).toBe(MiB);
        expect(buffer.frame(16 * FRAME_DATA).wire.length).toBe(MiB);
    });
});

const rig = useVirtualAdb('sync-send');
const stored = (name: string): string => join(rig.dir, 'phone', 'fs', 'data', 'media', '0', name);
const options = { permission: 0o644, mtime: 1_700_000_000 };

async function sendHashed(adb: AdbPhone, path: string, from: SendSource, extra: Partial<Parameters<typeof syncSend>[3]> = {}): Promise<SyncSent> {
    const socket = await adb.adb.createSocket('sync:');
    try {
        return await syncSend(socket, path, from, { ...options, ...extra });
    } finally {
        await socket.close();
    }
}

async function send(adb: AdbPhone, path: string, from: SendSource, extra: Partial<Parameters<typeof syncSend>[3]> = {}): Promise<number> {
    return (await sendHashed(adb, path, from, extra)).bytes;
}

describe('sync SEND to the virtual phone', () => {
    it('stores the file whole around buffer and frame boundaries, with short reads, and reports what was sent', async () => {
        const adb = await rig.adb(await rig.phone('android'));
        const sizes = [0, 1, FRAME_DATA, FRAME_DATA + 1, 16 * FRAME_DATA, 16 * FRAME_DATA + 1, 2 * MiB + 333];
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...sizes), phoneReadLimits, async (size, limits) => {
                const file = randomBytes(size);
                const sent: number[] = [];
                const bytes = await send(adb, '/sdcard/sent.bin', source(file, limits), { onSent: (n) => sent.push(n) });
                expect(bytes).toBe(size);
                expect(sent.at(-1) ?? 0).toBe(size);
                expect(sent).toEqual([...sent].sort((a, b) => a - b));
                expect((await readFile(stored('sent.bin'))).equals(file)).toBe(true);
            }),
            { numRuns: 12 },
        );
    });

    it('hashes exactly the bytes sent, on a thread or in line, however the reads come', async () => {
        const adb = await rig.adb(await rig.phone('android'));
        const sizes = [0, 1, FRAME_DATA + 1, 16 * FRAME_DATA, 3 * MiB + 7];
        await fc.assert(
            fc.asyncProperty(
                fc.constantFrom(...sizes),
                fc.constantFrom('thread' as const, 'inline' as const),
                phoneReadLimits,
                async (size, hash, limits) => {
                    const file = randomBytes(size);
                    const sent = await sendHashed(adb, '/sdcard/hashed.bin', source(file, limits), { hash });
                    const expected = createHash('sha256').update(file).digest('hex');
                    expect(sent).toEqual({ bytes: size, sha256: expected });
                    expect(createHash('sha256').update(await readFile(stored('hashed.bin'))).digest('hex')).toBe(expected);
                },
            ),
            { numRuns: 10 },
        );
        expect((await sendHashed(adb, '/sdcard/plain.bin', source(randomBytes(10)))).sha256).toBeUndefined();
    });

    it("gives the phone's own words when it refuses the file", async () => {
        const adb = await rig.adb(await rig.phone('android'));
        await send(adb, '/sdcard/folder/inside.bin', source(randomBytes(10)));
        const refused = await send(adb, '/sdcard/folder', source(randomBytes(3 * MiB))).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(SyncFailError);
        expect((refused as Error).message).toBe("couldn't create file: Is a directory");
    });

    it('a stop mid-file ends the stream: the phone drops the half file, and the connection sends the next one', async () => {
        const adb = await rig.adb(await rig.phone('android'));
        const controller = new AbortController();
        const stopped = send(adb, '/sdcard/big.bin', source(randomBytes(8 * MiB)), {
            signal: controller.signal,
            onSent: (n) => {
                if (n >= 2 * MiB) controller.abort(new Error('stopped by the test'));
            },
        });
        await expect(stopped).rejects.toThrow('stopped by the test');
        // adbd unlinks a file whose transfer ended before DONE.
        await expect.poll(() => stat(stored('big.bin')).then(() => 'there', () => 'gone'), { timeout: 10_000 }).toBe('gone');
        const next = randomBytes(MiB + 5);
        expect(await send(adb, '/sdcard/next.bin', source(next))).toBe(next.length);
        expect((await readFile(stored('next.bin'))).equals(next)).toBe(true);
    });

    it('a cable pulled mid-file is an error, not a wait', async () => {
        const phone = await rig.phone('android');
        const adb = await rig.adb(phone);
        phone.faults.unplugAfterBytes = 3 * MiB;
        const cut = await send(adb, '/sdcard/cut.bin', source(randomBytes(8 * MiB))).catch((error: unknown) => error);
        expect(cut).toBeInstanceOf(Error);
        expect(cut).not.toBeInstanceOf(SyncFailError);
    });
});
