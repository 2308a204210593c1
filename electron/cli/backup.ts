/**
 * `revive backup create | verify | import` and `revive restore`: one encrypted archive per backup
 * (tar in age), checked part by part; restore refuses, with nothing written, what it cannot restore.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RAW_STATE_PARTS } from '../../native/backup/phone-backup.js';
import { RAW_STATE_CONFIRM_ID } from '../../native/backup/phone-restore.js';
import { importTwrpFolder } from '../../native/backup/twrp-import.js';
import { verifyArchive } from '../../native/backup/verify.js';
import { recordVerified } from '../../native/backup/check-record.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { appHome, jobsDir, newJobId } from '../../native/jobs/journal.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { identitiesFrom, recipientsFrom } from './backup-keys.js';
import { readFirstLine } from './keys.js';
import { jobContext, progressPrinter } from './progress.js';
import { parseDeviceRef } from '../../native/devices/ref.js';
import { openDeviceSession } from '../phone-finding/device-session.js';
import { openTcpSession } from '../phone-finding/tcp-session.js';
import { backupParamsOf, runBackup, type BackupEnding } from '../jobs/backup/run.js';
import { restoreParamsOf, runRestore } from '../jobs/backup/restore.js';
import { TerminalUi } from '../jobs/terminal-ui.js';
import type { JobEvent, JobUi } from '../../native/jobs/events.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { scriptedPerson } from '../jobs/scripted-person.js';
import { NO_PERSON_WAIT_MS } from './json-waits.js';
import { authNotice } from './upgrade.js';
import { englishText } from '../wording.js';

const DEVICE_USAGE = '--device SERIAL|tcp:HOST:PORT|usbip:HOST:PORT|virtual:CODENAME [--virtual-state DIR]';
const deviceOptions = { device: { type: 'string' }, 'virtual-state': { type: 'string' }, owner: { type: 'string' } } as const;
const keyOptions = { identity: { type: 'string' }, 'passphrase-file': { type: 'string' } } as const;

function human(bytes: number): string {
    return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * A backup or restore job's events on the terminal: steps and log lines on stderr; with --json only
 * the waits, as `log` lines on stdout. `resume` words how to continue an interrupted job.
 */
function jobPrinter<Report>(io: CliIo, json: boolean, resume: (jobId: string) => string): (event: JobEvent<Report, BackupEnding>) => void {
    const progress = progressPrinter(io);
    return (event) => {
        if (json) {
            if (event.type === 'log' && (event.note?.code === 'waiting-for-phone' || event.note?.code === 'waiting-for-allow')) io.out(`${JSON.stringify(event)}\n`);
            return;
        }
        if (event.type === 'step' && event.status === 'started') io.err(`> ${event.title}: ${event.description}\n`);
        else if (event.type === 'step' && event.status !== 'failed') io.err(`  ${event.description}\n`);
        else if (event.type === 'log') io.err(`  ${event.line}\n`);
        else if (event.type === 'instruction') io.err(`\n  *** On the phone ***\n  ${event.text}\n`);
        else if (event.type === 'progress') progress(event.progress);
        else if ((event.type === 'failed' || event.type === 'cancelled') && event.resumable) io.err(`${resume(event.jobId)}\n`);
    };
}

/** --wait SECONDS: how long to wait for the phone to come back after a restart or an instruction. */
export function waitOption(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const seconds = Number(value);
    if (!(Number.isInteger(seconds) && seconds >= 1)) throw new CliUsageError('--wait takes a whole number of seconds (1 or more).');
    return seconds * 1000;
}

/** The person at the terminal: instructions printed (a virtual phone's owner follows them), questions asked or answered by --yes. */
function terminalPerson(io: CliIo, session: { virtualPhone?: VirtualPhone | undefined }, json: boolean, yes: boolean): JobUi {
    const person = session.virtualPhone ? scriptedPerson(session.virtualPhone, { delayMs: 300 }) : undefined;
    const terminal = new TerminalUi({ out: (text) => io.err(text), err: io.err, interactive: io.interactive, json, assumeYes: yes });
    return {
        instruct: (instruction) => person?.instruct(instruction),
        confirm: (request, signal) => terminal.confirm(request, signal),
    };
}

