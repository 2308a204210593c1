/**
 * Checksum lists as people get them next to a download: `sha256sum` output (`<hex>  name`,
 * `<hex> *name`), BSD style (`SHA256 (name) = <hex>`) or a bare digest. One parser for the
 * backend's checksum sources and the page's dropped `.sha256` files.
 */
export interface Sha256Entry {
    /** The file name as written in the list (it may carry a folder); null for a bare digest. */
    readonly name: string | null;
    /** Lower-case hex. */
    readonly sha256: string;
}

/** The list's entries in order; blank lines, `#` comments and anything else are passed over. */
export function parseSha256Sums(text: string): Sha256Entry[] {
    const entries: Sha256Entry[] = [];
    for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line.length === 0 || line.startsWith('#')) continue;
        const gnu = /^([0-9a-fA-F]{64})\s+\*?(.+)$/.exec(line);
        if (gnu?.[1] && gnu[2]) {
            entries.push({ name: gnu[2].trim(), sha256: gnu[1].toLowerCase() });
            continue;
        }
        const bsd = /^SHA256\s*\((.+)\)\s*=\s*([0-9a-fA-F]{64})$/.exec(line);
        if (bsd?.[1] && bsd[2]) {
            entries.push({ name: bsd[1].trim(), sha256: bsd[2].toLowerCase() });
            continue;
        }
        if (/^[0-9a-fA-F]{64}$/.test(line)) entries.push({ name: null, sha256: line.toLowerCase() });
    }
    return entries;
}

/** The last part of a listed name, whichever slash the list was written with. */
export function listedFileName(name: string): string {
    return name.split(/[\\/]/).pop() ?? '';
}
