/** Virtual phones in bootloader mode for fastboot tests, with a small max-download-size so splitting stays fast. */
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { requireRecipe } from '../../../native/manifests/load.js';
import type { OwnerChoice } from '../../../native/virtual/owner.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';

export const SMALL_MAX_DOWNLOAD = 1024 * 1024;

export async function bootloaderPhone(codename: string, options: { maxDownload?: number; owner?: OwnerChoice; stateDir?: string } = {}): Promise<VirtualPhone> {
    const recipe = structuredClone(requireRecipe(codename));
    recipe.virtual.maxDownloadSizeBytes = options.maxDownload ?? SMALL_MAX_DOWNLOAD;
    return VirtualPhone.create({ recipe, mode: 'bootloader', owner: options.owner ?? 'accept', stateDir: options.stateDir, enumerationDelayMs: 20 });
}

/**
 * A raw image of whole 4 KiB blocks: random data with a zero hole and a filled region, starting with
 * the `ANDROID!` magic when `bootImage` is set (what `fastboot boot` accepts).
 */
export async function makeImage(path: string, blocks: number, options: { bootImage?: boolean } = {}): Promise<void> {
    const handle = await open(path, 'w');
    try {
        for (let block = 0; block < blocks; block++) {
            let bytes: Buffer;
            if (block % 16 >= 10 && block % 16 < 13) bytes = Buffer.alloc(4096);
            else if (block % 16 === 13) bytes = Buffer.alloc(4096, 0xab);
            else bytes = randomBytes(4096);
            if (block === 0 && options.bootImage) bytes.write('ANDROID!', 0, 'latin1');
            await handle.write(bytes);
        }
    } finally {
        await handle.close();
    }
}
