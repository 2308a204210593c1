/**
 * The virtual phone's filesystem as adbd and TWRP see it: device paths map onto files under
 * `stateDir/fs/`, with Android's storage aliases (/sdcard, /storage/emulated/0, /storage/self/primary)
 * pointing at /data/media/0 as on a single-user phone.
 */
import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';

const ALIASES: ReadonlyArray<readonly [string, string]> = [
    ['/sdcard', '/data/media/0'],
    ['/storage/emulated/0', '/data/media/0'],
    ['/storage/self/primary', '/data/media/0'],
    ['/mnt/sdcard', '/data/media/0'],
];

export class VirtualFs {
    readonly root: string;

    constructor(stateDir: string) {
        this.root = join(stateDir, 'fs');
    }

    /** A device path in canonical form (absolute, normalised, aliases resolved). */
    canonical(devicePath: string, cwd = '/'): string {
        let path = posix.normalize(devicePath.startsWith('/') ? devicePath : posix.join(cwd, devicePath));
        if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
        for (const [alias, target] of ALIASES) {
            if (path === alias || path.startsWith(`${alias}/`)) return target + path.slice(alias.length);
        }
        return path;
    }

    /** Where a device path lives on the computer; normalisation keeps it inside the root. */
    hostPath(devicePath: string, cwd = '/'): string {
        return join(this.root, this.canonical(devicePath, cwd));
    }

    /** The directories every Android phone has, so tools find what they expect. */
    async ensureLayout(): Promise<void> {
        for (const dir of ['/data/media/0', '/data/local/tmp', '/data/app', '/cache/recovery', '/system', '/tmp']) {
            await mkdir(this.hostPath(dir), { recursive: true });
        }
    }
}
