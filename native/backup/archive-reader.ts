/**
 * Reads a backup archive (age → tar) in one pass, hashing every part as it streams and handing
 * it to a sink (the phone, or nothing for verify). Damage is reported naming the part being read:
 * a cut-short file, a changed byte (age authenticates every 64 KiB), a part whose SHA-256 or size
 * differs from the manifest, or a TWRP file that fails its own .sha2/.md5.
 *
 * Archives Revive did not make are read too: a tar of a TWRP backup folder encrypted with `age -e`
 * has no manifest, so its .win files are checked against TWRP's digest files alone.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import tar from 'tar-stream';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import type { JobContext } from '../jobs/progress.js';
import { AgeDecryption, type AgeIdentity } from './age/index.js';
import { DEVICE_ENTRY, DeviceEntrySchema, MANIFEST_ENTRY, ManifestSchema, PART_PREFIX, assertSafeEntryName, partKind, type DeviceEntry, type Manifest, type PartKind } from './manifest.js';
import { isTwrpDigestFile, isTwrpImage } from './twrp-folder.js';

const MAX_JSON = 64 * 1024 * 1024;

export interface PartHeader {
    /** Entry path in Revive's layout (`twrp/boot.emmc.win`, `storage/DCIM/a.jpg`). */
    readonly path: string;
    readonly kind: PartKind;
    /** Path inside its kind (`boot.emmc.win`, `DCIM/a.jpg`). */
    readonly name: string;
    readonly sizeBytes: number;
}

export interface PartSink {
    write(chunk: Buffer): Promise<void> | void;
    /** Called after the last byte with the part's SHA-256 (already compared where a digest is known earlier, never here). */
    end(sha256: string): Promise<void> | void;
    /** Called instead of end when the walk stops within the part (a stop, damage): the part is incomplete. */
    abort?(reason: unknown): Promise<void> | void;
}

export interface ReadHandlers {
    /** After device.json (before any part): throw to refuse the archive early. */
    onDevice?(entry: DeviceEntry): Promise<void> | void;
    /** A sink for this part, or undefined to only hash it. */
    onPart?(part: PartHeader): Promise<PartSink | undefined> | PartSink | undefined;
}

export interface ReadPart extends PartHeader {
    readonly sha256: string;
    /** TWRP images only: older TWRP builds write .md5 digest files. */
    readonly md5: string | undefined;
    /** Digest files only (small): their text, to check the image they name. */
    readonly text: string | undefined;
}

export interface ArchiveContents {
    readonly device: DeviceEntry | undefined;
    readonly manifest: Manifest | undefined;
    readonly parts: readonly ReadPart[];
    /** For archives without a manifest: the TWRP folder the .win files came from (e.g. TWRP/BACKUPS/<serial>/<name>). */
    readonly foreignFolder: string | undefined;
}

/** What is wrong with one part of a backup (`errorFacts.backupProblems`), and the numbers that show it. */
export type BackupDamage = Omit<FactsOf<'backup-damaged'>, 'part' | 'place'>;

/** The backup is damaged in `part` (an entry, or the archive `after` an entry or at its `start`). */
export function damaged(part: string, damage: BackupDamage, place: 'entry' | 'after' | 'start' = 'entry'): ReviveError {
    return ReviveError.of('backup-damaged', { ...damage, part, place });
}

/** Entry name → Revive layout, or undefined to skip (directories, files outside a TWRP folder). */
function classify(name: string, revive: boolean): { path: string; kind: PartKind; name: string; folder?: string } | undefined {
    if (revive) {
        const kind = partKind(name);
        return kind ? { path: name, kind, name: name.slice(PART_PREFIX[kind].length) } : undefined;
    }
    const base = posix.basename(name);
    if (!isTwrpImage(base) && !isTwrpDigestFile(base) && !base.endsWith('.info') && base !== 'recovery.log') return undefined;
    return { path: `${PART_PREFIX.twrp}${base}`, kind: 'twrp', name: base, folder: posix.dirname(name) };
}

async function readAll(entry: AsyncIterable<Buffer>, what: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of entry) {
        size += chunk.length;
        if (size > MAX_JSON) throw damaged(what, { problem: 'manifest-too-large' });
        parts.push(chunk);
    }
    return Buffer.concat(parts);
}

