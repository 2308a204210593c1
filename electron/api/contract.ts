/**
 * The one API between the UI and the backend: commands (request → result) and events, each with a
 * zod schema. Electron main, the preload and the browser bridge are built from this table; the
 * renderer imports only its types.
 */
import { z } from 'zod';
import { FILE_ROLES } from '../../common/file-role.js';
import type { CommandNameList, EventNameList } from './names.js';

export { COMMAND_NAMES, EVENT_NAMES, IPC_COMMAND_PREFIX, IPC_EVENT_CHANNEL, subscriptionName } from './names.js';

/**
 * How every failure crosses the boundary: a stable code (common/error-codes.ts) and its facts; the
 * page words them from its locale files. `message` and `nextStep` are English and come only with
 * codes whose words are not in the locale files yet.
 */
/** The facts a code's words are made from: names to plain values. */
const Facts = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** An error as the page gets it: a code from common/error-codes.ts and its facts; the page words them. */
export const ApiError = z.object({
    code: z.string(),
    facts: Facts.optional(),
});
export type ApiError = z.infer<typeof ApiError>;

export const PhoneModeName = z.enum(['download', 'bootloader', 'android', 'recovery', 'sideload', 'unknown']);
export type PhoneModeName = z.infer<typeof PhoneModeName>;

/** What the device list shows for one phone. */
export const Device = z.object({
    /** Stable while the phone stays plugged in (its USB location, or `virtual:CODENAME`). */
    id: z.string(),
    serial: z.string().nullable(),
    /** The recipe's name when the phone is recognised, else what the phone calls itself on USB. */
    name: z.string(),
    recipeId: z.string().nullable(),
    mode: PhoneModeName,
    /** `ready`: we can talk to it; `needs-permission`: the OS refused access (udev rules, driver); `unauthorized`: the phone has not allowed this computer yet. */
    state: z.enum(['ready', 'busy', 'needs-permission', 'unauthorized']),
    batteryPercent: z.number().int().min(0).max(100).nullable(),
    virtual: z.boolean(),
});
export type Device = z.infer<typeof Device>;

/** Every attached phone, plus the built-in virtual phone when one was started (plugged in or not). */
export const DeviceSnapshot = z.object({
    devices: z.array(Device),
    virtualPhone: z.object({ codename: z.string(), name: z.string(), plugged: z.boolean() }).nullable(),
});
export type DeviceSnapshot = z.infer<typeof DeviceSnapshot>;

/** What the job has done to the phone, from its journal: the page words "The phone now" from these facts. */
export const PhoneNow = z.object({
    /** `unlocked`, `unlocked-wiped`, `recovery-written`, `erased`, `installed:<role>`, `new-system`, in order. */
    changes: z.array(z.string()),
    /** A change that began but was not verified (`unlock`, `recovery`, `wipe`, `install:<role>`). */
    interrupted: z.string().nullable(),
    mode: PhoneModeName.nullable(),
});
export type PhoneNow = z.infer<typeof PhoneNow>;

export const FileRole = z.enum(FILE_ROLES);
export type FileRole = z.infer<typeof FileRole>;

export const KeyComboView = z.object({
    buttons: z.array(z.string()),
    instructions: z.string(),
    picture: z.string().regex(/^[a-z0-9-]+\.svg$/),
});
export type KeyComboView = z.infer<typeof KeyComboView>;

