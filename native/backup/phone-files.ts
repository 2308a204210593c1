/**
 * Files on the phone as streams over adb sync, for the backup engine: list a tree, read a file as
 * chunks, write a file from chunks. Nothing is buffered beyond a few chunks.
 */
import { AdbSync, adbSyncPullGenerator } from '@yume-chan/adb';
import { ReadableStream } from '@yume-chan/stream-extra';
import { disconnectedError, type AdbActivity, type AdbPhone } from '../adb/phone.js';

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
 * The library's sync session, reading files through its own pull generator rather than the web
 * stream `read` wraps it in: a 2 GiB backup is 32768 chunks, and each wrapper layer cost a
 * reader, a queue and promises per chunk.
 */
class PhoneSync extends AdbSync {
    pull(path: string): AsyncGenerator<Uint8Array, void, void> {
        return adbSyncPullGenerator(this._socket, path);
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

    async take(): Promise<Uint8Array | undefined> {
        while (this.#items.length === 0 && !this.#closed) await new Promise<void>((resolve) => (this.#readerWaiting = resolve));
        const chunk = this.#items.shift();
        this.#writerWaiting?.();
        return chunk;
    }
}

/** A file on the phone written chunk by chunk (sync SEND); `end` waits until the phone has it all. */
export class PhoneFileWriter {
    readonly #channel = new ChunkChannel();
    readonly #done: Promise<void>;
    readonly #path: string;

    private constructor(path: string, start: (file: ReadableStream<Uint8Array>) => Promise<void>) {
        this.#path = path;
        const channel = this.#channel;
        const file = new ReadableStream<Uint8Array>({
            async pull(controller) {
                const chunk = await channel.take();
                if (chunk) controller.enqueue(chunk);
                else controller.close();
            },
        });
        this.#done = start(file);
        this.#done.catch(() => undefined);
    }

    static async open(phone: AdbPhone, path: string): Promise<PhoneFileWriter> {
        let sync: AdbSync;
        try {
            sync = await phone.adb.sync();
        } catch (error) {
            throw disconnectedError({ activity: 'write', remote: path }, error);
        }
        // A cut cable does not always fail the sync stream itself: the connection's end does.
        const cut = phone.disconnected.then(() => Promise.reject(new Error('the phone was disconnected')));
        cut.catch(() => undefined);
        return new PhoneFileWriter(path, (file) => Promise.race([sync.write({ filename: path, file, permission: 0o644 }), cut]).finally(() => sync.dispose().catch(() => undefined)));
    }

    async write(chunk: Uint8Array): Promise<void> {
        try {
            await Promise.race([this.#channel.put(chunk), this.#done.then(() => Promise.reject(new Error('the phone closed the file early')))]);
        } catch (error) {
            throw disconnectedError({ activity: 'write', remote: this.#path }, error);
        }
    }

    async end(): Promise<void> {
        this.#channel.close();
        try {
            await this.#done;
        } catch (error) {
            throw disconnectedError({ activity: 'write', remote: this.#path }, error);
        }
    }
}
