/**
 * Device recipes: one JSON file per phone in resources/manifests, validated by this schema.
 * A repair shop adds a phone by writing one more file (see resources/manifests/README.md).
 */
import { z } from 'zod';
import { FILE_ROLES } from '../../common/file-role.js';

const hex16 = z.number().int().min(0).max(0xffff);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits');

export const PhoneMode = z.enum(['download', 'bootloader', 'android', 'recovery', 'sideload']);
export type PhoneMode = z.infer<typeof PhoneMode>;

export const PhysicalButton = z.enum(['power', 'volume-up', 'volume-down', 'home', 'bixby']);

/** How a person gets the phone into a mode with its buttons. */
export const KeyCombo = z.object({
    buttons: z.array(PhysicalButton).min(1),
    /** Plain words, e.g. "Hold Volume Down + Home + Power until a warning screen appears, then press Volume Up." */
    instructions: z.string().min(10),
    /** An SVG in renderer/assets/combos (ours), showing the buttons to hold. */
    picture: z.string().regex(/^[a-z0-9-]+\.svg$/),
});

/** How the phone shows up on USB in a mode (what the watcher matches on). */
export const UsbIdentity = z.object({
    vendorId: hex16,
    productId: hex16,
    /** Interface class/subclass/protocol of the function we talk to. */
    interface: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    manufacturer: z.string(),
    product: z.string(),
});

export const FileRole = z.enum(FILE_ROLES);
export type FileRole = z.infer<typeof FileRole>;

export const KnownFile = z.object({
    role: FileRole,
    name: z.string().min(1),
    sha256,
    /** For ROMs and Gapps: the Android version they are built for, e.g. "8.1". */
    androidVersion: z.string().optional(),
    /** For ROMs and su add-ons: the LineageOS version, e.g. "15.1". */
    lineageVersion: z.string().optional(),
    arch: z.enum(['arm', 'arm64', 'x86', 'x86_64']).optional(),
});

/** An address on the internet: https only, so nobody on the way can change what arrives. */
const httpsUrl = z.string().regex(/^https:\/\/[^\s/]+\/\S*$/, 'an https:// address');

/** Who signs a file, by name; the trust anchors live in resources/keys/signers.json. */
export const Signer = z.enum(['twrp', 'lineageos']);
export type Signer = z.infer<typeof Signer>;

/**
 * One place a file can be downloaded from. The bytes must be proven by a SHA-256 pinned here or
 * by the publisher's own checksum file; a signature, where the publisher offers one, is checked too.
 */
export const DownloadSource = z
    .object({
        url: httpsUrl,
        /** Sent as Referer: dl.twrp.me answers with its HTML page unless the request names the file's page. */
        referer: httpsUrl.optional(),
        sizeBytes: z.number().int().positive().optional(),
        sha256: sha256.optional(),
        /** The publisher's `sha256sum`-style file for this file. */
        checksumUrl: httpsUrl.optional(),
        /** The publisher's detached OpenPGP signature (`.asc`) of this file, checked against `openpgpSigner`. */
        signatureUrl: httpsUrl.optional(),
    })
    .refine((source) => source.sha256 !== undefined || source.checksumUrl !== undefined, 'a source needs a pinned sha256 or the publisher\'s checksumUrl');

/** Where a file of the upgrade is published, or that it no longer is. */
export const FileDownload = z
    .object({
        role: FileRole,
        /** The file name as published (and as saved). */
        name: z.string().regex(/^[A-Za-z0-9._+-]+$/, 'a plain file name'),
        /** The page a person opens to download it by hand. */
        manualPage: httpsUrl,
        /**
         * `published`: Revive downloads it from `sources`. `manual`: its maker publishes it, but Revive
         * pins no file (pick one on `manualPage`). `withdrawn`: nobody serves it any more. In the last
         * two cases the wizard asks for the file and its checksum.
         */
        availability: z.enum(['published', 'manual', 'withdrawn']),
        /** Plain words for the person: what was withdrawn when, or what to pick on the page. */
        note: z.string().optional(),
        /** Whose detached OpenPGP signature (`signatureUrl`) must verify. */
        openpgpSigner: Signer.optional(),
        /** Whose whole-file package signature (the one the phone's recovery checks) must verify. */
        packageSigner: Signer.optional(),
        /** Tried in order: the next on a 404, a dropped server or bytes that do not match. */
        sources: z.array(DownloadSource),
    })
    .refine((d) => (d.availability === 'published') === d.sources.length > 0, 'a published file needs sources, and only a published file has them')
    .refine((d) => !d.openpgpSigner || d.sources.every((s) => s.signatureUrl !== undefined), 'openpgpSigner needs a signatureUrl on every source');