/** A recipe as the wizard needs it: what the phone is, which files, what happens and what is erased. */
export const RecipeView = z.object({
    id: z.string(),
    name: z.string(),
    manufacturer: z.string(),
    models: z.array(z.string()),
    method: z.enum(['odin', 'fastboot']),
    minBatteryPercent: z.number(),
    /** Files the upgrade takes, in the order they are asked for. `required` ones must be added. */
    files: z.array(
        z.object({
            role: FileRole,
            required: z.boolean(),
            suggestedName: z.string().nullable(),
            /** Where the file is published: `published` ones the backend can download (downloadFile). */
            download: z
                .object({
                    availability: z.enum(['published', 'manual', 'withdrawn']),
                    name: z.string(),
                    manualPage: z.string(),
                    note: z.string().nullable(),
                    sizeBytes: z.number().nullable(),
                    /** Already downloaded and verified: picking it costs no download. */
                    cached: z.boolean(),
                })
                .nullable(),
        }),
    ),
    /** Plain-language steps, in order, as recipe facts (the renderer words them). */
    steps: z.array(z.object({ kind: z.enum(['save-storage', 'unlock', 'flash-recovery', 'start-recovery', 'boot-recovery', 'backup', 'wipe', 'install', 'reboot']), detail: z.string() })),
    /** Partitions whose contents are lost, with their size. */
    erases: z.array(z.object({ name: z.string(), sizeBytes: z.number() })),
    keyCombos: z.record(z.string(), KeyComboView),
    unlock: z.object({ method: z.string(), explanation: z.string(), wipesData: z.boolean() }),
    caveats: z.array(z.string()),
});
export type RecipeView = z.infer<typeof RecipeView>;

/**
 * A file the backend can read, never a path the page names: a token Electron main handed out for a
 * file the person dropped or picked, or an upload the bridge holds.
 */
export const FileRef = z.union([
    z.object({ fileToken: z.string().regex(/^[0-9a-f]{32}$/) }).strict(),
    z.object({ uploadId: z.string().regex(/^[0-9a-f]{32}$/) }).strict(),
]);
export type FileRef = z.infer<typeof FileRef>;

export const VerifiedFile = z.object({
    verificationId: z.string(),
    role: FileRole,
    fileName: z.string(),
    sizeBytes: z.number(),
    sha256: z.string(),
    /** The checksum the recipe expects for this file, when it knows the file. */
    expectedSha256: z.string().nullable(),
    ok: z.boolean(),
    /** When not ok: why, in plain words. */
    problem: ApiError.nullable(),
    /** For a file Revive downloaded: the address it came from (as the recipe names it); else null. */
    origin: z.string().nullable(),
});
export type VerifiedFile = z.infer<typeof VerifiedFile>;

const Empty = z.object({}).strict();
const JobId = z.string().min(1).max(100);
/**
 * The id of a job the page starts: chosen by the page before it starts the job (common/job-id.ts),
 * so every event of the job, the first one included, names a job the page already knows.
 */
const NewJobId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Ok = z.object({ ok: z.literal(true) });

export const StartUpgradeOptions = z.object({
    jobId: NewJobId,
    deviceId: z.string(),
    recipeId: z.string(),
    /** Files that passed verifyFile, by their verificationId. */
    files: z.array(z.object({ role: FileRole, verificationId: z.string() })).min(1),
    /** Skip the TWRP backup: allowed only when the person says so explicitly. */
    declineBackup: z.boolean().default(false),
});
export type StartUpgradeOptions = z.input<typeof StartUpgradeOptions>;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** Passphrases travel only inside the one command that needs them, never in an event or a log. */
const Passphrase = z.string().min(1).max(1024);

export const KeyAlgorithm = z.enum(['curve25519', 'rsa4096']);
export type KeyAlgorithm = z.infer<typeof KeyAlgorithm>;

export const NewKeyOptions = z
    .object({
        /** The first one is the primary user ID; each needs a name or an email. */
        userIds: z
            .array(z.object({ name: z.string().max(200).optional(), email: z.string().max(200).optional() }).strict())
            .min(1)
            .max(10),
        algorithm: KeyAlgorithm.default('curve25519'),
        /** 0: never expires. */
        expiresInDays: z.number().int().min(0).max(36500).default(0),
        passphrase: Passphrase,
    })
    .strict();

export const KeyFilesView = z.object({ publicKey: z.string(), secretKey: z.string(), revocation: z.string() });

