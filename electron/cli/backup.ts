/**
 * `revive backup create | verify | import` and `revive restore`: one encrypted archive per backup
 * (tar in age), checked part by part; restore refuses, with nothing written, what it cannot restore.
 */
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseIdentityFile, parseRecipient, type AgeIdentity, type AgeRecipient } from '../../native/backup/age/index.js';
import { backupPhone, RAW_STATE_PARTS } from '../../native/backup/phone-backup.js';
import { RAW_STATE_CONFIRM_ID, restorePhone } from '../../native/backup/phone-restore.js';
import { importTwrpFolder } from '../../native/backup/twrp-import.js';
import { verifyArchive } from '../../native/backup/verify.js';
import { recordVerified } from '../../native/backup/check-record.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { appHome, Journal, newJobId } from '../../native/jobs/journal.js';
import { findRecipe, requireRecipe } from '../../native/manifests/load.js';
import { estimatePassphraseStrength } from '../../native/panels/passphrase.js';
import { strongEnoughForBackup } from '../../common/passphrase.js';
import { openAdbSession, type AdbSession } from './adb.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { readPassphrase } from './keys.js';
import { jobContext } from './progress.js';
import { englishText } from '../wording.js';

const DEVICE_USAGE = '--device SERIAL|tcp:HOST:PORT|usbip:HOST:PORT|virtual:CODENAME [--virtual-state DIR]';
const deviceOptions = { device: { type: 'string' }, 'virtual-state': { type: 'string' }, owner: { type: 'string' } } as const;
const keyOptions = { identity: { type: 'string' }, 'passphrase-file': { type: 'string' } } as const;

async function openDevice(values: { device?: string | undefined; 'virtual-state'?: string | undefined; owner?: string | undefined; json?: boolean | undefined }, io: CliIo): Promise<AdbSession> {
    if (!values.device) throw new CliUsageError('Give the phone with --device.');
    // Every way to name a phone, read by native/devices/ref.ts like `-s`; --virtual-state and --owner go with virtual:CODENAME.
    // With --json the wait for Allow is a line before the result and ends after NO_PERSON_WAIT_MS.
    return openAdbSession({ serial: values.device, 'virtual-state': values['virtual-state'], owner: values.owner }, io, { json: values.json ?? false });
}

/** How to open an archive: an age identity file or a passphrase file (never a passphrase on argv). */
async function identitiesFrom(values: { identity?: string | undefined; 'passphrase-file'?: string | undefined }, io: CliIo): Promise<AgeIdentity[]> {
    if (values.identity && values['passphrase-file']) throw new CliUsageError('Give --identity or --passphrase-file, not both.');
    if (values.identity) return parseIdentityFile(await readFile(values.identity, 'utf8')).map((i) => ({ kind: 'x25519', secretKey: i.secretKey }));
    return [{ kind: 'scrypt', passphrase: await readPassphrase(io, 'Passphrase of the backup', values['passphrase-file']) }];
}

/** Who can open a new archive: recipients (age1…), or a passphrase asked twice with its strength shown. */
async function recipientsFrom(values: { recipient?: string[] | undefined; 'passphrase-file'?: string | undefined; identity?: string | undefined }, io: CliIo): Promise<{ recipients: AgeRecipient[]; verifyWith: AgeIdentity[] | undefined }> {
    const recipients = (values.recipient ?? []).map((r): AgeRecipient => ({ kind: 'x25519', publicKey: parseRecipient(r) }));
    if (recipients.length > 0) {
        if (values['passphrase-file']) throw new CliUsageError('A passphrase cannot be combined with --recipient (age allows one or the other).');
        const verifyWith = values.identity ? parseIdentityFile(await readFile(values.identity, 'utf8')).map((i): AgeIdentity => ({ kind: 'x25519', secretKey: i.secretKey })) : undefined;
        return { recipients, verifyWith };
    }
    const passphrase = await readPassphrase(io, 'Passphrase for the backup', values['passphrase-file'], true);
    const strength = estimatePassphraseStrength(passphrase);
    // On stderr: stdout stays the result (plain or --json).
    io.err(`Passphrase strength: ${strength.level} (${strength.score}/4)\n${strength.reasons.map((r) => `  - ${r}\n`).join('')}`);
    if (!strongEnoughForBackup(strength)) throw ReviveError.of('backup-weak-passphrase', {});
    return { recipients: [{ kind: 'scrypt', passphrase }], verifyWith: [{ kind: 'scrypt', passphrase }] };
}

