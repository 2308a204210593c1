/** Streaming SHA-256: one read per file, progress in bytes, abortable between chunks. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';

export interface FileDigest {
    readonly path: string;
    readonly sizeBytes: number;
    readonly sha256: string;
}

const CHUNK = 1 << 20;

export async function hashFile(path: string, ctx: JobContext = {}, step = `verify:${basename(path)}`): Promise<FileDigest> {
    let sizeBytes: number;
    try {
        sizeBytes = (await stat(path)).size;
    } catch (error) {
        throw new ReviveError(
            {
                code: 'file-missing',
                message: `The file ${path} cannot be read.`,
                nextStep: 'Check the file name and that the file is still there (an unplugged USB stick?), then try again.',
                details: { file: path },
            },
            { cause: error },
        );
    }
    const hash = createHash('sha256');
    let done = 0;
    ctx.onProgress?.({ step, bytesDone: 0, bytesTotal: sizeBytes, cancellable: true });
    const stream = createReadStream(path, { highWaterMark: CHUNK });
    try {
        for await (const chunk of stream) {
            if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
            const bytes = chunk as Buffer;
            hash.update(bytes);
            done += bytes.length;
            ctx.onProgress?.({ step, bytesDone: done, bytesTotal: sizeBytes, cancellable: true });
        }
    } finally {
        stream.destroy();
    }
    return { path, sizeBytes: done, sha256: hash.digest('hex') };
}

export function hashBytes(data: Uint8Array): string {
    return createHash('sha256').update(data).digest('hex');
}
