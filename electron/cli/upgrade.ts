/** `revive upgrade`: the guided upgrade from the command line, on any phone (real, USB/IP or virtual). */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ReviveError } from '../../native/jobs/errors.js';
import type { UpgradeReport } from '../../native/jobs/events.js';
import { appHome, Journal, jobsDir, readJournal } from '../../native/jobs/journal.js';
import { parseDeviceRef } from '../../native/devices/ref.js';
import { newJobId } from '../../common/job-id.js';
import { openDeviceSession, type DeviceSession } from '../phone-finding/device-session.js';
import type { ProtocolLinkOptions } from '../jobs/protocol-links.js';
import { TerminalUi } from '../jobs/terminal-ui.js';
import type { UpgradeFiles, UpgradeOptions } from '../jobs/types.js';
import { runUpgrade } from '../jobs/upgrade.js';
import { scriptedPerson } from '../jobs/scripted-person.js';
import { runCounter, type CounterBackupKeys, type CounterOptions, type CounterPhone } from '../jobs/counter.js';
import { RECEIPT_LANGUAGES, type ReceiptLanguage } from '../shop/receipt-page.js';
import { printReceiptPdf } from '../shop/receipt-pdf.js';
import { openShop, shopBackupKeys } from '../shop/shop.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';
import { downloadContext, fetchRoles } from './fetch.js';
import type { Recipe } from '../../native/manifests/schema.js';
import { CounterTerminal } from './counter-terminal.js';
import { allowWaitLine, NO_PERSON_WAIT_MS } from './json-waits.js';
import { recipientsFrom } from './backup-keys.js';
import { backupStillToWrite } from '../jobs/upgrade/backup.js';

export interface TerminalRunFlags {
    readonly json: boolean;
    readonly assumeYes: boolean;
    readonly assumeYesReason?: string | undefined;
    readonly waitTimeoutMs?: number | undefined;
    /** Called after the phone confirmed its new system. */
    readonly onDone?: ((report: UpgradeReport) => void) | undefined;
}

/**
 * Run an upgrade with the terminal as its UI (for virtual phones a scripted person holds the keys),
 * close the session, and return the exit status: 0 only when the phone confirmed the new system.
 */
export async function runUpgradeInTerminal(options: UpgradeOptions, session: DeviceSession, io: CliIo, flags: TerminalRunFlags): Promise<number> {
    try {
        const report = await upgradeWithTerminal(options, session, io, flags);
        if (!report.after.androidVersion) return 1;
        flags.onDone?.(report);
        return 0;
    } catch (error) {
        // The terminal UI already printed the failed/cancelled event; exit non-zero without repeating it.
        if (error instanceof ReviveError) return 1;
        throw error;
    } finally {
        await session.close();
    }
}

