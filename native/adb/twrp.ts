/**
 * TWRP's command line over adb (`adb shell twrp …`). The `twrp` tool exits 0 whatever happened,
 * so the result is read from its output: each command must print TWRP's own success line
 * ("-- Cache Partition Wipe Complete!", "Backup complete!", "Restore complete!") and no failure line
 * ("E:Backup failed!", "E:Error with wipe command value", "Unable to locate backup …"). Known trap (OpenAndroidInstaller):
 * right after a sideload TWRP may still sit in sideload mode (minadbd, no shell), so each command
 * first checks the banner and, if the phone is in sideload, leaves it by rebooting into recovery.
 */
import { logNote } from '../jobs/log-note.js';
import { ReviveError } from '../jobs/errors.js';
import { ensurePrivateDir, fileInside } from '../jobs/private-files.js';
import { checkedName } from '../jobs/names.js';
import { shellCommand } from './shell-words.js';
import type { JobContext } from '../jobs/progress.js';
import type { AdbPhone } from './phone.js';

export const TWRP_BACKUP_ROOT = '/data/media/TWRP/BACKUPS';

export interface TwrpResult {
    readonly output: string;
    readonly lines: readonly string[];
}

export interface BackupFileCheck {
    readonly file: string;
    readonly sha256: string;
    readonly expected: string | undefined;
    readonly ok: boolean;
}

/** Lines that mean the command failed, whatever else TWRP printed (it logs benign `E:` mount noise too). */
function fatalLines(output: string): string[] {
    return output
        .split('\n')
        .map((l) => l.trim())
        .filter(
            (l) =>
                /^E:\s*(Backup failed|Restore failed|Error with wipe command value|Unrecognized script command|Error installing zip file|.*(MD5|Digest) failed to match)/i.test(l) ||
                /^Unable to locate (backup|zip file)/.test(l),
        );
}

/** TWRP's partition letters, or a refusal (they reach the phone's root shell). */
function checkedLetters(letters: string): string {
    if (/^[SDCRBAEOM]{1,11}$/i.test(letters)) return letters;
    throw ReviveError.of('twrp-bad-letters', { letters: letters.slice(0, 40) });
}

/** TWRP's own success line per command (openrecoveryscript.cpp). */
const SUCCESS: ReadonlyArray<readonly [RegExp, RegExp]> = [
    [/^wipe /, /Wipe Complete!/],
    [/^backup /, /^Backup complete!/m],
    [/^restore /, /^Restore complete!/m],
    [/^format data/, /Format Data Complete!|^Done\.?$/m],
];

export class Twrp {
    readonly phone: AdbPhone;

    constructor(phone: AdbPhone) {
        this.phone = phone;
    }

