/**
 * The files that open a backup — an age identity file, a passphrase file — named on the command
 * line, picked in the app or kept by the shop: a link to /dev/zero, a FIFO or a sparse 10 GiB file is
 * refused at once with an error naming the file; nothing waits on it or reads it into memory.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { initShop, shopBackupKeys } from '../../../electron/shop/shop.js';
import { makeSpecialFile, REFUSED_AS, SPECIAL_FILES } from '../../support/special-files.js';
import { refusalOf } from '../../support/refusal.js';
import { runCli } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-key-files-');
let archive: string;
let backend: Backend;

beforeAll(() => {
    // Never opened: the key is read (and refused) before the archive is.
    archive = join(temp.dir, 'home', 'backups', 'ks01ltexx-RF1D40TEST-2026-03-01T12-00-00.tar.age');
    mkdirSync(dirname(archive), { recursive: true });
    backend = createBackend({ home: temp.home, localUsb: false, onNotice: () => undefined });
});
afterAll(async () => {
    await backend?.close();
});

describe.each(SPECIAL_FILES)('a key file that is %s', (kind) => {
    it.each(['--identity', '--passphrase-file'])('is refused by `revive backup verify %s`, naming it', async (option) => {
        const file = makeSpecialFile(kind, join(temp.dir, `${option.slice(2)}-${kind}`));
        const run = await runCli(['backup', 'verify', archive, option, file]);
        expect(run.code).toBe(1);
        expect(run.err).toContain(file);
        expect(run.err).toMatch(REFUSED_AS[kind]);
    });

    it('as the shop’s backup identity leaves the counter without a backup key', async () => {
        const shop = await initShop(join(temp.dir, `shop-${kind}`), 'Fix & Go');
        rmSync(shop.backupIdentityFile);
        makeSpecialFile(kind, shop.backupIdentityFile);
        const error = await refusalOf(shopBackupKeys(shop));
        expect(error).toMatchObject({ code: 'shop-no-backup-key' });
        expect(String(error.cause)).toMatch(REFUSED_AS[kind]);
    });
});

describe('the identity file picked in the app', () => {
    it('is refused when it is huge (a picked file is a regular file, but may be any size) or became a pipe', async () => {
        writeFileSync(archive, 'not opened');
        const huge = makeSpecialFile('huge', join(temp.dir, 'picked-huge.txt'));
        const picked = join(temp.dir, 'picked.txt');
        writeFileSync(picked, '# an identity\n');
        const refs = { huge: await backend.uploads.grant(huge), swapped: await backend.uploads.grant(picked) };
        // Picked as a file, then replaced by a pipe before it is read.
        rmSync(picked);
        makeSpecialFile('fifo', picked);
        const backupId = archive.split('/').at(-1);
        for (const [name, identity] of Object.entries(refs)) {
            const result = await backend.call('verifyBackup', { jobId: `v-${name}`, backupId, unlock: { identity } });
            expect(result.ok).toBe(false);
            if (result.ok) continue;
            expect(result.error.code).toBe(name === 'huge' ? 'file-too-large' : 'file-not-regular');
            expect(result.error.facts).toMatchObject({ file: name === 'huge' ? huge : picked, kind: 'age-identity' });
        }
    });
});
