/**
 * A whole pass over a sparse image file before any of it is sent: every chunk header, size and
 * type, RAW data present, the block count the header claims, nothing after the last chunk, and
 * every CRC32 chunk against the data before it. A bootloader that finds such damage half-way
 * leaves the partition partly written; this finds it first.
 */
import { createReadStream } from 'node:fs';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { readSparse } from './reader.js';

export async function validateSparseFile(path: string, ctx: JobContext = {}): Promise<void> {
    const step = 'verify:sparse';
    try {
        for await (const event of readSparse(createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>, { verifyCrc: true, source: path, requireEnd: true })) {
            ctx.signal?.throwIfAborted();
            if (event.kind === 'header') ctx.onProgress?.({ step, bytesDone: 0, bytesTotal: event.header.totalBlocks * event.header.blockSize, cancellable: true });
        }
    } catch (error) {
        if (!(error instanceof ReviveError) || error.code !== 'sparse-invalid') throw error;
        // The same problem, said before anything left: the words add that nothing was sent.
        throw new ReviveError('sparse-refused', error.facts, { cause: error });
    }
}
