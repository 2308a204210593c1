/**
 * An existing TWRP backup folder (from a phone or an SD card: split `.win000…`, `.sha2`/`.md5`
 * digests) made into one archive, so an old backup gains verification, encryption and restore.
 * TWRP's own password-encrypted images (openaes, see twrp-openaes.ts) are decrypted on the way
 * when the password is given: each is checked against TWRP's digest file of the encrypted bytes
 * while it streams, and stored decrypted with a `.sha2` of its plain bytes in place of TWRP's,
 * so `twrp restore` (which tells tar, gzip and openaes apart by their first bytes) takes it as is.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { readHead } from '../files/read-head.js';
import { checkRegularFile, readLimitedText } from '../files/read-limited.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import type { Recipe } from '../manifests/schema.js';
import type { AgeRecipient } from './age/index.js';
import { archiveFileName, BackupArchiveWriter, type FinishedArchive } from './archive-writer.js';
import type { DeviceFacts } from './manifest.js';
import { isOpenAes, openAesDecryptor, openAesPlainSize } from './twrp-openaes.js';
import { isTwrpDigestFile, isTwrpImage, parseTwrpDigest, twrpDigestTarget } from './twrp-folder.js';

/** TWRP writes one `HEX  NAME` line; a larger "digest" is not one (and is not read into memory). */
const TWRP_DIGEST_MAX_BYTES = 64 * 1024;

export interface ImportOptions {
    /** TWRP's backup folder, e.g. …/TWRP/BACKUPS/<serial>/<name>. */
    readonly folder: string;
    readonly recipe: Recipe;
    readonly codename: string;
    /** The folder for the archive on the computer. */
    readonly to: string;
    readonly recipients: readonly AgeRecipient[];
    /** The password of TWRP's encrypted backup, if it is one. */
    readonly twrpPassword?: string | undefined;
}

export interface ImportResult extends FinishedArchive {
    readonly files: number;
    /** TWRP images that were openaes-encrypted and are stored decrypted. */
    readonly decrypted: readonly string[];
}

export async function importTwrpFolder(options: ImportOptions, ctx: JobContext = {}): Promise<ImportResult> {
    const folder = resolve(options.folder);
    const names = (await readdir(folder)).filter((n) => isTwrpImage(n) || isTwrpDigestFile(n) || n.endsWith('.info') || n === 'recovery.log').sort();
    if (!names.some(isTwrpImage)) throw ReviveError.of('backup-folder-empty', { folder });
    // A pipe or device among them would hang the reads below (or stream forever): refused by name first.
    for (const name of names) checkRegularFile(join(folder, name), 'twrp-backup-file', await stat(join(folder, name)));
    const encrypted = new Set<string>();
    for (const name of names.filter(isTwrpImage)) if (isOpenAes(readHead(join(folder, name), 4, 'twrp-backup-file').head)) encrypted.add(name);
    // Everything that can refuse before the archive is begun: a password missing or wrong.
    const plainSizes = new Map<string, number>();
    for (const name of encrypted) {
        if (options.twrpPassword === undefined) throw ReviveError.of('twrp-password-needed', { file: name, folder });
        plainSizes.set(name, await openAesPlainSize(join(folder, name), name, options.twrpPassword));
    }
    // TWRP's digests of the encrypted files: checked while they stream, then left out (they are not of what is stored).
    const cipherDigests = new Map<string, { file: string; algorithm: 'sha256' | 'md5'; hex: string }>();
    for (const name of names) {
        const digest = twrpDigestTarget(name);
        if (!digest || !encrypted.has(digest.target)) continue;
        const hex = parseTwrpDigest(await readLimitedText(join(folder, name), { what: 'twrp-digest', maxBytes: TWRP_DIGEST_MAX_BYTES }), digest.algorithm);
        if (hex) cipherDigests.set(digest.target, { file: name, algorithm: digest.algorithm, hex });
    }
    const recipe = options.recipe;
    const facts: DeviceFacts = { codename: options.codename, model: recipe.models[0] ?? recipe.name, serial: basename(resolve(folder, '..')), fingerprint: '', androidVersion: '', twrpVersion: null, dataEncrypted: null, partitions: recipe.partitions.map((p) => ({ name: p.name, twrpName: p.twrpName ?? null, filesystem: p.filesystem })) };
    let files = 0;
    const finished = await BackupArchiveWriter.write({ folder: resolve(options.to), fileName: archiveFileName(facts), recipients: options.recipients }, facts, async (writer) => {
        for (const name of names) {
            const path = join(folder, name);
            const target = twrpDigestTarget(name)?.target;
            if (target !== undefined && encrypted.has(target)) continue;
            files++;
            if (!encrypted.has(name)) {
                await writer.addPart('twrp', name, (await stat(path)).size, createReadStream(path), ctx);
                continue;
            }
            const expected = cipherDigests.get(name);
            const cipherHash = createHash(expected?.algorithm ?? 'sha256');
            const source = createReadStream(path, { highWaterMark: 1 << 20 });
            source.on('data', (chunk) => cipherHash.update(chunk));
            const part = await writer.addPart('twrp', name, plainSizes.get(name) ?? 0, pipeline(source, openAesDecryptor(options.twrpPassword ?? '', name), () => undefined), ctx);
            const found = cipherHash.digest('hex');
            if (expected && expected.hex !== found) throw ReviveError.of('twrp-encrypted-damaged', { variant: 'digest', file: name, digestFile: expected.file, expected: expected.hex, found });
            const digest = Buffer.from(`${part.sha256}  ${name}\n`);
            await writer.addPart('twrp', `${name}.sha2`, digest.length, [digest], ctx);
            files++;
        }
    });
    return { ...finished, files, decrypted: [...encrypted] };
}
