/**
 * The phone's partitions as block devices, the way careful people back up what TWRP's command line
 * cannot name (EFS, persist): `/dev/block/bootdevice/by-name/<name>` and, on older Qualcomm
 * phones, `/dev/block/platform/msm_sdcc.1/by-name/<name>`, with lowercase names as Qualcomm
 * Samsungs have them (`efs`, `boot`, `userdata`). Readable in recovery only (TWRP's shell is root;
 * Android's shell user gets "Permission denied"), through sync STAT/RECV and the shell (`ls`,
 * `cat`, `sha256sum`).
 *
 * Choice: a device serves the partition store's stored bytes, not the full partition size. A real
 * `cat` of userdata would be gigabytes, mostly the zeros past what was written; the stored bytes
 * are what the phone holds and what TWRP's virtual backups hold too. STAT reports that length as
 * the size (a real kernel says 0 for block devices; hosts must cope with both) and the mode as a
 * block device. The entries are listed as block devices, not as the symlinks to mmcblk0pN they
 * are on a real phone.
 */
import type { ServiceContext } from './adbd-service.js';

export const BY_NAME_DIRS = ['/dev/block/bootdevice/by-name', '/dev/block/platform/msm_sdcc.1/by-name'] as const;

const CHUNK = 1024 * 1024;

export const S_IFBLK = 0o060000;

/** The store's name of the partition behind `/dev/block/…/by-name/<name>`, if the path is one. */
export function blockPartition(context: ServiceContext, devicePath: string): string | undefined {
    const path = context.fs.canonical(devicePath);
    for (const dir of BY_NAME_DIRS) {
        if (!path.startsWith(`${dir}/`)) continue;
        const name = path.slice(dir.length + 1);
        if (name.includes('/')) return undefined;
        return context.phone.partitions.names().find((p) => p.toLowerCase() === name);
    }
    return undefined;
}

/** A by-name directory: the lowercase names of every partition. */
export function isByNameDir(context: ServiceContext, devicePath: string): boolean {
    const path = context.fs.canonical(devicePath);
    return BY_NAME_DIRS.some((dir) => dir === path);
}

export function byNameEntries(context: ServiceContext): string[] {
    return context.phone.partitions
        .names()
        .map((n) => n.toLowerCase())
        .sort();
}

/** Android's shell user may not read block devices; TWRP runs as root. */
export function canReadBlocks(context: ServiceContext): boolean {
    return context.mode === 'recovery';
}

export function blockLength(context: ServiceContext, partition: string): Promise<number> {
    return context.phone.partitions.storedLength(partition);
}

/** The partition's stored bytes, a chunk at a time (never the whole image in memory). */
export async function* readBlock(context: ServiceContext, partition: string): AsyncGenerator<Uint8Array> {
    yield* blockRange(context, partition, 0, await blockLength(context, partition));
}

/** `length` stored bytes of a partition from `start`, a chunk at a time (dd's `if=` on a block device). */
export async function* blockRange(context: ServiceContext, partition: string, start: number, length: number): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < length; offset += CHUNK) {
        yield await context.phone.partitions.read(partition, start + offset, Math.min(CHUNK, length - offset));
    }
}