/** What the keys panel shows after creating (or rotating to) a key: no key material, only where it is. */
export const KeysResult = z.object({
    /** Refers to these files in pushPanelFiles. */
    resultId: z.string(),
    fingerprint: z.string(),
    keyId: z.string(),
    userIds: z.array(z.string()),
    algorithm: z.string(),
    expiresAt: z.string().nullable(),
    files: KeyFilesView,
    passphraseStrength: z.object({ score: z.number().int().min(0).max(4), level: z.enum(['very-weak', 'weak', 'fair', 'strong', 'very-strong']) }),
    /** Set after a rotation. */
    rotation: z.object({ oldFingerprint: z.string(), oldKeyRevocation: z.string(), transitionStatement: z.string() }).nullable(),
});
export type KeysResult = z.infer<typeof KeysResult>;

export const VpnResult = z.object({
    resultId: z.string(),
    name: z.string(),
    /** The phone's public key (the server needs it; not secret). */
    publicKey: z.string(),
    serverPeerBlock: z.string(),
    phonePath: z.string(),
    files: z.object({ config: z.string(), serverPeer: z.string(), qr: z.string() }),
    /** The QR code as a PNG data URL, to show on screen for the WireGuard app's camera. */
    qrDataUrl: z.string().startsWith('data:image/png;base64,'),
});
export type VpnResult = z.infer<typeof VpnResult>;

export const PhonePackage = z.object({ packageName: z.string(), uid: z.number().int().nullable() });
export type PhonePackage = z.infer<typeof PhonePackage>;

const PackageName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$/).max(255);

export const FirewallResult = z.object({
    resultId: z.string(),
    name: z.string(),
    allowedApps: z.number().int(),
    /** Plain sentences (e.g. an app whose UID is unknown). */
    warnings: z.array(z.string()),
    files: z.object({ afwall: z.string(), ipv4: z.string().nullable(), ipv6: z.string().nullable(), apply: z.string().nullable() }),
});
export type FirewallResult = z.infer<typeof FirewallResult>;

export const AppResult = z.object({
    fileName: z.string(),
    sha256: z.string().nullable(),
    /** `refused`: its checksum did not match (nothing was installed then). */
    status: z.enum(['installed', 'failed', 'not-attempted', 'refused']),
    /** Why it is not installed (null when it is). */
    problem: ApiError.nullable(),
});
export type AppResult = z.infer<typeof AppResult>;

/** One unfinished upgrade, as the home screen lists it. */
export const JobSummary = z.object({
    jobId: JobId,
    recipeId: z.string(),
    phoneName: z.string(),
    /** `stopped`: by the person (Stop, or a question answered with Stop) or the app closed mid-way. */
    status: z.enum(['running', 'stopped', 'failed']),
    startedAt: z.string(),
    phoneNow: PhoneNow,
    /** Files the job was started with that are no longer on this computer (it cannot continue then). */
    missingFiles: z.array(z.string()),
    /** Its backup is still to be written: continuing needs the backup's passphrase again (Revive keeps it nowhere). */
    needsBackupPassphrase: z.boolean(),
    virtual: z.boolean(),
});
export type JobSummary = z.infer<typeof JobSummary>;

/** A job event as it was emitted (each payload was checked against its event schema then). */
const RecordedJobEvent = z.object({
    event: z.enum(['jobStarted', 'jobStep', 'jobProgress', 'jobInstruction', 'jobConfirm', 'jobLog', 'jobDone', 'jobFailed', 'jobCancelled']),
    payload: z.record(z.string(), z.unknown()),
});

/** A backup archive on this computer (`<app data>/backups/*.tar.age`), as the backups list shows it. */
export const BackupView = z.object({
    /** Its file name in the backups folder: how commands name it. */
    backupId: z.string(),
    path: z.string(),
    /** The recipe's name for the phone it is of, when its codename is known. */
    phoneName: z.string().nullable(),
    codename: z.string().nullable(),
    serial: z.string().nullable(),
    createdAt: z.string(),
    sizeBytes: z.number(),
    /** age's header says how it is locked: a passphrase, or keys (`age1…` recipients). */
    lockedWith: z.enum(['passphrase', 'key', 'unknown']),
    /** When a verify (the app's, `revive backup verify`, or the read-back after a backup) last found every part intact; null: never, or changed since. */
    lastVerifiedAt: z.string().nullable(),
    /** The raw state partitions (EFS, persist, modem) it holds, as its last verification found; null: not known until it is verified. */
    rawState: z.array(z.string()).nullable(),
});
export type BackupView = z.infer<typeof BackupView>;

