/**
 * Writing TWRP to a Samsung phone's recovery partition in download mode, for the upgrade and for
 * a backup or restore of a phone whose recovery is still Samsung's own. The phone stays in download
 * mode afterwards: it must start TWRP straight away (the stock firmware puts its own recovery back
 * when Android starts first).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { openRecoveryImage } from '../../../native/integrity/recovery-image.js';
import type { JobContext } from '../../../native/jobs/progress.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import { parsePit } from '../../../native/pit/pit.js';
import { resourcePath } from '../../../native/resources.js';
import type { ExpectedOdinPhone } from '../phone-link.js';
import type { PhoneModes } from './modes.js';

/** The recipe's PIT, so Odin refuses another Samsung model that shares the download-mode USB id. */
async function expectedOdinPhone(recipe: Recipe): Promise<ExpectedOdinPhone | undefined> {
    const file = recipe.pit;
    if (!file) return undefined;
    return { name: recipe.name, pit: parsePit(new Uint8Array(await readFile(resourcePath('pit', file))), file) };
}

/** Bring the phone to download mode and flash `image` to the recipe's recovery partition; `touch` runs just before the first byte is written. */
export async function writeRecoveryByOdin(modes: PhoneModes, recipe: Recipe, image: string, ctx: JobContext, touch: () => void): Promise<void> {
    const phone = await modes.ensure('download');
    const odin = await modes.odin(phone);
    try {
        // Samsung's TWRP often comes as an Odin tar: its recovery.img member streams from where it lies.
        const opened = await openRecoveryImage(image, ctx);
        const source = opened.member ? { stream: opened.bytes(), size: opened.size, name: `${opened.member} in ${basename(image)}` } : { path: image };
        touch();
        await odin.flash(recipe.recoveryPartition, source, ctx, await expectedOdinPhone(recipe));
    } finally {
        await odin.close();
    }
}
