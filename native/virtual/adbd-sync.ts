/**
 * The `sync:` service, protocol v1 (STAT, LIST, SEND, RECV, QUIT), over the phone's VirtualFs.
 * Requests are `id(4) + u32 length + path`; the stream is a byte stream, so a request may span
 * WRTEs and one WRTE may carry several. Files stream through a handle: nothing is held whole.
 */
import { appendFile, open, mkdir, readdir, rm, stat, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FRAME_HEADER, SYNC_DATA_MAX, SyncId } from '../adb/sync-frame.js';
import { FILE_DONE, NEED_CHUNK, SyncRecvParser } from '../adb/sync-recv.js';
import { SendBuffer } from '../adb/sync-send.js';
import type { ServiceContext } from './adbd-service.js';
import { StreamClosedError, type AdbdStream } from './adbd-stream.js';
import { blockLength, blockPartition, byNameEntries, canReadBlocks, isByNameDir, readBlock, S_IFBLK } from './adbd-block.js';

/** A pushed file's bytes are written once this much has come, or everything that has come is taken. */
const WRITE_BATCH = 1024 * 1024;
/** …or this many pieces (a writev takes at most IOV_MAX, 1024 on Linux). */
const MAX_WRITE_PIECES = 256;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function words(...values: number[]): Uint8Array {
    const out = new Uint8Array(values.length * 4);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
    return out;
}

function failMessage(message: string): Uint8Array {
    const text = new TextEncoder().encode(message);
    const out = new Uint8Array(FRAME_HEADER + text.length);
    out.set(words(SyncId.FAIL, text.length), 0);
    out.set(text, FRAME_HEADER);
    return out;
}

async function statWords(hostPath: string): Promise<[number, number, number]> {
    try {
        const info = await stat(hostPath);
        const mode = (info.isDirectory() ? S_IFDIR | 0o771 : S_IFREG | 0o660) >>> 0;
        return [mode, Math.min(info.size, 0xffffffff), Math.floor(info.mtimeMs / 1000)];
    } catch {
        return [0, 0, 0];
    }
}

/**
 * SEND as adbd does it (file_sync_service.cpp, handle_send_file): a regular file at the path is
 * unlinked, the path created and written in place in order, and unlinked again if the transfer
 * fails, so bytes below the file's current size are final while the transfer runs.
 */