function human(bytes: number): string {
    return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

const create: CliCommand = {
    name: 'backup create',
    usage: `revive backup create ${DEVICE_USAGE} --to DIR (--passphrase-file F | --recipient age1… [--recipient …] [--identity F]) [--parts boot,system,data] [--no-storage] [--json]`,
    async run(args, io) {
        const { values } = parseCliArgs({ args: [...args], options: { ...deviceOptions, ...keyOptions, to: { type: 'string' }, recipient: { type: 'string', multiple: true }, parts: { type: 'string' }, 'no-storage': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
        if (!values.to) throw new CliUsageError('Give the folder for the backup with --to DIR.');
        const { recipients, verifyWith } = await recipientsFrom(values, io);
        const session = await openDevice(values, io);
        try {
            const identity = await session.phone.identity();
            const recipe = findRecipe(identity.device) ?? findRecipe(identity.model);
            if (!recipe) throw ReviveError.of('backup-unknown-phone', { variant: 'backup', model: identity.model || '?', device: identity.device || '?' });
            const result = await backupPhone(session.phone, recipe, { folder: resolve(values.to), recipients, verifyWith, recordIn: appHome(), parts: values.parts?.split(',').map((p) => p.trim()).filter(Boolean), storage: !values['no-storage'] }, jobContext(io));
            if (values.json) io.out(`${JSON.stringify({ path: result.path, sizeBytes: result.sizeBytes, manifest: result.manifest, verified: verifyWith !== undefined })}\n`);
            else {
                io.out(`Backup written: ${result.path} (${human(result.sizeBytes)}, ${result.manifest.parts.length} parts)\n`);
                io.out(verifyWith ? 'Read back and verified: every part matches its SHA-256.\n' : 'Not read back: give --identity with --recipient to verify it now, or run revive backup verify later.\n');
            }
            return 0;
        } finally {
            await session.close();
        }
    },
};

const verify: CliCommand = {
    name: 'backup verify',
    usage: 'revive backup verify FILE (--identity F | --passphrase-file F) [--json]',
    async run(args, io) {
        const { values, positionals } = parseCliArgs({ args: [...args], options: { ...keyOptions, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new CliUsageError('Give one backup file.');
        const file = positionals[0] ?? '';
        const checked = await verifyArchive(file, await identitiesFrom(values, io), jobContext(io));
        // The app's backups list shows when each archive was last verified, whoever verified it.
        const record = await recordVerified(file, checked);
        const device = checked.device?.device;
        if (values.json) {
            io.out(`${JSON.stringify({ ok: true, checkedAgainst: checked.checkedAgainst, device: device ?? null, parts: checked.parts.map((p) => ({ path: p.path, sizeBytes: p.sizeBytes, sha256: p.sha256 })), verifiedAt: record.verifiedAt })}\n`);
            return 0;
        }
        if (device) io.out(`Backup of ${device.model || device.codename} (${device.codename}, serial ${device.serial}), ${device.fingerprint}, made ${checked.device?.createdAt}\n`);
        else io.out(`A TWRP folder without a Revive manifest (${checked.foreignFolder ?? '?'}): checked against TWRP's digest files.\n`);
        for (const part of checked.parts) io.out(`  ${part.path}  ${human(part.sizeBytes)}  OK\n`);
        for (const path of checked.twrpImagesWithoutDigest) io.out(`  (${path} has no TWRP digest file${checked.checkedAgainst === 'manifest' ? '; checked against the manifest' : '; only age authenticated it'})\n`);
        io.out(`All ${checked.parts.length} parts are intact.\n`);
        return 0;
    },
};

const importFolder: CliCommand = {
    name: 'backup import',
    usage: 'revive backup import FOLDER --codename CODENAME --to DIR (--passphrase-file F | --recipient age1… [--identity F]) [--twrp-password-file F]',
    async run(args, io) {
        const { values, positionals } = parseCliArgs({ args: [...args], options: { ...keyOptions, to: { type: 'string' }, codename: { type: 'string' }, recipient: { type: 'string', multiple: true }, 'twrp-password-file': { type: 'string' } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1 || !values.to || !values.codename) throw new CliUsageError('Give the TWRP folder, --codename and --to.');
        const recipe = requireRecipe(values.codename);
        // TWRP's own password (for its openaes-encrypted backups) is read as typed: every byte is key.
        const twrpPassword = values['twrp-password-file'] === undefined ? undefined : ((await readFile(values['twrp-password-file'], 'utf8')).split(/\r?\n/)[0] ?? '');
        const { recipients, verifyWith } = await recipientsFrom(values, io);
        const done = await importTwrpFolder({ folder: positionals[0] ?? '', recipe, codename: values.codename, to: values.to, recipients, twrpPassword }, jobContext(io));
        if (verifyWith) {
            // TWRP's own digests are checked here: a damaged old backup is named now, not at restore.
            let checked;
            try {
                checked = await verifyArchive(done.path, verifyWith, jobContext(io));
            } catch (error) {
                await rm(done.path, { force: true });
                throw error;
            }
            await recordVerified(done.path, checked);
        }
        if (done.decrypted.length > 0) io.out(`Decrypted TWRP's encryption of ${done.decrypted.join(', ')} (each checked against TWRP's digest of the encrypted file).\n`);
        io.out(`Imported ${done.files} files into ${done.path}${verifyWith ? '; every TWRP digest matched' : ''}.\n`);
        return 0;
    },
};

/**
 * The extra question before raw state partitions are written, at a terminal: its words (the same
 * the app shows for RAW_STATE_CONFIRM_ID), then the phone's codename typed back. Anything else
 * refuses with nothing written.
 */
async function confirmRawState(io: CliIo, codename: string, only: readonly string[] | undefined): Promise<void> {
    const partitions = only?.filter((n) => RAW_STATE_PARTS.has(n)).join(', ') || 'EFS, persist, modem';
    const key = `job.confirms.${RAW_STATE_CONFIRM_ID}`;
    io.err(`${englishText(`${key}.question`)}\n${englishText(`${key}.detail`)}\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const answer = await new Promise<string>((done) => rl.question(englishText(`${key}.typed`, { codename, partitions }), done)).finally(() => rl.close());
    if (answer.trim() !== codename) throw ReviveError.of('restore-raw-unconfirmed', { variant: 'typed', partitions });
}

const restore: CliCommand = {
    name: 'restore',
    usage: `revive restore FILE ${DEVICE_USAGE} (--identity F | --passphrase-file F) [--only boot,system,data,efs] [--with-efs] [--no-storage] [--yes]`,
    async run(args, io) {
        const { values, positionals } = parseCliArgs({ args: [...args], options: { ...deviceOptions, ...keyOptions, only: { type: 'string' }, 'with-efs': { type: 'boolean' }, 'no-storage': { type: 'boolean' }, yes: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
        if (positionals.length !== 1) throw new CliUsageError('Give one backup file.');
        const withEfs = values['with-efs'] === true;
        // With --with-efs a person at a terminal may type the phone's codename instead of --yes.
        if (!values.yes && !(withEfs && process.stdin.isTTY)) throw new CliUsageError('A restore overwrites the chosen partitions on the phone: add --yes to confirm.');
        const identities = await identitiesFrom(values, io);
        const session = await openDevice(values, io);
        try {
            const identity = await session.phone.identity();
            const recipe = findRecipe(identity.device) ?? findRecipe(identity.model);
            if (!recipe) throw ReviveError.of('backup-unknown-phone', { variant: 'restore', model: identity.model || '?', device: identity.device || '?' });
            const only = values.only?.split(',').map((p) => p.trim()).filter(Boolean);
            if (withEfs && !values.yes) await confirmRawState(io, identity.device || (recipe.codenames[0] ?? recipe.id), only);
            const archive = resolve(positionals[0] ?? '');
            const journal = Journal.create(newJobId(), 'restore', { archive, device: values.device ?? '', only: only ?? null, storage: !values['no-storage'], withEfs });
            let result;
            try {
                result = await restorePhone(session.phone, { recipe, archive, identities, only, storage: !values['no-storage'], journal, withRawState: withEfs }, jobContext(io));
                journal.append({ t: 'end', outcome: 'done', detail: `Restored ${result.restored.join(', ')}.` });
            } catch (error) {
                const failure = ReviveError.from(error);
                journal.append({ t: 'end', outcome: 'failed', detail: `${failure.code}: ${failure.message}` });
                io.err(`The restore's journal (each step, each part sent): ${journal.path}\n`);
                throw error;
            }
            if (values.json) io.out(`${JSON.stringify(result)}\n`);
            else {
                io.out(`Restored ${[...result.restored, ...result.rawRestored].join(', ')}${result.storageFiles > 0 ? ` and ${result.storageFiles} files of internal storage` : ''}.\n`);
                if (result.rawRestored.length > 0) io.out(`${result.rawRestored.join(', ')}: written and read back from the phone, every byte as backed up.\n`);
                if (result.fingerprintChecked) io.out(`The phone started and reports the backed-up system: ${result.fingerprint}\n`);
            }
            return 0;
        } finally {
            await session.close();
        }
    },
};

export const commands: readonly CliCommand[] = [create, verify, importFolder, restore];
