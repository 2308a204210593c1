/**
 * Checks a backup archive with no phone attached: decrypts it (age authenticates every chunk),
 * compares every part with the manifest (size and SHA-256, none missing, none extra) and every
 * TWRP image with its own .sha2/.md5. Any difference is an error naming the part.
 */
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import type { AgeIdentity } from './age/index.js';
import { damaged, readBackupArchive, type ArchiveContents, type ReadHandlers, type ReadPart } from './archive-reader.js';
import { MANIFEST_ENTRY } from './manifest.js';
import { isTwrpImage, parseTwrpDigest, twrpDigestTarget } from './twrp-folder.js';

export interface VerifiedArchive extends ArchiveContents {
    /** How the parts were checked: against Revive's manifest, or (a foreign archive) TWRP's digest files only. */
    readonly checkedAgainst: 'manifest' | 'twrp-digests';
    readonly twrpImagesWithoutDigest: readonly string[];
}

/** Throws naming the first part that differs; returns what was checked. */
export function checkContents(contents: ArchiveContents): VerifiedArchive {
    const { parts, manifest, device } = contents;
    if (device && !manifest) throw damaged(MANIFEST_ENTRY, { problem: 'manifest-missing' });
    if (manifest) {
        const read = new Map(parts.map((p) => [p.path, p]));
        for (const expected of manifest.parts) {
            const got = read.get(expected.path);
            if (!got) throw damaged(expected.path, { problem: 'not-in-archive' });
            if (got.sizeBytes !== expected.sizeBytes) throw damaged(expected.path, { problem: 'size-differs', size: got.sizeBytes, expected: expected.sizeBytes });
            if (got.sha256 !== expected.sha256) throw damaged(expected.path, { problem: 'sha-differs', found: got.sha256, expected: expected.sha256 });
        }
        const listed = new Set(manifest.parts.map((p) => p.path));
        const extra = parts.find((p) => !listed.has(p.path));
        if (extra) throw damaged(extra.path, { problem: 'extra' });
    }
    const twrp = new Map(parts.filter((p) => p.kind === 'twrp').map((p) => [p.name, p]));
    const withDigest = new Set<string>();
    for (const file of twrp.values()) {
        const digest = twrpDigestTarget(file.name);
        if (!digest) continue;
        const image = twrp.get(digest.target);
        if (!image) continue;
        const expected = parseTwrpDigest(file.text ?? '', digest.algorithm);
        if (!expected) throw damaged(file.path, { problem: 'not-digest' });
        const actual = digest.algorithm === 'sha256' ? image.sha256 : image.md5;
        if (actual !== expected) throw damaged(image.path, { problem: 'digest-differs', algorithm: digest.algorithm === 'sha256' ? 'SHA-256' : 'MD5', found: actual ?? '?', digestFile: file.name, expected });
        withDigest.add(image.name);
    }
    const images = [...twrp.values()].filter((p) => isTwrpImage(p.name));
    if (!manifest && images.length === 0) {
        throw ReviveError.of('backup-empty', {});
    }
    return { ...contents, checkedAgainst: manifest ? 'manifest' : 'twrp-digests', twrpImagesWithoutDigest: images.filter((p) => !withDigest.has(p.name)).map((p) => p.path) };
}

export async function verifyArchive(path: string, identities: readonly AgeIdentity[], ctx: JobContext = {}, handlers: ReadHandlers = {}): Promise<VerifiedArchive> {
    return checkContents(await readBackupArchive(path, identities, handlers, ctx));
}

export type { ReadPart };
