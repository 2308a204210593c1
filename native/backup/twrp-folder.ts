/**
 * TWRP's backup folder conventions (TeamWin android_bootable_recovery: partition.cpp,
 * twrpDigestDriver.cpp): `<name>.<fs>.win` per partition, split into `.win000`, `.win001`… over
 * 1.5 GiB, and one digest file per file, `.sha2` (SHA-256) or `.md5`, also read as `.sha256` and
 * `.md5sum`, holding `<hex>  <file name>` as sha256sum/md5sum write it.
 */
export const TWRP_SPLIT_BYTES = 1610612736;
const DIGEST_SUFFIXES = [
    ['.sha2', 'sha256'],
    ['.sha256', 'sha256'],
    ['.md5', 'md5'],
    ['.md5sum', 'md5'],
] as const;

export type DigestAlgorithm = 'sha256' | 'md5';

export function isTwrpImage(name: string): boolean {
    return /\.win(\d{3})?$/.test(name);
}

export function isTwrpDigestFile(name: string): boolean {
    return DIGEST_SUFFIXES.some(([suffix]) => name.endsWith(suffix) && isTwrpImage(name.slice(0, -suffix.length)));
}

/** `data.ext4.win000.sha2` → { target: 'data.ext4.win000', algorithm: 'sha256' }. */
export function twrpDigestTarget(name: string): { target: string; algorithm: DigestAlgorithm } | undefined {
    for (const [suffix, algorithm] of DIGEST_SUFFIXES) {
        if (name.endsWith(suffix) && isTwrpImage(name.slice(0, -suffix.length))) return { target: name.slice(0, -suffix.length), algorithm };
    }
    return undefined;
}

/** The hex digest in a digest file's text, lower-cased; undefined when there is none. */
export function parseTwrpDigest(text: string, algorithm: DigestAlgorithm): string | undefined {
    const hex = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
    return new RegExp(`^[0-9a-f]{${algorithm === 'sha256' ? 64 : 32}}$`).test(hex) ? hex : undefined;
}

/** `data.ext4.win001` → partition backup `data.ext4` part 1; `boot.emmc.win` → part undefined. */
export function twrpImageName(name: string): { base: string; twrpName: string; filesystem: string; index: number | undefined } | undefined {
    const match = /^([^.]+)\.([^.]+)\.win(\d{3})?$/.exec(name);
    if (!match?.[1] || !match[2]) return undefined;
    return { base: `${match[1]}.${match[2]}.win`, twrpName: match[1], filesystem: match[2], index: match[3] === undefined ? undefined : Number(match[3]) };
}
