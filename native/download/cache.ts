/**
 * Where downloads live: `<app data>/downloads/<recipe>/<file>`, each verified file with a record of
 * where it came from and what proved it (`<file>.origin.json`), a half-done one as `<file>.part` with
 * the source it is being resumed from (`<file>.part.json`), and `journal.jsonl` of every attempt.
 * A second phone of the same model finds its files here and needs no second download.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readLimitedTextSync } from '../files/read-limited.js';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { appHome } from '../jobs/journal.js';
import type { FileDownload, FileRole, Recipe } from '../manifests/schema.js';

export const DownloadOrigin = z.object({
    recipeId: z.string(),
    role: z.enum(['recovery', 'rom', 'gapps', 'su']),
    name: z.string(),
    sizeBytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The source address as the recipe names it. */
    source: z.string(),
    /** What proved the bytes: `sha256:recipe`, `sha256:publisher`, `openpgp:<signer>`, `package:<signer>`. */
    checks: z.array(z.string()),
    verifiedAt: z.string(),
});
export type DownloadOrigin = z.infer<typeof DownloadOrigin>;

export function downloadsDir(recipe: Recipe, home: string = appHome()): string {
    return join(home, 'downloads', recipe.id);
}

export function cachedPath(recipe: Recipe, download: FileDownload, home?: string): string {
    return join(downloadsDir(recipe, home), download.name);
}

export function originPath(file: string): string {
    return `${file}.origin.json`;
}

/** The record written beside a verified download, if there is one and it is whole. */
export function readOrigin(file: string): DownloadOrigin | undefined {
    const path = originPath(file);
    if (!existsSync(path)) return undefined;
    try {
        const parsed = DownloadOrigin.safeParse(JSON.parse(readLimitedTextSync(path, { what: 'download-record', maxBytes: 64 * 1024 })) as unknown);
        return parsed.success ? parsed.data : undefined;
    } catch {
        return undefined;
    }
}

export function writeOrigin(file: string, origin: DownloadOrigin): void {
    writeFileSync(originPath(file), `${JSON.stringify(origin, null, 2)}\n`, { mode: 0o644 });
}

/**
 * The verified copy of this file in the cache, when its record fits the recipe: same size on disk,
 * and a SHA-256 the recipe pins (when it pins any). Costs no request.
 */
export function cachedDownload(recipe: Recipe, download: FileDownload, home?: string): DownloadOrigin | undefined {
    const path = cachedPath(recipe, download, home);
    const origin = readOrigin(path);
    if (!origin || !existsSync(path) || statSync(path).size !== origin.sizeBytes) return undefined;
    const pinned = download.sources.map((s) => s.sha256).filter((s): s is string => s !== undefined);
    if (pinned.length > 0 && !pinned.includes(origin.sha256)) return undefined;
    return origin;
}

export interface PartState {
    readonly url: string;
    /** ETag or Last-Modified of the answer the part came from, sent as If-Range on resume. */
    readonly validator?: string | undefined;
    readonly totalBytes?: number | undefined;
}

export function readPartState(part: string): PartState | undefined {
    const path = `${part}.json`;
    if (!existsSync(path)) return undefined;
    try {
        return JSON.parse(readFileSync(path, 'utf8')) as PartState;
    } catch {
        return undefined;
    }
}

export function writePartState(part: string, state: PartState): void {
    writeFileSync(`${part}.json`, JSON.stringify(state));
}

export function appendDownloadJournal(file: string, entry: { role: FileRole; event: string; url?: string; detail?: string }): void {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(join(dirname(file), 'journal.jsonl'), `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
}
