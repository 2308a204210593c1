/**
 * What a Revive backup archive holds, declared once: the tar's entry names and the manifest that
 * describes the phone and every part (size and SHA-256). The archive is a plain tar inside age:
 *
 *   device.json             first: the phone's facts, so a restore can refuse another model early
 *   twrp/<file>             TWRP's backup folder (…win, …win000, .sha2/.md5, .info, recovery.log)
 *   raw/<name>.emmc.win     raw state partitions (EFS, persist, modem) read from the block device
 *   storage/<path>          internal storage (/data/media/0), which TWRP's data backup leaves out
 *   manifest.json           last: the facts again plus every part with its size and SHA-256
 */
import { z } from 'zod';
import { ReviveError } from '../jobs/errors.js';

export const ARCHIVE_FORMAT = 'revive-backup/1';
export const DEVICE_ENTRY = 'device.json';
export const MANIFEST_ENTRY = 'manifest.json';
export const PART_PREFIX = { twrp: 'twrp/', raw: 'raw/', storage: 'storage/' } as const;
export type PartKind = keyof typeof PART_PREFIX;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const DeviceFactsSchema = z.object({
    codename: z.string().min(1),
    model: z.string(),
    serial: z.string(),
    fingerprint: z.string(),
    androidVersion: z.string(),
    twrpVersion: z.string().nullable(),
    /** null when the phone did not say (ro.crypto.state unset). */
    dataEncrypted: z.boolean().nullable(),
    partitions: z.array(z.object({ name: z.string(), twrpName: z.string().nullable(), filesystem: z.string() })),
});
export type DeviceFacts = z.infer<typeof DeviceFactsSchema>;

export const PartSchema = z.object({
    path: z.string(),
    kind: z.enum(['twrp', 'raw', 'storage']),
    sizeBytes: z.number().int().nonnegative(),
    sha256: sha256Hex,
});
export type Part = z.infer<typeof PartSchema>;

export const DeviceEntrySchema = z.object({ format: z.literal(ARCHIVE_FORMAT), revive: z.string(), createdAt: z.string(), device: DeviceFactsSchema });
export type DeviceEntry = z.infer<typeof DeviceEntrySchema>;

export const ManifestSchema = DeviceEntrySchema.extend({ finishedAt: z.string(), parts: z.array(PartSchema) });
export type Manifest = z.infer<typeof ManifestSchema>;

/** The kind of an entry by its name; undefined for names outside the layout. */
export function partKind(path: string): PartKind | undefined {
    return (Object.keys(PART_PREFIX) as PartKind[]).find((kind) => path.startsWith(PART_PREFIX[kind]));
}

/**
 * An entry name we accept: relative, no `..`, no backslash, no empty segment. Archives can come
 * from elsewhere (tar + age by hand), and their names end up as paths on the phone.
 */
export function assertSafeEntryName(name: string): void {
    const segments = name.replace(/\/$/, '').split('/');
    if (name.startsWith('/') || name.includes('\\') || name.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
        throw ReviveError.of('backup-bad-entry-name', { name: name.slice(0, 200) });
    }
}