    /** Make sure a shell-capable TWRP is on the other end (recover from a lingering sideload). */
    async ensureRecovery(ctx: JobContext = {}): Promise<void> {
        if (this.phone.state === 'recovery') return;
        if (this.phone.state === 'sideload') {
            logNote(ctx, 'twrp-leaving-sideload', {});
            await this.phone.reboot('recovery');
            await this.phone.reconnect(['recovery'], { timeoutMs: 90_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
            return;
        }
        const state = this.phone.state;
        throw state === 'unauthorized'
            ? ReviveError.of('twrp-not-running', { variant: 'unauthorized' })
            : ReviveError.of('twrp-not-running', { variant: 'mode', mode: state === 'device' ? 'android' : state });
    }

    /** `twrp WORD…`, each word quoted for the phone's root shell. */
    async run(words: readonly string[], ctx: JobContext = {}): Promise<TwrpResult> {
        const args = words.join(' ');
        await this.ensureRecovery(ctx);
        const result = await this.phone.shell(shellCommand('twrp', ...words));
        const output = result.stdout + result.stderr;
        for (const line of output.split('\n')) if (line.trim()) ctx.onLog?.(line);
        if (result.exitCode === 127) {
            throw ReviveError.of('twrp-not-running', { variant: 'no-twrp' });
        }
        const errors = fatalLines(output);
        const marker = SUCCESS.find(([command]) => command.test(args))?.[1];
        const confirmed = marker ? marker.test(output) : true;
        if (result.exitCode !== 0 || errors.length > 0 || !confirmed) {
            const twrpSaid = errors.join(' ');
            throw twrpSaid
                ? ReviveError.of('twrp-failed', { variant: 'said', command: args, twrpSaid })
                : confirmed
                  ? ReviveError.of('twrp-failed', { variant: 'status', command: args, exitCode: result.exitCode })
                  : ReviveError.of('twrp-failed', { variant: 'unconfirmed', command: args });
        }
        return { output, lines: output.split('\n').filter((l) => l.trim()) };
    }

    wipe(partition: 'cache' | 'system' | 'data' | 'dalvik', ctx?: JobContext): Promise<TwrpResult> {
        return this.run(['wipe', partition], ctx);
    }

    formatData(ctx?: JobContext): Promise<TwrpResult> {
        return this.run(['format', 'data'], ctx);
    }

    /** `letters`: S system, D data, C cache, R recovery, B boot (TWRP's ORS letters). */
    async backup(letters: string, name: string, ctx?: JobContext): Promise<TwrpResult> {
        return this.run(['backup', checkedLetters(letters), checkedName('backup', name)], ctx);
    }

    /** Folder first, letters last (what TWRP's parser actually does). */
    async restore(name: string, letters?: string, ctx?: JobContext): Promise<TwrpResult> {
        const words = ['restore', checkedName('backup', name)];
        if (letters !== undefined) words.push(checkedLetters(letters));
        return this.run(words, ctx);
    }

    /** Start ADB sideload; the phone object reconnects in sideload mode. */
    async startSideload(ctx: JobContext = {}): Promise<void> {
        await this.ensureRecovery(ctx);
        await this.phone.startSideload(ctx);
    }

    /** Where TWRP keeps a backup of this phone. */
    async backupFolder(name: string): Promise<string> {
        checkedName('backup', name);
        const serial = (await this.phone.identity()).serial;
        return `${TWRP_BACKUP_ROOT}/${serial}/${name}`;
    }

    /**
     * Copy a backup folder to the computer and check every file against its `.sha2` digest
     * (computed while the file streams in). Throws if any digest is missing or differs.
     */
    async pullBackup(name: string, localDir: string, ctx: JobContext = {}): Promise<BackupFileCheck[]> {
        // The name becomes part of a phone path: `..` would list (and copy) folders outside TWRP's backups.
        checkedName('backup', name);
        await this.ensureRecovery(ctx);
        const remoteDir = await this.backupFolder(name);
        const sync = await this.phone.adb.sync();
        let entries;
        try {
            entries = (await sync.readdir(remoteDir)).filter((e) => e.name !== '.' && e.name !== '..');
        } finally {
            await sync.dispose().catch(() => undefined);
        }
        if (entries.length === 0) {
            throw ReviveError.of('twrp-no-backup', { name, remote: remoteDir });
        }
        // Every name is checked before the first file is written.
        const targets = new Map(entries.map((entry) => [entry.name, fileInside(localDir, entry.name)]));
        await ensurePrivateDir(localDir);
        const digests = new Map<string, string>();
        const pulled = new Map<string, string>();
        for (const entry of entries) {
            const { sha256 } = await this.phone.pull(`${remoteDir}/${entry.name}`, targets.get(entry.name) ?? fileInside(localDir, entry.name), ctx, { createNew: true });
            pulled.set(entry.name, sha256);
            if (entry.name.endsWith('.sha2')) {
                const text = await this.phone.readText(`${remoteDir}/${entry.name}`);
                const [hash] = text.trim().split(/\s+/);
                digests.set(entry.name.slice(0, -'.sha2'.length), (hash ?? '').toLowerCase());
            }
        }
        const checks: BackupFileCheck[] = [...pulled.entries()]
            .filter(([file]) => file.endsWith('.win') || /\.win\d{3}$/.test(file))
            .map(([file, sha256]) => ({ file, sha256, expected: digests.get(file), ok: digests.get(file) === sha256 }));
        const bad = checks.filter((c) => !c.ok);
        if (checks.length === 0 || bad.length > 0) {
            throw checks.length === 0
                ? ReviveError.of('twrp-backup-digest', { variant: 'empty', backup: name, localDir })
                : digestFailure(name, localDir, bad);
        }
        return checks;
    }
}

/** Backup files whose digest differs (`files`) and those without a .sha2 digest (`unsigned`). */
function digestFailure(backup: string, localDir: string, bad: readonly BackupFileCheck[]): ReviveError {
    const files = bad.filter((c) => c.expected).map((c) => c.file).join(', ');
    const unsigned = bad.filter((c) => !c.expected).map((c) => c.file).join(', ');
    return ReviveError.of('twrp-backup-digest', { variant: files && unsigned ? 'mixed' : files ? 'mismatch' : 'unsigned', backup, localDir, files, unsigned });
}
