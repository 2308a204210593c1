/**
 * Where a file's expected SHA-256 comes from: the device recipe's known-good files, a checksum the
 * person typed in, or a `.sha256` / `sha256sum`-style file next to it. A file without any is refused.
 */
import { existsSync } from 'node:fs';
import { readLimitedTextSync } from '../files/read-limited.js';
import { basename, dirname, join } from 'node:path';
import type { ChecksumSource } from '../jobs/events.js';
import { ReviveError } from '../jobs/errors.js';
import type { FileRole, KnownFile, Recipe } from '../manifests/schema.js';
import { readOrigin } from '../download/cache.js';
import { parseSha256Sums } from '../../common/sha256sums.js';

export interface ExpectedChecksum {
    readonly sha256: string;
    readonly source: ChecksumSource;
    /** The recipe entry when the file is one of the recipe's known-good files. */
    readonly known?: KnownFile | undefined;
    /** For sidecar checksums: the file it came from; for downloads: the address. */
    readonly from?: string | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;
/** A SHA256SUMS for a whole release folder is a few KiB; a checksum file past this is not one. */
const CHECKSUM_FILE_MAX = 1024 * 1024;

export function normaliseTypedChecksum(text: string, file: string): string {
    const hex = text.trim().toLowerCase();
    if (!HEX64.test(hex)) {
        throw ReviveError.of('checksum-malformed', { file: basename(file), path: file, found: text.trim().slice(0, 80) });
    }
    return hex;
}

/**
 * Parse `sha256sum` output (`<hex>  name`, `<hex> *name`), BSD style (`SHA256 (name) = <hex>`) or a
 * bare hex digest, and return the digest for `fileName` (or the only digest when names are absent).
 */
export function parseChecksumList(text: string, fileName: string): string | undefined {
    const entries = parseSha256Sums(text);
    const named = entries.find((entry) => entry.name !== null && basename(entry.name) === fileName);
    if (named) return named.sha256;
    const bare = entries.filter((entry) => entry.name === null);
    return bare.length === 1 ? bare[0]?.sha256 : undefined;
}

/** Look for `<file>.sha256`, `<file>.sha256sum`, then SHA256SUMS / sha256sum.txt in the same folder. */
export function findSidecarChecksum(file: string): { sha256: string; from: string } | undefined {
    const name = basename(file);
    const dir = dirname(file);
    const candidates = [`${file}.sha256`, `${file}.sha256sum`, join(dir, 'SHA256SUMS'), join(dir, 'sha256sums.txt'), join(dir, 'sha256sum.txt')];
    for (const candidate of candidates) {
        if (!existsSync(candidate)) continue;
        const sha256 = parseChecksumList(readLimitedTextSync(candidate, { what: 'checksum-list', maxBytes: CHECKSUM_FILE_MAX }), name);
        if (sha256) return { sha256, from: candidate };
    }
    return undefined;
}

/** The recipe's known-good file of this role with this file name, if any. */
export function knownFileByName(recipe: Recipe, role: FileRole, file: string): KnownFile | undefined {
    const name = basename(file);
    return recipe.knownFiles.find((known) => known.role === role && known.name === name);
}

export function knownFileByDigest(recipe: Recipe, role: FileRole, sha256: string): KnownFile | undefined {
    return recipe.knownFiles.find((known) => known.role === role && known.sha256 === sha256);
}

/**
 * Decide what the file must hash to. A file named like a recipe's known-good file is held to the
 * recipe's checksum whatever else is supplied: a renamed or altered download must not slip through.
 */
export function expectedChecksum(recipe: Recipe, role: FileRole, file: string, typed?: string): ExpectedChecksum | undefined {
    const known = knownFileByName(recipe, role, file);
    if (known) return { sha256: known.sha256, source: 'recipe', known };
    if (typed !== undefined && typed.trim() !== '') return { sha256: normaliseTypedChecksum(typed, file), source: 'typed' };
    // Revive's own record of a download it verified (cache or `revive fetch --to`).
    const origin = readOrigin(file);
    if (origin && origin.role === role && origin.name === basename(file)) return { sha256: origin.sha256, source: 'download', from: origin.source };
    const sidecar = findSidecarChecksum(file);
    if (sidecar) return { sha256: sidecar.sha256, source: 'sidecar', from: sidecar.from };
    return undefined;
}