/** A name the backups list gave (one folder level at most: an upgrade's backup folder); only listed names are accepted. */
const BackupId = z.string().regex(/^([A-Za-z0-9_][A-Za-z0-9._-]{0,119}\/)?[A-Za-z0-9._-]{1,200}\.tar\.age$/);
/** How to open an archive: its passphrase, or an age identity file the person picked. */
const BackupUnlock = z.union([z.object({ passphrase: Passphrase }).strict(), z.object({ identity: FileRef }).strict()]);
/** A shop folder as the person typed it: a whole path on this computer (the backend refuses any other, in words). */
const ShopFolder = z.string().trim().min(1).max(1000);
const Ticket = z.string().trim().max(64);
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One phone's lane at the counter, once it was started (a connected phone without a lane is just listed). */
export const CounterLane = z.object({
    /** The device list's id of the phone (its port), which stays through its restarts. */
    deviceId: z.string(),
    ticket: z.string(),
    /** `queued`: waits for a place (the concurrency limit); the others as the job went. */
    status: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
    /** The job's id (the page chose it); its job events carry it. */
    jobId: z.string(),
    recipeId: z.string(),
    phoneName: z.string(),
    /** Where it is plugged in, and what Android said about it (kept through download mode and recovery). */
    port: z.string().nullable(),
    model: z.string().nullable(),
    serial: z.string().nullable(),
    imei: z.string().nullable(),
    /** Why the job could not start (a lane whose job started ends in the job's own jobFailed event). */
    error: ApiError.nullable(),
    /** The receipts written for the job, when a shop is set. */
    receipt: z.object({ file: z.string(), customerPage: z.string() }).nullable(),
    /** Why there is no receipt although a shop is set. */
    receiptProblem: ApiError.nullable(),
});
export type CounterLane = z.infer<typeof CounterLane>;

export const CounterView = z.object({
    /** The shop whose key signs the receipts; null: no receipts are written. */
    shop: z.object({ dir: z.string(), name: z.string(), keyId: z.string() }).nullable(),
    technician: z.string(),
    /** How many upgrades run at once; 1 is one at a time. */
    concurrency: z.number().int().min(1).max(16),
    lanes: z.array(CounterLane),
});
export type CounterView = z.infer<typeof CounterView>;