const create: CliCommand = {
    name: 'backup create',
    usage: [
        `revive backup create --device ID --to DIR (--passphrase-file F | --recipient age1… [--recipient …] [--identity F]) [--parts boot,system,data] [--no-storage] [--twrp IMG] [--recovery IMG [--yes]] [--storage-only] [--wait SECONDS] [--json]`,
        'revive backup create --resume JOBID --device ID (--passphrase-file F | --recipient age1… [--identity F]) [--json]',
        '  --device        a USB serial, usb:PORT, usbip:HOST:PORT[/BUSID], tcp:HOST:PORT (adb over the network: Android and TWRP only), or virtual:CODENAME [--virtual-state DIR]',
        '  --twrp IMG      a TWRP image to start from RAM (fastboot boot) on a phone with an unlocked bootloader: nothing is written to it',
        "  --recovery IMG  the recipe's TWRP for a Samsung phone that still has its own recovery: written to its recovery partition (Odin) after you agree (--yes agrees)",
        '  --storage-only  only internal storage (photos, downloads, documents), read from the running Android: for a phone whose bootloader is locked',
        '  --wait          seconds to wait for the phone to come back after a restart (default 600; 120 with --json where nobody is there)',
        '  --resume        continue an interrupted backup (same folder and choices, from its journal)',
    ].join('\n'),
    async run(args, io) {
        const { values } = parseCliArgs({
            args: [...args],
            options: { ...deviceOptions, ...keyOptions, to: { type: 'string' }, recipient: { type: 'string', multiple: true }, parts: { type: 'string' }, 'no-storage': { type: 'boolean' }, 'storage-only': { type: 'boolean' }, twrp: { type: 'string' }, recovery: { type: 'string' }, yes: { type: 'boolean' }, wait: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' } },
            strict: true,
        });
        if (!values.device) throw new CliUsageError('Give the phone with --device.');
        if (!values.to && !values.resume) throw new CliUsageError('Give the folder for the backup with --to DIR.');
        if (values['storage-only'] && (values.parts || values['no-storage'] || values.twrp || values.recovery)) throw new CliUsageError('--storage-only copies internal storage alone: it goes without --parts, --no-storage, --twrp and --recovery.');
        const waitTimeoutMs = waitOption(values.wait);
        const json = values.json ?? false;
        const choices = values.resume
            ? backupParamsOf(values.resume)
            : { folder: resolve(values.to ?? ''), parts: values.parts?.split(',').map((p) => p.trim()).filter(Boolean), storage: !values['no-storage'], storageOnly: values['storage-only'] ?? false, twrpImage: values.twrp ? resolve(values.twrp) : undefined, recoveryImage: values.recovery ? resolve(values.recovery) : undefined };
        const { recipients, verifyWith } = await recipientsFrom(values, io);
        const device = parseDeviceRef(values.device, { virtualStateDir: values['virtual-state'] });
        const sessionOptions = { signal: io.signal, onNotice: (m: string) => io.err(`${m}\n`), linkOptions: authNotice(io, json, json, waitTimeoutMs) };
        // A backup needs only Android and TWRP, which adb reaches over TCP too (an upgrade needs more).
        const session = device.kind === 'tcp' ? await openTcpSession(device, sessionOptions) : await openDeviceSession(device, sessionOptions);
        try {
            const result = await runBackup(
                { ...choices, recipients, verifyWith },
                {
                    recipe: session.recipe,
                    locator: session.locator,
                    links: session.links,
                    emit: jobPrinter(io, json, (id) => `To continue later: revive backup create --resume ${id} --device … (and the passphrase or recipients again)`),
                    signal: io.signal,
                    waitTimeoutMs,
                    personTimeoutMs: json ? (waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined,
                    ui: terminalPerson(io, session, json, values.yes === true),
                },
            );
            if (json) io.out(`${JSON.stringify({ jobId: result.jobId, path: result.archive.path, sizeBytes: result.archive.sizeBytes, sha256: result.archive.sha256, manifest: result.manifest, verified: result.verified, kind: result.kind, twrpWay: result.twrpWay, phoneLeftIn: result.phoneLeftIn, journal: result.journalPath })}\n`);
            else {
                io.out(`Backup written: ${result.archive.path} (${human(result.archive.sizeBytes)}, ${result.manifest.parts.length} parts)\n`);
                io.out(result.verified ? 'Read back and verified: every part matches its SHA-256.\n' : 'Not read back: give --identity with --recipient to verify it now, or run revive backup verify later.\n');
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
        const twrpPassword = values['twrp-password-file'] === undefined ? undefined : await readFirstLine(values['twrp-password-file'], 'twrp-password');
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
    usage: [
        `revive restore FILE ${DEVICE_USAGE} (--identity F | --passphrase-file F) [--only boot,system,data,efs] [--with-efs] [--no-storage] [--twrp IMG] [--recovery IMG] [--wait SECONDS] [--yes] [--json]`,
        'revive restore --resume JOBID --device ID (--identity F | --passphrase-file F) [--yes] [--json]',
        '  The phone may be in Android, TWRP, the bootloader or download mode: the restore brings it to TWRP itself, after every part of the backup was checked.',
        '  --twrp IMG      a TWRP image to start from RAM (fastboot boot) on a phone with an unlocked bootloader: nothing is written to it',
        "  --recovery IMG  the recipe's TWRP for a Samsung phone that still has its own recovery: written to its recovery partition (Odin) after you agree",
        '  --wait          seconds to wait for the phone after a restart or a key combination (default 600)',
        '  --resume        continue an interrupted restore (an unplugged cable) from its journal',
    ].join('\n'),
    async run(args, io) {
        const { values, positionals } = parseCliArgs({
            args: [...args],
            options: { ...deviceOptions, ...keyOptions, only: { type: 'string' }, 'with-efs': { type: 'boolean' }, 'no-storage': { type: 'boolean' }, twrp: { type: 'string' }, recovery: { type: 'string' }, wait: { type: 'string' }, resume: { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' } },
            allowPositionals: true,
            strict: true,
        });
        if (!values.device) throw new CliUsageError('Give the phone with --device.');
        if (values.resume ? positionals.length > 0 : positionals.length !== 1) throw new CliUsageError(values.resume ? 'With --resume the backup file comes from the journal: give no file.' : 'Give one backup file.');
        const waitTimeoutMs = waitOption(values.wait);
        const json = values.json ?? false;
        const choices = values.resume
            ? restoreParamsOf(values.resume)
            : {
                  archive: resolve(positionals[0] ?? ''),
                  only: values.only?.split(',').map((p) => p.trim()).filter(Boolean),
                  storage: !values['no-storage'],
                  withRawState: values['with-efs'] === true,
                  twrpImage: values.twrp ? resolve(values.twrp) : undefined,
                  recoveryImage: values.recovery ? resolve(values.recovery) : undefined,
              };
        const withEfs = choices.withRawState === true;
        // With --with-efs a person at a terminal may type the phone's codename instead of --yes.
        if (!values.yes && !(withEfs && process.stdin.isTTY)) throw new CliUsageError('A restore overwrites the chosen partitions on the phone: add --yes to confirm.');
        const identities = await identitiesFrom(values, io);
        const device = parseDeviceRef(values.device, { virtualStateDir: values['virtual-state'] });
        const sessionOptions = { signal: io.signal, onNotice: (m: string) => io.err(`${m}\n`), linkOptions: authNotice(io, json, json, waitTimeoutMs) };
        const session = device.kind === 'tcp' ? await openTcpSession(device, sessionOptions) : await openDeviceSession(device, sessionOptions);
        try {
            const recipe = session.recipe;
            if (withEfs && !values.yes) await confirmRawState(io, recipe.codenames[0] ?? recipe.id, choices.only);
            const jobId = values.resume ?? newJobId();
            let result;
            try {
                result = await runRestore(
                    { ...choices, ...(values.resume ? {} : { jobId }), identities },
                    {
                        recipe,
                        locator: session.locator,
                        links: session.links,
                        emit: jobPrinter(io, json, (id) => `To continue: revive restore --resume ${id} --device … (and the passphrase or identity again) --yes`),
                        signal: io.signal,
                        waitTimeoutMs,
                        personTimeoutMs: json ? (waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined,
                        // --yes confirmed the restore; it also answers the restore's own questions (TWRP onto a Samsung's recovery).
                        ui: terminalPerson(io, session, json, values.yes === true),
                    },
                );
            } catch (error) {
                if (error instanceof ReviveError) io.err(`The restore's journal (each step, each part sent): ${join(jobsDir(appHome()), `${jobId}.jsonl`)}\n`);
                throw error;
            }
            if (json) io.out(`${JSON.stringify({ jobId: result.jobId, restored: result.restored, rawRestored: result.rawRestored, storageFiles: result.storageFiles, fingerprint: result.fingerprint, fingerprintChecked: result.fingerprintChecked, twrpWay: result.twrpWay, runs: result.runs, journal: result.journalPath })}\n`);
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