function parseJson<T>(data: Buffer, what: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T {
    let value: unknown;
    try {
        value = JSON.parse(data.toString('utf8'));
    } catch {
        throw damaged(what, { problem: 'not-json' });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw damaged(what, { problem: 'not-manifest' });
    return parsed.data;
}

/** Decrypt and walk the archive once. Throws ReviveError naming the part on any damage. */
export async function readBackupArchive(path: string, identities: readonly AgeIdentity[], handlers: ReadHandlers = {}, ctx: JobContext = {}): Promise<ArchiveContents> {
    const total = (await stat(path).catch((error: unknown) => {
        throw ReviveError.of('file-missing', { file: path, variant: 'backup' }, { cause: error });
    })).size;
    const source = createReadStream(path, { highWaterMark: 1 << 20 });
    const decryption = new AgeDecryption(identities);
    const extract = tar.extract();
    let readBytes = 0;
    source.on('data', (chunk: Buffer | string) => {
        readBytes += chunk.length;
        ctx.onProgress?.({ step: 'backup-read', bytesDone: readBytes, bytesTotal: total, cancellable: true });
    });
    // On a decryption error the extractor still gets to parse every authenticated byte fed so far,
    // so the loop below knows which part the damage is in; then the error is raised naming it.
    let feedError: unknown;
    const stop = new AbortController();
    const endExtract = (): void => (extract as unknown as { end(): void }).end();
    const feeding = (async () => {
        const feed = async (step: (out: (plain: Buffer) => void) => Promise<void> | void): Promise<void> => {
            const good: Buffer[] = [];
            let failure: unknown;
            try {
                await step((plain) => good.push(plain));
            } catch (error) {
                failure = error;
            }
            for (const plain of good) if (!extract.write(plain)) await once(extract, 'drain', { signal: stop.signal });
            if (failure !== undefined) throw failure;
        };
        try {
            for await (const chunk of source) {
                if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
                await feed((out) => decryption.update(chunk as Buffer, out));
            }
            await feed((out) => decryption.final(out));
        } catch (error) {
            feedError = error;
        }
        endExtract();
    })();

    let device: DeviceEntry | undefined;
    let manifest: Manifest | undefined;
    let foreignFolder: string | undefined;
    const parts: ReadPart[] = [];
    let current: string | undefined;
    /** The sink of the part being read, until its end: told when the walk stops within it. */
    let open: PartSink | undefined;
    let revive: boolean | undefined;
    try {
        for await (const entry of extract) {
            const header = entry.header;
            const rawName = header.name.replace(/^\.\//, '');
            current = rawName;
            if (header.type !== 'file' && header.type !== 'contiguous-file') {
                entry.resume();
                continue;
            }
            assertSafeEntryName(rawName);
            revive ??= rawName === DEVICE_ENTRY;
            if (rawName === DEVICE_ENTRY && revive) {
                device = parseJson(await readAll(entry as AsyncIterable<Buffer>, DEVICE_ENTRY), DEVICE_ENTRY, DeviceEntrySchema);
                await handlers.onDevice?.(device);
                continue;
            }
            if (rawName === MANIFEST_ENTRY && revive) {
                manifest = parseJson(await readAll(entry as AsyncIterable<Buffer>, MANIFEST_ENTRY), MANIFEST_ENTRY, ManifestSchema);
                continue;
            }
            if (manifest) throw damaged(rawName, { problem: 'after-manifest' });
            const place = classify(rawName, revive);
            if (!place) {
                entry.resume();
                continue;
            }
            if (place.folder !== undefined) {
                if (foreignFolder !== undefined && foreignFolder !== place.folder) throw ReviveError.of('backup-several-folders', { first: foreignFolder, second: place.folder });
                foreignFolder = place.folder;
            }
            current = place.path;
            const part: PartHeader = { path: place.path, kind: place.kind, name: place.name, sizeBytes: header.size ?? 0 };
            const sink = await handlers.onPart?.(part);
            open = sink;
            const hash = createHash('sha256');
            const md5 = part.kind === 'twrp' && isTwrpImage(part.name) ? createHash('md5') : undefined;
            const keep = part.kind === 'twrp' && isTwrpDigestFile(part.name) && part.sizeBytes < 4096 ? ([] as Buffer[]) : undefined;
            let size = 0;
            for await (const chunk of entry as AsyncIterable<Buffer>) {
                // The feed looks at the stop once per 1 MiB read; what it decrypted already is not sent on after a stop.
                if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
                hash.update(chunk);
                md5?.update(chunk);
                keep?.push(chunk);
                size += chunk.length;
                if (sink) await sink.write(chunk);
            }
            if (size !== part.sizeBytes) throw damaged(part.path, { problem: 'ends-early', size, expected: part.sizeBytes });
            const sha256 = hash.digest('hex');
            parts.push({ ...part, sha256, md5: md5?.digest('hex'), text: keep ? Buffer.concat(keep).toString('utf8') : undefined });
            open = undefined;
            if (sink) await sink.end(sha256);
            current = undefined;
        }
        await feeding;
        if (feedError !== undefined) throw feedError;
    } catch (error) {
        // A decryption error is the cause of whatever the extractor then said; stopping the feed below is not.
        const cause = feedError ?? error;
        source.destroy();
        stop.abort();
        extract.destroy();
        await feeding;
        await Promise.resolve(open?.abort?.(cause)).catch(() => undefined);
        const failure = ReviveError.from(cause);
        if (failure.code.startsWith('age-') && failure.code !== 'age-wrong-passphrase' && failure.code !== 'age-no-identity') {
            // The age error's code and facts travel along; its words go inside ours.
            const last = parts[parts.length - 1]?.path;
            const damage = { ...failure.facts, problem: 'age', cause: failure.code };
            throw current !== undefined ? damaged(current, damage) : last !== undefined ? damaged(last, damage, 'after') : damaged('', damage, 'start');
        }
        throw failure;
    }
    return { device, manifest, parts, foreignFolder };
}
