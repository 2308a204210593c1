/** Streaming SHA-256 of a file on disk with byte progress: never the whole file in memory. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ReviveError } from '../../native/jobs/errors.js';
import type { ProgressFacts } from '../../native/jobs/progress.js';

export async function sha256File(
    path: string,
    options: { signal?: AbortSignal; onProgress?: (facts: ProgressFacts) => void } = {},
): Promise<{ sha256: string; sizeBytes: number }> {
    let sizeBytes: number;
    try {
        const info = await stat(path);
        if (!info.isFile()) throw new Error('not a regular file');
        sizeBytes = info.size;
    } catch (error) {
        throw new ReviveError(
            { code: 'file-unreadable', message: `Revive cannot read the file ${path}: ${(error as Error).message}.`, nextStep: 'Pick the file again; check that it is still there and that you may read it.' },
            { cause: error },
        );
    }
    const hash = createHash('sha256');
    let done = 0;
    const stream = createReadStream(path, { highWaterMark: 1 << 20, signal: options.signal });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        done += chunk.length;
        options.onProgress?.({ step: 'verify', bytesDone: done, bytesTotal: sizeBytes, cancellable: true });
    }
    if (done === 0) options.onProgress?.({ step: 'verify', bytesDone: 0, bytesTotal: 0, cancellable: true });
    return { sha256: hash.digest('hex'), sizeBytes: done };
}
