/**
 * minadbd's `sideload-host:SIZE:BLOCKSIZE`: the phone asks for blocks by 8-digit index (the zip's
 * end first, as recovery reads the central directory before the rest, then in order), writes them to
 * its /sideload/package.zip, installs it, and ends the stream with `DONEDONE` or `FAILFAIL`.
 * Either way recovery goes back to its menu (adbd restarts in recovery mode).
 */
import { open, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext } from './adbd-service.js';
import type { AdbdStream } from './adbd-stream.js';
import { installPackage } from './twrp-install.js';

const encoder = new TextEncoder();

export async function runSideloadService(stream: AdbdStream, context: ServiceContext, args: string): Promise<void> {
    const [sizeText = '', blockText = ''] = args.split(':');
    const size = Number(sizeText);
    const blockSize = Number(blockText);
    if (!Number.isSafeInteger(size) || size <= 0 || !Number.isSafeInteger(blockSize) || blockSize <= 0 || blockSize > 1024 * 1024) {
        context.phone.log(`minadbd: bad sideload-host arguments ${args}`);
        return;
    }
    const dir = join(context.phone.stateDir, 'sideload');
    await mkdir(dir, { recursive: true });
    const packagePath = join(dir, 'package.zip');
    const blocks = Math.ceil(size / blockSize);
    const order = blocks > 1 ? [blocks - 1, ...Array.from({ length: blocks }, (_, i) => i)] : [0];
    const handle = await open(packagePath, 'w');
    let complete = false;
    try {
        for (const index of order) {
            await stream.write(encoder.encode(String(index).padStart(8, '0')));
            const length = Math.min(blockSize, size - index * blockSize);
            let filled = 0;
            while (filled < length) {
                const piece = await stream.readExactly(Math.min(length - filled, 256 * 1024));
                await handle.write(piece, 0, piece.length, index * blockSize + filled);
                filled += piece.length;
            }
        }
        complete = true;
    } finally {
        await handle.close();
        if (!complete) await rm(packagePath, { force: true });
    }
    const outcome = await installPackage(packagePath, 'package.zip', context);
    await rm(packagePath, { force: true });
    await stream.write(encoder.encode(outcome.ok ? 'DONEDONE' : 'FAILFAIL'));
    await stream.flush();
    stream.close();
    context.rebootSoon('recovery');
}