/** One job of the shop's history, from its shop receipt (as `revive history` lists it). */
export const HistoryEntry = z.object({
    file: z.string(),
    jobId: z.string(),
    ticket: z.string(),
    technician: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    phoneName: z.string().nullable(),
    model: z.string().nullable(),
    serial: z.string().nullable(),
    imei: z.string().nullable(),
    outcome: z.enum(['done', 'failed', 'cancelled']),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

export const commands = {
    listDevices: { request: Empty, result: DeviceSnapshot },
    listRecipes: { request: Empty, result: z.array(RecipeView) },
    startVirtualPhone: { request: z.object({ codename: z.string().regex(/^[a-z0-9_]+$/) }).strict(), result: Device },
    unplugVirtualPhone: { request: Empty, result: Ok },
    replugVirtualPhone: { request: Empty, result: Ok },
    /** Revive's data folder on this computer (journals, backups, the virtual phone's state), to tell the person where things go. */
    dataFolder: { request: Empty, result: z.object({ path: z.string() }) },
    verifyFile: {
        request: z
            .object({
                file: FileRef,
                role: FileRole,
                recipeId: z.string(),
                verificationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
                /** A checksum the person typed (from the download page) for a file the recipe does not know. */
                expectedSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
            })
            .strict(),
        result: VerifiedFile,
    },
    /**
     * Download the recipe's file for this role (or take it from the cache), proven by size, SHA-256 and
     * the publisher's signatures; progress comes as verifyProgress with this verificationId.
     */
    downloadFile: {
        request: z.object({ role: FileRole, recipeId: z.string(), verificationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict(),
        result: VerifiedFile,
    },
    /** The page let go of a file (replaced or removed): an upload is deleted from the disk at once. */
    releaseFile: { request: z.object({ file: FileRef }).strict(), result: z.object({ released: z.boolean() }) },
    /** Stop hashing a file (the person removed or replaced it); its verifyFile ends as `cancelled`. */
    cancelVerification: { request: z.object({ verificationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }).strict(), result: z.object({ cancelling: z.boolean() }) },
    /** The whole safety gate on the files chosen so far, against this phone and each other; each misfit is named by its role. */
    checkFiles: {
        request: z.object({ recipeId: z.string(), files: z.array(z.object({ role: FileRole, verificationId: z.string() })).max(4) }).strict(),
        result: z.object({ problems: z.array(z.object({ role: FileRole, problem: ApiError })) }),
    },
    /**
     * Start the upgrade. Unless the backup is declined, `backupPassphrase` locks its archive (age,
     * scrypt): typed twice on the review page, strong enough for a backup, kept nowhere.
     */
    startUpgrade: { request: StartUpgradeOptions.extend({ backupPassphrase: Passphrase.optional() }).strict(), result: z.object({ jobId: z.string() }) },
    /** Upgrades that are running, or stopped or failed and not finished: the home screen offers to open or continue them. */
    listJobs: { request: Empty, result: z.object({ jobs: z.array(JobSummary) }) },
    /** Everything a running (or just ended) job has said so far, so a reopened page shows it as it is. */
    attachJob: { request: z.object({ jobId: JobId }).strict(), result: z.object({ jobId: JobId, recipeId: z.string(), deviceId: z.string(), events: z.array(RecordedJobEvent) }) },
    /** Continue a stopped or failed upgrade on this phone, from its last verified step, with the files it was started with. */
    /** Continue an upgrade; one stopped before its backup was written needs the backup's passphrase again (`backup-passphrase-needed`). */
    resumeJob: { request: z.object({ jobId: JobId, deviceId: z.string(), backupPassphrase: Passphrase.optional() }).strict(), result: z.object({ jobId: z.string() }) },
    /** Do not offer this unfinished upgrade any more (its journal and backups stay). */
    forgetJob: { request: z.object({ jobId: JobId }).strict(), result: Ok },
    /**
     * The person's answer to a jobConfirm question. `verificationId`: a file checked with verifyFile
     * or downloadFile that goes with a yes — the TWRP image a backup's or restore's `write-twrp`
     * question asks for when it is not in the download cache (facts.fileNeeded `yes`).
     */
    answerConfirm: { request: z.object({ jobId: JobId, requestId: z.string(), yes: z.boolean(), verificationId: z.string().optional() }).strict(), result: Ok },
    /** "I'm holding the buttons" for the virtual phone: its owner presses the instruction's buttons. */
    pressVirtualButtons: { request: z.object({ jobId: JobId, instructionId: z.string() }).strict(), result: Ok },
    cancelJob: { request: z.object({ jobId: JobId }).strict(), result: z.object({ cancelling: z.boolean() }) },
    /** Write the job's log to a file in the app's data folder; returns where. */
    saveLog: { request: z.object({ jobId: JobId }).strict(), result: z.object({ path: z.string() }) },
    /** Keys panel: a new OpenPGP key pair with its revocation certificate, saved 0600. */
    createKeys: { request: z.object({ jobId: NewJobId, key: NewKeyOptions }).strict(), result: KeysResult },
    /** Keys panel: a new key certified by the old one (from its secret key file), the old key revoked as superseded. */
    rotateKeys: { request: z.object({ jobId: NewJobId, oldSecretKey: FileRef, oldPassphrase: Passphrase, key: NewKeyOptions }).strict(), result: KeysResult },
    /** VPN panel: the phone's WireGuard keys and configuration, the server's [Peer] block and the QR code. */
    createVpn: {
        request: z
            .object({
                jobId: NewJobId,
                name: z.string().min(1).max(15),
                addresses: z.array(z.string().min(1).max(64)).min(1).max(8),
                dns: z.array(z.string().min(1).max(64)).max(8),
                serverPublicKey: z.string().min(1).max(64),
                endpoint: z.string().min(1).max(300),
                allowedIps: z.array(z.string().min(1).max(64)).min(1).max(64),
                persistentKeepalive: z.number().int().min(0).max(65535),
            })
            .strict(),
        result: VpnResult,
    },
    /** Firewall panel: the apps installed on a connected phone (over adb). */
    listPhoneApps: { request: z.object({ deviceId: z.string() }).strict(), result: z.object({ packages: z.array(PhonePackage) }) },
    /** Firewall panel: deny by default, the listed apps allowed on the ticked networks. */
    createFirewall: {
        request: z
            .object({
                jobId: NewJobId,
                apps: z.array(z.object({ packageName: PackageName, uid: z.number().int().min(0).nullable(), wifi: z.boolean(), mobile: z.boolean(), vpn: z.boolean() }).strict()).max(2000),
            })
            .strict(),
        result: FirewallResult,
    },
    /** Send a panel's files (by its resultId) to the phone, each checked on arrival. The secret key only when asked for. */
    /** Delete what pushPanelFiles put on the phone (the VPN profile, once imported: it holds a private key). */
    removePushedFiles: {
        request: z.object({ jobId: NewJobId, deviceId: z.string(), resultId: z.string().max(100) }).strict(),
        result: z.object({ removed: z.array(z.string()) }),
    },
    pushPanelFiles: {
        request: z.object({ jobId: NewJobId, deviceId: z.string(), resultId: z.string().max(100), includeSecretKey: z.boolean().default(false) }).strict(),
        result: z.object({ pushed: z.array(z.object({ local: z.string(), remote: z.string(), sha256: z.string() })) }),
    },
    /** Apps panel: every APK checked against its SHA-256 before adb is used, then installed one by one. */
    installApps: {
        request: z.object({ jobId: NewJobId, deviceId: z.string(), apps: z.array(z.object({ file: FileRef, sha256: Sha256 }).strict()).min(1).max(50) }).strict(),
        result: z.object({ results: z.array(AppResult), error: ApiError.nullable() }),
    },
    /** The backups on this computer, newest first. */
    listBackups: { request: Empty, result: z.object({ folder: z.string(), backups: z.array(BackupView) }) },
    /**
     * Back up the phone (in Android or TWRP: the backup job brings it to TWRP) into one archive locked
     * with this passphrase, then read it back to verify it; answers when done. `leaveInTwrp` keeps the
     * phone in TWRP afterwards (the pre-travel flow formats /data next), else it goes back where it was.
     */
    backUpPhone: { request: z.object({ jobId: NewJobId, deviceId: z.string(), passphrase: Passphrase, leaveInTwrp: z.boolean().default(false) }).strict(), result: BackupView },
    /** Decrypt a backup and check every part (no phone needed); a success is recorded as its last verification. */
    verifyBackup: { request: z.object({ jobId: NewJobId, backupId: BackupId, unlock: BackupUnlock }).strict(), result: BackupView },
    /** Delete a backup archive from this computer (the page asks first). */
    deleteBackup: { request: z.object({ backupId: BackupId }).strict(), result: Ok },
    /** Put a backup back on the phone (the restore job brings it to TWRP once every part is checked): refused with nothing written when it is another model's or damaged. */
    restoreBackup: {
        request: z
            .object({
                jobId: NewJobId,
                deviceId: z.string(),
                backupId: BackupId,
                unlock: BackupUnlock,
                storage: z.boolean().default(true),
                /** Also write the backup's raw state partitions (EFS, modem): only with the backup's codename typed back, as the page asks. */
                rawStateTyped: z.string().max(100).optional(),
            })
            .strict(),
        result: z.object({ restored: z.array(z.string()), rawRestored: z.array(z.string()), storageFiles: z.number(), fingerprint: z.string().nullable(), fingerprintChecked: z.boolean() }),
    },
    /** "Travel-clean": format /data on the phone (in TWRP); refused unless this backup is of this phone and verified. */
    makeTravelClean: { request: z.object({ jobId: NewJobId, deviceId: z.string(), backupId: BackupId }).strict(), result: z.object({ storageFilesLeft: z.number() }) },
    /** The counter: its shop, technician, concurrency limit and lanes. */
    counterState: { request: Empty, result: CounterView },
    /** Use this shop folder (one made by `revive shop init` or createShop), technician and concurrency limit. */
    counterSettings: {
        request: z.object({ shopDir: ShopFolder.nullable().optional(), technician: z.string().trim().max(100).optional(), concurrency: z.number().int().min(1).max(16).optional() }).strict(),
        result: CounterView,
    },
    /** `revive shop init DIR --name NAME` from the app: the shop's folder with its signing key, then used by the counter. */
    createShop: { request: z.object({ dir: ShopFolder, name: z.string().trim().min(1).max(100) }).strict(), result: CounterView },
    /** Queue an upgrade on this phone (the receipt's page in `language`) with the files the files step verified; it starts when a place is free. */
    startLane: { request: StartUpgradeOptions.extend({ ticket: Ticket, language: z.enum(['en', 'de']).default('en') }).strict(), result: CounterView },
    /** Take a queued lane out of the queue, or stop its running job (as Stop does). */
    cancelLane: { request: z.object({ deviceId: z.string() }).strict(), result: CounterView },
    /** Take an ended lane off the counter (its receipt stays in the shop's folder). */
    dismissLane: { request: z.object({ deviceId: z.string() }).strict(), result: CounterView },
    /** "Which phone is this?": the phone in Android opens its About phone screen; otherwise only its port is known. */
    identifyPhone: { request: z.object({ deviceId: z.string() }).strict(), result: z.object({ shows: z.enum(['about-phone']).nullable(), port: z.string().nullable() }) },
    /** The shop's job history, searched as `revive history` does (every field optional; days as YYYY-MM-DD, both included). */
    searchHistory: {
        request: z.object({ ticket: Ticket.optional(), serial: z.string().trim().max(64).optional(), imei: z.string().trim().max(20).optional(), from: Day.optional(), to: Day.optional() }).strict(),
        result: z.object({ entries: z.array(HistoryEntry) }),
    },
} as const;


export const events = {
    /** Hotplug: the whole list after every change (a phone in a new mode is a new entry). */
    devicesChanged: DeviceSnapshot,
    verifyProgress: z.object({ verificationId: z.string(), bytesDone: z.number(), bytesTotal: z.number(), rate: z.number(), etaSeconds: z.number().nullable() }),
    /** Each step with the bytes it will put onto the phone (0 for steps that send none), so the page can show the whole job's progress. */
    jobStarted: z.object({ jobId: JobId, steps: z.array(z.object({ id: z.string(), title: z.string(), bytesToPhone: z.number() })), resumed: z.boolean() }),
    /** A step of any job (an upgrade or a panel's): `failed` is followed by the job's end. */
    jobStep: z.object({ jobId: JobId, step: z.string(), title: z.string(), status: z.enum(['started', 'finished', 'skipped', 'failed']), description: z.string() }),
    jobProgress: z.object({
        jobId: JobId,
        step: z.string(),
        /** What within the step is being worked on now (a backup's part), when bytesDone and bytesTotal count the step as a whole. */
        item: z.string().nullable(),
        /** What the receiver has: for bytes going to the phone, what the phone acknowledged. */
        bytesDone: z.number(),
        /** What left the computer (never less than bytesDone). */
        bytesSent: z.number(),
        bytesTotal: z.number(),
        /** The bytes go onto the phone (a flash, a sideload, a push). */
        toPhone: z.boolean(),
        rate: z.number(),
        etaSeconds: z.number().nullable(),
        cancellable: z.boolean(),
    }),
    /** Do something with the phone now (key combo, cable); the job then waits for the phone itself. */
    jobInstruction: z.object({
        jobId: JobId,
        id: z.string(),
        text: z.string(),
        picture: z.string().regex(/^[a-z0-9-]+\.svg$/).nullable(),
        buttons: z.array(z.string()),
        waitingFor: PhoneModeName.nullable(),
        /** The phone is the virtual one: pressVirtualButtons makes its owner press them. */
        virtualPhone: z.boolean(),
    }),
    /** A yes/no question the job cannot go on without; answered with answerConfirm. */
    jobConfirm: z.object({
        jobId: JobId,
        id: z.string(),
        question: z.string(),
        detail: z.string(),
        danger: z.boolean(),
        confirmLabel: z.string(),
        cancelLabel: z.string(),
        /** The facts the question rests on (what was copied and where; which backups exist), for the page to word. */
        facts: z.record(z.string(), z.union([z.string(), z.number()])),
    }),
    /** One log line: a code and its facts (common/log-codes.ts) for the page to word, or a phone's or tool's own words in `line`. */
    jobLog: z.object({ jobId: JobId, at: z.string(), line: z.string().optional(), code: z.string().optional(), facts: Facts.optional() }),
    jobDone: z.object({
        jobId: JobId,
        phoneName: z.string(),
        installed: z.array(z.string()),
        androidBefore: z.string(),
        androidAfter: z.string(),
        backupDirectory: z.string().nullable(),
    }),
    jobFailed: z.object({ jobId: JobId, error: ApiError, step: z.string().nullable(), phoneState: z.string(), phoneNow: PhoneNow, resumable: z.boolean() }),
    /** A deliberate stop: Stop pressed (`person`) or a question answered with Stop (`declined`). */
    jobCancelled: z.object({ jobId: JobId, step: z.string().nullable(), phoneState: z.string(), phoneNow: PhoneNow, reason: z.enum(['person', 'declined']), resumable: z.boolean() }),
    /** The counter's shop, settings or lanes changed. */
    counterChanged: CounterView,
} as const;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
export type CommandRequest<K extends CommandName> = z.input<Commands[K]['request']>;
export type CommandResult<K extends CommandName> = z.output<Commands[K]['result']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

/** Every call resolves (never rejects across the boundary): errors are data. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export type EventSubscriptionName<K extends EventName> = `on${Capitalize<K>}`;

/**
 * `window.revive`: the same shape from the preload (Electron) and from the bridge client (browser).
 * `fileRef` turns a dropped or picked File into something the backend can read (a path in
 * Electron, a streamed upload over the bridge).
 */
export type ReviveApi = {
    readonly [K in CommandName]: (request: CommandRequest<K>) => Promise<ApiResult<CommandResult<K>>>;
} & {
    readonly [K in EventName as EventSubscriptionName<K>]: (listener: (payload: EventPayload<K>) => void) => () => void;
} & {
    readonly fileRef: (file: File) => Promise<ApiResult<FileRef>>;
    /** `electron` or `browser`: the UI words a few things differently (e.g. where a saved log is). */
    readonly host: 'electron' | 'browser';
    /**
     * Open a finished job's backup folder in the file manager. Only Electron has a desktop shell; in a
     * browser it is absent and the page does not offer it.
     */
    readonly openBackupFolder?: (jobId: string) => Promise<ApiResult<{ path: string }>>;
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time proof that names.ts lists exactly the contract's commands and events. */
export const namesMatchContract: [Same<CommandName, CommandNameList>, Same<EventName, EventNameList>] = [true, true];

export function isCommandName(value: unknown): value is CommandName {
    return typeof value === 'string' && Object.prototype.hasOwnProperty.call(commands, value);
}

/** Validate one incoming call; a wrong shape becomes an ApiError, never an exception. */
export function parseRequest<K extends CommandName>(command: K, request: unknown): ApiResult<z.output<Commands[K]['request']>> {
    const parsed = commands[command].request.safeParse(request);
    if (parsed.success) return { ok: true, value: parsed.data as z.output<Commands[K]['request']> };
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`).join('; ');
    return {
        ok: false,
        error: { code: 'bad-request', facts: { command, problems } },
    };
}

/** The wire shape of one bridge message from the page to the backend. */
export const BridgeCall = z.object({ token: z.string(), id: z.number().int().nonnegative(), command: z.string(), request: z.unknown() }).strict();
export type BridgeCall = z.infer<typeof BridgeCall>;

export type BridgeServerMessage =
    | { type: 'result'; id: number; result: ApiResult<unknown> }
    | { type: 'event'; event: EventName; payload: unknown };