export type DownloadSource = z.infer<typeof DownloadSource>;
export type FileDownload = z.infer<typeof FileDownload>;

export const Partition = z.object({
    name: z.string().min(1),
    sizeBytes: z.number().int().positive(),
    /** TWRP's name for it in backups, when TWRP backs it up (e.g. "boot", "system", "data", "efs"). */
    twrpName: z.string().optional(),
    /** Raw partitions are backed up as images (`.emmc.win`), others as tar (`.ext4.win`). */
    filesystem: z.enum(['emmc', 'ext4', 'f2fs', 'vfat']).default('emmc'),
});

export const Recipe = z.object({
    /** The canonical codename, also the file name: `ks01ltexx` → resources/manifests/ks01ltexx.json. */
    id: z.string().regex(/^[a-z0-9_]+$/),
    name: z.string(),
    manufacturer: z.string(),
    models: z.array(z.string()).min(1),
    /** Every codename the phone answers to (ro.product.device, build names, TWRP names). */
    codenames: z.array(z.string()).min(1),
    method: z.enum(['odin', 'fastboot']),
    cpuArch: z.enum(['arm', 'arm64']),
    stockAndroidVersion: z.string(),
    minBatteryPercent: z.number().int().min(0).max(100),
    /** A/B (seamless update) phone: boot/system come in _a and _b slots. */
    abSlots: z.boolean().default(false),
    usb: z.object({
        download: UsbIdentity.optional(),
        bootloader: UsbIdentity.optional(),
        android: UsbIdentity,
        recovery: UsbIdentity,
        sideload: UsbIdentity,
    }),
    keyCombos: z.object({
        download: KeyCombo.optional(),
        bootloader: KeyCombo.optional(),
        recovery: KeyCombo,
    }),
    unlock: z.object({
        method: z.enum(['none', 'oem-unlock-toggle', 'fastboot-oem-unlock', 'fastboot-flashing-unlock']),
        /** Plain words shown before unlocking: what it does and what is lost. */
        explanation: z.string().min(10),
        wipesData: z.boolean(),
    }),
    recoveryPartition: z.string(),
    /** PIT file in resources/pit for Odin phones. */
    pit: z.string().optional(),
    partitions: z.array(Partition).min(1),
    /** What a virtual phone of this model reports (fastboot variables, properties). */
    virtual: z.object({
        serialPrefix: z.string().min(2),
        bootloaderVersion: z.string(),
        basebandVersion: z.string().optional(),
        fastbootProduct: z.string().optional(),
        maxDownloadSizeBytes: z.number().int().positive().optional(),
        buildFingerprint: z.string(),
    }),
    knownFiles: z.array(KnownFile),
    installOrder: z.array(FileRole.exclude(['recovery'])).min(1),
    /** Where each file is published (see FileDownload); files not listed are brought by the person. */
    downloads: z.array(FileDownload).default([]),
    /** The LineageOS release this recipe aims for (demo packages and the wizard's download hints use it). */
    target: z
        .object({
            androidVersion: z.string().regex(/^\d+(\.\d+)?$/, 'an Android version such as "8.1" or "10"'),
            lineageVersion: z.string().regex(/^\d+(\.\d+)?$/, 'a LineageOS version such as "15.1"'),
        })
        .optional(),
    caveats: z.array(z.string()),
});
export type Recipe = z.infer<typeof Recipe>;
export type KnownFile = z.infer<typeof KnownFile>;
export type KeyCombo = z.infer<typeof KeyCombo>;
