/**
 * Where a flashed file's bytes come from: a file on disk or a stream of known size (a member of a
 * firmware archive being unpacked). Read part by part into fresh buffers (the transport may keep a
 * buffer until the device has taken it), never the whole image in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from '../files/read-limited.js';
import { ReviveError } from '../jobs/errors.js';

export type FlashSource =
    | { readonly path: string }
    | { readonly stream: AsyncIterable<Uint8Array>; readonly size: number; readonly name?: string | undefined };

export interface ChunkReader {
    readonly size: number;
    /** The next `length` bytes in a buffer of exactly `length` bytes, zero-padded past the end of the data; returns the count of real bytes. */
    readPadded(length: number): Promise<{ data: Uint8Array; bytes: number }>;
    close(): Promise<void>;
}

export function describeSource(source: FlashSource): string {
    return 'path' in source ? source.path : source.name ?? 'the stream';
}

class FileReader implements ChunkReader {
    #position = 0;
    constructor(readonly handle: FileHandle, readonly size: number, readonly path: string) {}

    async readPadded(length: number): Promise<{ data: Uint8Array; bytes: number }> {
        const data = new Uint8Array(length);
        const want = Math.min(length, this.size - this.#position);
        let got = 0;
        while (got < want) {
            const { bytesRead } = await this.handle.read(data, got, want - got, this.#position + got);
            if (bytesRead === 0) {
                throw ReviveError.of('odin-source-short', { variant: 'changed', file: this.path, bytes: this.#position + got, size: this.size });
            }
            got += bytesRead;
        }
        this.#position += got;
        return { data, bytes: got };
    }

    close(): Promise<void> {
        return this.handle.close();
    }
}

class StreamReader implements ChunkReader {
    readonly #iterator: AsyncIterator<Uint8Array>;
    #pending: Uint8Array = new Uint8Array(0);
    #position = 0;
    constructor(stream: AsyncIterable<Uint8Array>, readonly size: number, readonly name: string) {
        this.#iterator = stream[Symbol.asyncIterator]();
    }

    async readPadded(length: number): Promise<{ data: Uint8Array; bytes: number }> {
        const data = new Uint8Array(length);
        const want = Math.min(length, this.size - this.#position);
        let got = 0;
        while (got < want) {
            if (this.#pending.length === 0) {
                const next = await this.#iterator.next();
                if (next.done) {
                    throw ReviveError.of('odin-source-short', { variant: 'damaged', file: this.name, bytes: this.#position + got, size: this.size });
                }
                this.#pending = next.value;
                continue;
            }
            const take = Math.min(want - got, this.#pending.length);
            data.set(this.#pending.subarray(0, take), got);
            this.#pending = this.#pending.subarray(take);
            got += take;
        }
        this.#position += got;
        return { data, bytes: got };
    }

    async close(): Promise<void> {
        await this.#iterator.return?.();
    }
}

export async function openSource(source: FlashSource): Promise<ChunkReader> {
    if ('path' in source) {
        const { handle, size } = await openRegularFile(source.path, 'image');
        return new FileReader(handle, size, source.path);
    }
    return new StreamReader(source.stream, source.size, source.name ?? 'the stream');
}
