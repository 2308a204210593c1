/**
 * The RECV answer cut into socket chunks at every place a socket may cut it: a frame header split
 * across chunks, a DATA frame spread over several, FAIL mid-file with its message split, bytes
 * after DONE. The parser must hand on exactly the file's bytes, or the phone's own FAIL words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyncFailError, SyncFrameError } from '../../../native/adb/sync-frame.js';
import { FILE_DONE, NEED_CHUNK, SyncRecvParser } from '../../../native/adb/sync-recv.js';

function frame(id: string, body: Uint8Array | number): Buffer {
    const length = typeof body === 'number' ? body : body.length;
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(length, 4);
    return typeof body === 'number' ? header : Buffer.concat([header, body]);
}

/** `bytes` cut at the given offsets (any order, duplicates give empty chunks). */
function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
    const points = [...at.map((p) => p % (bytes.length + 1))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let start = 0;
    for (const p of points) {
        chunks.push(bytes.subarray(start, p));
        start = p;
    }
    chunks.push(bytes.subarray(start));
    return chunks;
}

type Outcome = { data: Buffer; done: boolean; rest: Buffer; error?: unknown };

/** Runs the parser over the chunks as the reader does: next until NEED_CHUNK, then push. */
function parse(chunks: readonly Buffer[]): Outcome {
    const parser = new SyncRecvParser();
    const data: Buffer[] = [];
    let index = 0;
    try {
        for (;;) {
            const next = parser.next();
            if (next === FILE_DONE) return { data: Buffer.concat(data), done: true, rest: Buffer.from(parser.rest) };
            if (next === NEED_CHUNK) {
                const chunk = chunks[index++];
                if (!chunk) return { data: Buffer.concat(data), done: false, rest: Buffer.alloc(0) };
                parser.push(chunk);
                continue;
            }
            expect(next.length).toBeGreaterThan(0);
            data.push(Buffer.from(next));
        }
    } catch (error) {
        return { data: Buffer.concat(data), done: false, rest: Buffer.alloc(0), error };
    }
}

const pieces = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 6 });
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('sync RECV frames off socket chunks', () => {
    it('hands on exactly the DATA bytes, in any slicing, and stops at DONE', () => {
        fc.assert(
            fc.property(pieces, cuts, fc.uint8Array({ maxLength: 20 }), (files, at, after) => {
                const wire = Buffer.concat([...files.map((f) => frame('DATA', f)), frame('DONE', 0), after]);
                const outcome = parse(cut(wire, at));
                expect(outcome.error).toBeUndefined();
                expect(outcome.done).toBe(true);
                expect(outcome.data.equals(Buffer.concat(files))).toBe(true);
                // What came after DONE is left for the next reader of the session, not lost or taken.
                const consumed = wire.length - after.length;
                expect(outcome.rest.equals(wire.subarray(consumed).subarray(0, outcome.rest.length))).toBe(true);
            }),
        );
    });

    it('FAIL mid-file gives the phone its own words, after the bytes before it', () => {
        fc.assert(
            fc.property(pieces, cuts, fc.string({ maxLength: 80 }), (files, at, message) => {
                const before = Buffer.concat(files);
                const wire = Buffer.concat([...files.map((f) => frame('DATA', f)), frame('FAIL', Buffer.from(message, 'utf8'))]);
                const outcome = parse(cut(wire, at));
                expect(outcome.error).toBeInstanceOf(SyncFailError);
                expect((outcome.error as Error).message).toBe(message);
                expect(outcome.data.equals(before)).toBe(true);
            }),
        );
    });

    it('a connection that ends mid-frame is not a complete file', () => {
        fc.assert(
            fc.property(pieces, cuts, fc.nat(), (files, at, keep) => {
                const wire = Buffer.concat([...files.map((f) => frame('DATA', f)), frame('DONE', 0)]);
                const short = wire.subarray(0, keep % wire.length);
                const outcome = parse(cut(short, at));
                expect(outcome.done).toBe(false);
                expect(outcome.error).toBeUndefined();
                expect(Buffer.concat(files).subarray(0, outcome.data.length).equals(outcome.data)).toBe(true);
            }),
        );
    });

    it('refuses a frame RECV has no place for, naming it', () => {
        const outcome = parse([Buffer.concat([frame('DATA', Buffer.from('ab')), frame('DENT', 0)])]);
        expect(outcome.error).toBeInstanceOf(SyncFrameError);
        expect((outcome.error as Error).message).toContain('DENT');
        expect(outcome.data.toString()).toBe('ab');
    });

    it('refuses a FAIL claiming a message too long to be one, without buffering it', () => {
        const outcome = parse([frame('FAIL', 0x7fffffff)]);
        expect(outcome.error).toBeInstanceOf(SyncFrameError);
    });
});

describe('sync frames as the virtual adbd reads a SEND with the same parser', () => {
    it('gives the time DONE carries, in any slicing', () => {
        fc.assert(
            fc.property(pieces, cuts, fc.integer({ min: 0, max: 0xffffffff }), (bodies, at, mtime) => {
                const parser = new SyncRecvParser();
                const chunks = cut(Buffer.concat([...bodies.map((body) => frame('DATA', body)), frame('DONE', mtime)]), at);
                let index = 0;
                for (let next = parser.next(); next !== FILE_DONE; next = parser.next()) if (next === NEED_CHUNK) parser.push(chunks[index++] ?? Buffer.alloc(0));
                expect(parser.mtime).toBe(mtime);
            }),
        );
    });

    it('refuses a DATA frame longer than sync allows, without waiting for its bytes', () => {
        const outcome = parse([frame('DATA', 64 * 1024 + 1)]);
        expect(outcome.error).toBeInstanceOf(SyncFrameError);
        expect(String(outcome.error)).toMatch(/65537 bytes/);
    });
});