async function receiveFile(stream: AdbdStream, context: ServiceContext, spec: string): Promise<void> {
    const comma = spec.lastIndexOf(',');
    const remote = comma >= 0 ? spec.slice(0, comma) : spec;
    const hostPath = context.fs.hostPath(remote);
    // Where a push is: a test stops the computer's side at a chosen file by this line.
    context.phone.log(`sync: receiving ${remote}`);
    let failure: string | undefined;
    try {
        await mkdir(dirname(hostPath), { recursive: true });
        const info = await stat(hostPath).catch(() => undefined);
        if (info?.isDirectory()) failure = `couldn't create file: Is a directory`;
        else if (info) await rm(hostPath, { force: true });
    } catch (error) {
        failure = `secure_mkdirs() failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    const handle = failure ? undefined : await open(hostPath, 'wx');
    let done = false;
    try {
        // The frames are cut out of the pieces the host wrote (by the client's own RECV parser,
        // ../adb/sync-recv.ts: DATA and DONE are laid out alike both ways), and their file bytes
        // written with one writev once what has come is taken (a WRTE, up to 1 MiB): the same bytes
        // in the same order as a write per frame, which cost the phone's one thread a file system
        // call per 64 KiB (about 0.35 s of CPU per 512 MiB).
        const parser = new SyncRecvParser();
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        const flush = async (): Promise<void> => {
            if (handle && pending.length > 0) await writeAll(handle, pending);
            pending = [];
            pendingBytes = 0;
        };
        for (;;) {
            const chunk = await stream.read();
            if (!chunk) throw new StreamClosedError(`stream ${stream.service} closed during SEND`);
            parser.push(chunk);
            let next = parser.next();
            for (; next !== NEED_CHUNK && next !== FILE_DONE; next = parser.next()) {
                pending.push(next);
                pendingBytes += next.length;
                if (pending.length >= MAX_WRITE_PIECES) await flush();
            }
            if (next === NEED_CHUNK) {
                if (!stream.hasUnread || pendingBytes >= WRITE_BATCH) await flush();
                continue;
            }
            await flush();
            // What came after DONE is the session's next request.
            stream.unread(parser.rest);
            if (handle) {
                await handle.close();
                await utimes(hostPath, parser.mtime, parser.mtime).catch(() => undefined);
            }
            done = true;
            await stream.write(failure ? failMessage(failure) : words(SyncId.OKAY, 0));
            return;
        }
    } finally {
        if (!done && handle) {
            await handle.close().catch(() => undefined);
            await rm(hostPath, { force: true });
        }
    }
}

/** Every byte of `pieces`, in order; a short write (a full disk) fails the transfer. */
async function writeAll(handle: FileHandle, pieces: Uint8Array[]): Promise<void> {
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    const { bytesWritten } = await handle.writev(pieces);
    if (bytesWritten !== length) throw new Error(`wrote ${bytesWritten} of ${length} bytes`);
}

/** What an app still writing a file adds to it (the `changeAfterPull` fault): the rest of a photo, say. */
const STILL_WRITTEN = new Uint8Array(4096).fill(0x5a);

/**
 * The `changeAfterPull` fault: an app still writing the file (a camera, a download) adds to it
 * once adbd has read it to its end, so the copy the host got is no longer what the phone holds
 * and the phone's `sha256sum` of it says so. One-shot.
 */
async function changeIfStillWritten(context: ServiceContext, devicePath: string): Promise<void> {
    const wanted = context.phone.faults.changeAfterPull;
    if (wanted === undefined || context.fs.canonical(wanted) !== context.fs.canonical(devicePath)) return;
    context.phone.faults.changeAfterPull = undefined;
    await appendFile(context.fs.hostPath(devicePath), STILL_WRITTEN);
    context.phone.log(`fault: ${devicePath} changed after it was read (an app was still writing it)`);
}

async function sendFile(stream: AdbdStream, hostPath: string, maxPayload: number, afterRead?: () => Promise<void>): Promise<void> {
    let handle;
    try {
        handle = await open(hostPath, 'r');
        if ((await handle.stat()).isDirectory()) throw new Error('Is a directory');
    } catch (error) {
        await handle?.close();
        const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'No such file or directory' : error instanceof Error ? error.message : String(error);
        await stream.write(failMessage(reason));
        return;
    }
    // Pack several DATA chunks into one WRTE: fewer round trips than one chunk per WRTE.
    const perWrite = Math.max(1, Math.floor(maxPayload / (SYNC_DATA_MAX + FRAME_HEADER)));
    const opened = handle;
    const readBatch = (): Promise<ReadBatch> => {
        const reading = readFrames(opened, perWrite);
        // Heard when it is awaited; a failure while the WRTE before it waits is not unhandled.
        reading.catch(() => undefined);
        return reading;
    };
    // The next WRTE's frames are read while this one waits for the host's OKAY, as adbd's sync
    // thread reads on while the socket to its transport holds what it wrote.
    let next = readBatch();
    try {
        for (;;) {
            const batch = await next;
            if (batch.frames.length > 0) {
                if (!batch.ended) next = readBatch();
                await stream.write(batch.frames);
            }
            if (batch.ended) break;
        }
        // Before DONE: once the host has its copy, the phone's file is already what it is now.
        await afterRead?.();
        await stream.write(words(SyncId.DONE, 0));
    } finally {
        // A read still under way (the host went away mid-file) finishes before the file closes.
        await next.catch(() => undefined);
        await handle.close();
    }
}

interface ReadBatch {
    /** DATA frames, each SYNC_DATA_MAX bytes but the last. */
    readonly frames: Uint8Array;
    /** The file's end was reached. */
    readonly ended: boolean;
}

/**
 * Up to `count` DATA frames of the file's next bytes, read with one readv straight behind their
 * headers: one trip to the thread pool per WRTE rather than one per 64 KiB frame. A short read
 * is the file's end; the frames are the ones adbd sends, one read() per frame.
 */
async function readFrames(handle: FileHandle, count: number): Promise<ReadBatch> {
    // A fresh buffer each time: the WRTE keeps it until the host has it.
    const buffer = new SendBuffer(SYNC_DATA_MAX, count);
    const { bytesRead } = await handle.readv(buffer.slots);
    return { frames: buffer.frame(bytesRead).wire, ended: bytesRead < count * SYNC_DATA_MAX };
}

/** STAT of a device path: partitions' block devices first, then the phone's files. */
async function statPath(context: ServiceContext, devicePath: string): Promise<[number, number, number]> {
    const partition = blockPartition(context, devicePath);
    if (partition) return [(S_IFBLK | 0o600) >>> 0, Math.min(await blockLength(context, partition), 0xffffffff), 0];
    if (isByNameDir(context, devicePath)) return [(S_IFDIR | 0o755) >>> 0, 0, 0];
    return statWords(context.fs.hostPath(devicePath));
}

/** RECV of a partition's block device: its stored bytes in DATA chunks. */
async function sendBlock(stream: AdbdStream, context: ServiceContext, partition: string): Promise<void> {
    if (!canReadBlocks(context)) {
        await stream.write(failMessage('Permission denied'));
        return;
    }
    for await (const data of readBlock(context, partition)) {
        for (let at = 0; at < data.length; at += SYNC_DATA_MAX) {
            const piece = data.subarray(at, Math.min(at + SYNC_DATA_MAX, data.length));
            const packet = new Uint8Array(FRAME_HEADER + piece.length);
            packet.set(words(SyncId.DATA, piece.length), 0);
            packet.set(piece, FRAME_HEADER);
            await stream.write(packet);
        }
    }
    await stream.write(words(SyncId.DONE, 0));
}

async function listDir(stream: AdbdStream, context: ServiceContext, devicePath: string): Promise<void> {
    const hostPath = context.fs.hostPath(devicePath);
    const byName = isByNameDir(context, devicePath);
    const names = byName ? byNameEntries(context) : await readdir(hostPath).catch(() => [] as string[]);
    for (const name of ['.', '..', ...names]) {
        const [mode, size, mtime] = byName && name !== '.' && name !== '..' ? await statPath(context, `${devicePath}/${name}`) : await statWords(join(hostPath, name));
        const nameBytes = new TextEncoder().encode(name);
        const entry = new Uint8Array(20 + nameBytes.length);
        entry.set(words(SyncId.DENT, mode, size, mtime, nameBytes.length), 0);
        entry.set(nameBytes, 20);
        await stream.write(entry);
    }
    await stream.write(words(SyncId.DONE, 0, 0, 0, 0));
}

export async function runSyncService(stream: AdbdStream, context: ServiceContext): Promise<void> {
    for (;;) {
        const header = await stream.readExactly(FRAME_HEADER).catch(() => undefined);
        if (!header) return;
        const view = new DataView(header.buffer, header.byteOffset, 8);
        const kind = view.getUint32(0, true);
        const length = view.getUint32(4, true);
        if (kind === SyncId.QUIT) {
            await stream.write(words(SyncId.QUIT, 0));
            return;
        }
        if (length > 1024) throw new Error('sync path too long');
        const path = new TextDecoder().decode(await stream.readExactly(length));
        switch (kind) {
            case SyncId.STAT:
                await stream.write(words(SyncId.STAT, ...(await statPath(context, path))));
                break;
            case SyncId.LIST:
                await listDir(stream, context, path);
                break;
            case SyncId.SEND:
                await receiveFile(stream, context, path);
                break;
            case SyncId.RECV: {
                const partition = blockPartition(context, path);
                if (partition) await sendBlock(stream, context, partition);
                else await sendFile(stream, context.fs.hostPath(path), stream.maxPayloadHint, () => changeIfStillWritten(context, path));
                break;
            }
            default:
                await stream.write(failMessage('unknown sync command'));
                return;
        }
    }
}