function upgradeWithTerminal(options: UpgradeOptions, session: DeviceSession, io: CliIo, flags: TerminalRunFlags): Promise<UpgradeReport> {
    const terminal = new TerminalUi({ out: io.out, err: io.err, interactive: io.interactive, json: flags.json, assumeYes: flags.assumeYes, assumeYesReason: flags.assumeYesReason });
    const phone = session.virtualPhone;
    const person = phone
        ? scriptedPerson(phone, {
              delayMs: 300,
              onInstruction: (instruction) => {
                  if (!flags.json && instruction.buttons && instruction.buttons.length > 0) {
                      io.out(`  (Virtual phone: its owner holds ${instruction.buttons.join(' + ')}.)\n`);
                  }
              },
          })
        : undefined;
    return runUpgrade(options, {
            recipe: session.recipe,
            locator: session.locator,
            links: session.links,
            emit: (event) => terminal.emit(event),
            signal: io.signal,
            waitTimeoutMs: flags.waitTimeoutMs,
            personTimeoutMs: flags.json || flags.assumeYes ? (flags.waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined,
            ui: {
                instruct: (instruction) => {
                    terminal.instruct(instruction);
                    person?.instruct(instruction);
                },
                confirm: (request, signal) => terminal.confirm(request, signal),
            },
        });
}

/**
 * What the terminal shows while the phone asks "Allow USB debugging?"; without a person the wait is
 * bounded (by --wait, else NO_PERSON_WAIT_MS). With --json the wait is one `log` line on stdout
 * (code waiting-for-allow, the seconds it lasts at most), so a program reading it knows why
 * nothing moves.
 */
export function authNotice(io: CliIo, json: boolean, noPerson = json, waitTimeoutMs?: number, extra: Readonly<Record<string, string>> = {}): ProtocolLinkOptions {
    const allowTimeoutMs = noPerson ? (waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined;
    return {
        onWaitingForAuth: (message) => {
            io.out(json ? allowWaitLine(allowTimeoutMs ?? 0, extra) : `\n  *** On the phone ***\n  ${message} (Allow USB debugging).\n`);
        },
        allowTimeoutMs,
    };
}

const ROLES: ReadonlyArray<keyof UpgradeFiles> = ['recovery', 'rom', 'gapps', 'su'];

/**
 * --fetch: download what the person did not give. TWRP and the ROM must come from somewhere (the
 * download fails with the page to get them by hand); Gapps and su are fetched when the recipe
 * publishes them, and otherwise left out with a line saying why.
 */
async function fetchMissing(recipe: Recipe, given: Partial<UpgradeFiles>, io: CliIo, home: string, json: boolean): Promise<UpgradeFiles> {
    const ctx = downloadContext(io, home, json);
    const out: Partial<Record<keyof UpgradeFiles, string>> = { ...given };
    for (const role of ROLES) {
        if (out[role]) continue;
        const download = recipe.downloads.find((d) => d.role === role);
        if ((role === 'gapps' || role === 'su') && download?.availability !== 'published') {
            if (!json) io.err(`${role}: not downloaded (${download?.note ?? 'the recipe names no source'}); the upgrade goes without it.\n`);
            continue;
        }
        const [fetched] = await fetchRoles(recipe, [role], ctx);
        out[role] = fetched?.path;
    }
    if (!out.recovery || !out.rom) throw new Error('fetchRoles returned without a file');
    return { recovery: out.recovery, rom: out.rom, gapps: out.gapps, su: out.su };
}

function parseChecksums(values: readonly string[]): Partial<Record<keyof UpgradeFiles, string>> {
    const out: Partial<Record<keyof UpgradeFiles, string>> = {};
    for (const value of values) {
        const match = /^(recovery|rom|gapps|su)=(.+)$/.exec(value);
        if (!match?.[1] || !match[2]) throw new CliUsageError(`--sha256 takes ROLE=HEX (ROLE is recovery, rom, gapps or su), not "${value}".`);
        out[match[1] as keyof UpgradeFiles] = match[2];
    }
    return out;
}

/** The files a resumed job was started with, from its journal. */
function filesFromJournal(jobId: string, home: string): { files: UpgradeFiles; backupTo?: string; noBackup: boolean } {
    // Read without opening a new run: resume proper happens in runUpgrade.
    const params = Journal.peek(jobId, home).params;
    const files = (params['files'] ?? {}) as Record<string, string>;
    if (!files['recovery'] || !files['rom']) {
        throw ReviveError.of('journal-incomplete', { jobId });
    }
    return {
        files: { recovery: files['recovery'], rom: files['rom'], gapps: files['gapps'], su: files['su'] },
        backupTo: typeof params['backupTo'] === 'string' ? params['backupTo'] : undefined,
        noBackup: params['noBackup'] === true,
    };
}

const upgrade: CliCommand = {
    name: 'upgrade',
    usage: [
        'revive upgrade --device ID --recovery IMG --rom ZIP [--gapps ZIP] [--su ZIP] [--fetch] [--backup-to DIR [--passphrase-file F | --recipient age1… [--identity F]] | --no-backup]',
        '               [--sha256 ROLE=HEX]... [--yes] [--json] [--virtual-state DIR]',
        'revive upgrade --resume JOBID --device ID [--yes] [--json]',
        'revive upgrade --device A --device B … [--shop DIR --technician NAME --ticket DEVICE=TICKET… --note DEVICE=TEXT…]',
        '               [--jobs N | --one-at-a-time] [--receipt-language en|de] [--pdf] …the files and flags above',
        '  several --device: the upgrades run at once, one line per phone, then a summary table;',
        '             each phone is followed by its own port, and a failure on one never touches another',
        '  --shop     write a signed receipt per job (also for a failed one) to DIR/receipts (see `revive shop init`);',
        '             each backup is encrypted to the shop\'s backup key, or for one phone to --passphrase-file F (the customer\'s)',
        '  --ticket   the customer\'s ticket for a phone, e.g. --ticket usbip:127.0.0.1:3240=T-1001',
        '  --pdf      also print each receipt page to PDF with the system\'s Chromium, after every job ended',
        '  --device   a USB serial, a USB port (usb:1-3.4, as `revive devices` shows), usbip:HOST:PORT[/BUSID],',
        '             or virtual:CODENAME (an in-process virtual phone;',
        '             its state lives in --virtual-state DIR, as with `virtual-phone serve --state-dir`)',
        '  --backup-to the folder for the backup: one encrypted archive (tar in age) that `revive restore` puts back;',
        '             --passphrase-file F or --recipient age1… choose who opens it; without them the passphrase is asked',
        '             at a terminal (twice, its strength shown), and elsewhere (--json, --yes, a script) the upgrade',
        '             refuses before touching the phone: no key is ever kept beside a backup',
        '  --sha256   the checksum of a file that is not in the phone\'s recipe, e.g. --sha256 rom=3f5a…',
        '             (or put FILE.sha256 next to the file)',
        '  --fetch    download the files not given, from where the phone\'s recipe says they are published',
        '  --yes      answer yes to every question (erasing, unlocking, going without a backup)',
        '  --wait     how many seconds to wait for a phone to appear at first (default 30) and to come back after an instruction',
        '             (default 600; with --yes or --json, where nobody holds keys or taps Allow, 120)',
        'Exit status 0 only when every phone has started its new system and reported its version.',
    ].join('\n'),
    async run(args: readonly string[], io: CliIo): Promise<number> {
        const { values } = parseArgs({
            args: [...args],
            options: {
                device: { type: 'string', multiple: true, default: [] },
                shop: { type: 'string' },
                technician: { type: 'string' },
                ticket: { type: 'string', multiple: true, default: [] },
                note: { type: 'string', multiple: true, default: [] },
                jobs: { type: 'string' },
                'one-at-a-time': { type: 'boolean', default: false },
                'receipt-language': { type: 'string' },
                wait: { type: 'string' },
                pdf: { type: 'boolean', default: false },
                recovery: { type: 'string' },
                rom: { type: 'string' },
                gapps: { type: 'string' },
                su: { type: 'string' },
                'backup-to': { type: 'string' },
                'no-backup': { type: 'boolean', default: false },
                'passphrase-file': { type: 'string' },
                recipient: { type: 'string', multiple: true },
                identity: { type: 'string' },
                sha256: { type: 'string', multiple: true, default: [] },
                yes: { type: 'boolean', default: false },
                json: { type: 'boolean', default: false },
                'virtual-state': { type: 'string' },
                resume: { type: 'string' },
                home: { type: 'string' },
                fetch: { type: 'boolean', default: false },
            },
            strict: true,
            allowPositionals: false,
        });
        const deviceWords = values.device;
        if (deviceWords.length === 0) throw new CliUsageError('--device is required (a serial, usbip:HOST:PORT or virtual:CODENAME).');
        // The one parser of a person's words for a phone says whether it is a virtual one.
        if (values['virtual-state'] && (deviceWords.length > 1 || parseDeviceRef(deviceWords[0] ?? '').kind !== 'virtual')) throw new CliUsageError('--virtual-state only goes with one --device virtual:CODENAME.');
        if (values['backup-to'] && values['no-backup']) throw new CliUsageError('Choose either --backup-to DIR or --no-backup, not both.');
        const home = values.home ?? appHome();
        let files: UpgradeFiles;
        let backupTo = values['backup-to'];
        let noBackup = values['no-backup'] ?? false;
        if (values.resume) {
            const saved = filesFromJournal(values.resume, home);
            files = { recovery: values.recovery ?? saved.files.recovery, rom: values.rom ?? saved.files.rom, gapps: values.gapps ?? saved.files.gapps, su: values.su ?? saved.files.su };
            backupTo ??= saved.backupTo;
            noBackup ||= saved.noBackup;
        } else {
            if (!values.fetch && (!values.recovery || !values.rom)) throw new CliUsageError('--recovery IMG and --rom ZIP are required (or --fetch to download them).');
            files = { recovery: values.recovery ?? '', rom: values.rom ?? '', gapps: values.gapps, su: values.su };
        }
        for (const role of ROLES) if (files[role] === '' && !(values.fetch && values[role] === undefined)) throw new CliUsageError(`--${role} needs a file.`);
        const waitSeconds = values.wait === undefined ? undefined : Number(values.wait);
        if (waitSeconds !== undefined && !(Number.isInteger(waitSeconds) && waitSeconds >= 1)) throw new CliUsageError('--wait takes a whole number of seconds (1 or more).');
        const waitTimeoutMs = waitSeconds === undefined ? undefined : waitSeconds * 1000;
        const keysGiven = values['passphrase-file'] !== undefined || (values.recipient ?? []).length > 0;
        if (keysGiven && noBackup) throw new CliUsageError('--passphrase-file and --recipient protect the backup: they do not go with --no-backup.');
        const counterWanted = deviceWords.length > 1 || values.shop !== undefined || values.jobs !== undefined || values['one-at-a-time'] === true;
        if (counterWanted) {
            if (values.resume) throw new CliUsageError('--resume continues one job on one phone; it does not go with several --device, --shop or --jobs.');
            if (values.fetch) throw new CliUsageError('--fetch goes with one phone; fetch the files first (revive fetch), then give them to every phone.');
            if ((values.recipient ?? []).length > 0) throw new CliUsageError('--recipient goes with one phone without a shop; at the counter a backup is encrypted to the shop\'s key (or a customer\'s --passphrase-file).');
            if (values['passphrase-file'] !== undefined && deviceWords.length > 1) throw new CliUsageError('--passphrase-file (the customer\'s passphrase) goes with one phone; with several, each backup is encrypted to the shop\'s key.');
            return runCounterInTerminal(deviceWords, values, { files, checksums: parseChecksums(values.sha256 ?? []), backupTo, noBackup, home, waitTimeoutMs }, io);
        }
        // Settled before the phone is touched: a backup still to be written is locked with what was given, else with a
        // passphrase asked at the terminal (twice, its strength shown); with no terminal to ask at, nothing starts.
        const lockNeeded = !noBackup && (!values.resume || backupStillToWrite(readJournal(join(jobsDir(home), `${values.resume}.jsonl`))));
        const askHere = !values.json && !values.yes && io.interactive && process.stdin.isTTY === true;
        if (lockNeeded && !keysGiven && !askHere) throw ReviveError.of('backup-lock-needed', { variant: 'cli' });
        const backupKeys = keysGiven || lockNeeded ? await recipientsFrom(values, io) : undefined;
        const device = parseDeviceRef(deviceWords[0] ?? '', { virtualStateDir: values['virtual-state'] });
        const session = await openDeviceSession(device, { signal: io.signal, findTimeoutMs: waitTimeoutMs, onNotice: (m) => io.err(`${m}\n`), linkOptions: authNotice(io, values.json ?? false, (values.json ?? false) || (values.yes ?? false), waitTimeoutMs) });
        if (values.fetch) {
            try {
                const given = Object.fromEntries(Object.entries(files).filter(([, path]) => path)) as Partial<UpgradeFiles>;
                files = await fetchMissing(session.recipe, given, io, home, values.json ?? false);
            } catch (error) {
                await session.close();
                throw error;
            }
        }
        return runUpgradeInTerminal(
            // The command chooses the job's id before it starts, as the page does (common/job-id.ts).
            { device, files, checksums: parseChecksums(values.sha256 ?? []), backupTo, noBackup, backupKeys, ...(values.resume ? { resumeJobId: values.resume } : { jobId: newJobId() }), home },
            session,
            io,
            { json: values.json ?? false, assumeYes: values.yes ?? false, waitTimeoutMs },
        );
    },
};

/** `DEVICE=VALUE` pairs (--ticket, --note), keyed by the device words as the person wrote them in --device. */
function perDevice(pairs: readonly string[], flag: string, devices: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const pair of pairs) {
        const at = pair.lastIndexOf('=');
        const device = at > 0 ? pair.slice(0, at) : '';
        const value = at > 0 ? pair.slice(at + 1) : '';
        if (!devices.includes(device) || value.trim() === '') throw new CliUsageError(`${flag} takes DEVICE=VALUE with DEVICE one of the --device words (${devices.join(', ')}), not "${pair}".`);
        out.set(device, value.trim());
    }
    return out;
}

interface CounterFlags {
    readonly shop?: string | undefined;
    readonly 'passphrase-file'?: string | undefined;
    readonly technician?: string | undefined;
    readonly ticket: string[];
    readonly note: string[];
    readonly jobs?: string | undefined;
    readonly 'one-at-a-time'?: boolean | undefined;
    readonly 'receipt-language'?: string | undefined;
    readonly pdf?: boolean | undefined;
    readonly yes?: boolean | undefined;
    readonly json?: boolean | undefined;
}

async function runCounterInTerminal(
    deviceWords: readonly string[],
    values: CounterFlags,
    job: Pick<CounterOptions, 'files' | 'checksums' | 'backupTo' | 'noBackup' | 'home' | 'waitTimeoutMs'>,
    io: CliIo,
): Promise<number> {
    const tickets = perDevice(values.ticket, '--ticket', deviceWords);
    const notes = perDevice(values.note, '--note', deviceWords);
    if (values.jobs !== undefined && values['one-at-a-time']) throw new CliUsageError('Choose either --jobs N or --one-at-a-time.');
    const concurrency = values['one-at-a-time'] ? 1 : values.jobs === undefined ? undefined : Number(values.jobs);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new CliUsageError('--jobs takes how many phones to upgrade at once (1 or more).');
    const language = values['receipt-language'] ?? 'en';
    if (!(RECEIPT_LANGUAGES as readonly string[]).includes(language)) throw new CliUsageError(`--receipt-language is one of ${RECEIPT_LANGUAGES.join(', ')}.`);
    if (values.pdf && !values.shop) throw new CliUsageError('--pdf prints the receipts: give the shop with --shop DIR.');
    if (!values.shop && (values.technician !== undefined || tickets.size > 0 || notes.size > 0)) throw new CliUsageError('--technician, --ticket and --note go on receipts: give the shop with --shop DIR.');
    const phones: CounterPhone[] = deviceWords.map((words) => ({ device: parseDeviceRef(words), ticket: tickets.get(words), notes: notes.get(words) }));
    const shop = values.shop ? await openShop(values.shop) : undefined;
    // Chosen before any phone is touched: the customer's passphrase, else the shop's key; without either, nothing starts.
    const backupKeys: CounterBackupKeys | undefined = job.noBackup
        ? undefined
        : values['passphrase-file'] !== undefined
          ? { keys: await recipientsFrom({ 'passphrase-file': values['passphrase-file'] }, io), openedBy: 'customer-passphrase' }
          : shop
            ? { keys: await shopBackupKeys(shop), openedBy: 'shop-key' }
            : undefined;
    if (!job.noBackup && !backupKeys) throw ReviveError.of('backup-lock-needed', { variant: 'counter' });
    const terminal = new CounterTerminal(io, { json: values.json ?? false, assumeYes: values.yes ?? false });
    const noPerson = (values.json ?? false) || (values.yes ?? false);
    const lanes = await runCounter(phones, {
        ...job,
        personTimeoutMs: noPerson ? (job.waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined,
        shop,
        backupKeys: () => backupKeys,
        technician: values.technician,
        receiptLanguage: language as ReceiptLanguage,
        concurrency,
        signal: io.signal,
        uiFor: (lane) => terminal.uiFor(lane),
        onEvent: (lane, event) => terminal.event(lane, event),
        onLane: (lane) => terminal.lane(lane),
        onNotice: (lane, message) => (values.json ? undefined : io.err(`${lane ? `[${lane.label}] ` : ''}${message}\n`)),
        linkOptions: (lane) =>
            values.json
                ? authNotice(io, true, true, job.waitTimeoutMs, { device: lane.label, ...(lane.ticket ? { ticket: lane.ticket } : {}) })
                : {
                      onWaitingForAuth: (message) => io.out(`[${lane.label}] *** On the phone: ${message} (Allow USB debugging).\n`),
                      allowTimeoutMs: noPerson ? (job.waitTimeoutMs ?? NO_PERSON_WAIT_MS) : undefined,
                  },
    });
    if (values.pdf) {
        // Printed after every job ended, so Chromium never competes with a phone's transfer.
        for (const lane of lanes) {
            if (!lane.receipt) continue;
            for (const html of [lane.receipt.shopHtml, lane.receipt.customerHtml]) {
                await printReceiptPdf(html, html.replace(/\.html$/, '.pdf')).catch((error: unknown) => io.err(`[${lane.label}] ${error instanceof Error ? error.message : String(error)}\n`));
            }
        }
    }
    terminal.summary(lanes);
    return lanes.every((lane) => lane.status === 'done') ? 0 : 1;
}

export const commands: readonly CliCommand[] = [upgrade];
