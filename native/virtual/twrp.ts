/**
 * TWRP's command line on the virtual phone (`adb shell twrp …` in recovery). What real TWRP does,
 * as far as its sources (openrecoveryscript.cpp, orscmd.cpp, partitionmanager.cpp) and users' logs
 * show it:
 * - the `twrp` tool (orscmd) writes the command to TWRP's ORS FIFO and prints what TWRP answers, then
 *   exits 0 whatever happened, so callers must read the text. Each command prints its own success line
 *   (`-- Cache Partition Wipe Complete!`, `Backup complete!`, `Restore complete!`) and errors come as
 *   LOGERR lines (`E:Error with wipe command value: 'x'`, `E:Backup failed!`, `E:Unrecognized script
 *   command: 'x'`) or plain lines (`Unable to locate backup '…'`); every run ends with
 *   `Done processing script file`. (Texts from TWRP's openrecoveryscript.cpp.)
 * - `backup <letters> [name]`: S system, D data, C cache, R recovery, B boot (A and-sec, E sd-ext:
 *   absent here; O compression and M skip-digest are options). The folder is
 *   `<storage>/TWRP/BACKUPS/<serial>/<name>/`, one `<name>.<fs>.win` per partition, a `.sha2`
 *   (`hash  filename`) per file and recovery.log copied in at the end.
 * - `restore <name> [letters]`: folder first; digests are checked before anything is written.
 * - `wipe cache|system|dalvik|data` (data keeps /data/media), `format data` (everything in /data).
 * - `sideload`: TWRP starts ADB sideload, adbd restarts as minadbd (the USB device re-enumerates).
 * The virtual backups hold what the partition store holds (its stored bytes, not gigabytes of zeros).
 */
import { copyFile, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceContext, ShellResult } from './adbd-service.js';
import { restoreFilesystemBackup, writeFilesystemBackup } from './twrp-archive.js';
import { installPackage } from './twrp-install.js';
import { appendRecoveryLog, RECOVERY_LOG } from './twrp-log.js';
import { hashFile } from '../integrity/hash.js';

export const TWRP_BACKUP_ROOT = '/data/media/TWRP/BACKUPS';

const LETTERS: Readonly<Record<string, string>> = { S: 'system', D: 'data', C: 'cache', R: 'recovery', B: 'boot' };
const CHUNK = 1024 * 1024;

interface TwrpPartition {
    readonly name: string;
    readonly twrpName: string;
    readonly filesystem: string;
    readonly mount: string | undefined;
}

function twrpPartitions(context: ServiceContext): TwrpPartition[] {
    const mounts: Record<string, string> = { system: '/system', data: '/data', cache: '/cache' };
    return context.phone.recipe.partitions
        .filter((p) => p.twrpName !== undefined)
        .map((p) => ({ name: p.name, twrpName: p.twrpName ?? '', filesystem: p.filesystem, mount: mounts[p.twrpName ?? ''] }));
}

function titleCase(name: string): string {
    return name.charAt(0).toUpperCase() + name.slice(1);
}

class TwrpRun {
    readonly lines: string[] = [];
    /** Lines already appended to recovery.log. */
    logged = 0;
    readonly context: ServiceContext;

    constructor(context: ServiceContext) {
        this.context = context;
    }

    say(line: string): void {
        this.lines.push(line);
    }

    error(line: string): void {
        this.lines.push(`E:${line}`);
    }

    async flushLog(): Promise<void> {
        await appendRecoveryLog(this.context, this.lines.slice(this.logged));
        this.logged = this.lines.length;
    }

    async finish(): Promise<ShellResult> {
        // Printed whether or not the command worked.
        this.say('Done processing script file');
        await this.flushLog();
        return { stdout: this.lines.map((l) => `${l}\n`).join(''), stderr: '', exitCode: 0 };
    }
}

async function clearDir(hostDir: string, keep: readonly string[] = []): Promise<void> {
    const names = await readdir(hostDir).catch(() => [] as string[]);
    for (const name of names) if (!keep.includes(name)) await rm(join(hostDir, name), { recursive: true, force: true });
}

async function wipe(run: TwrpRun, target: string): Promise<void> {
    const { context } = run;
    const parts = twrpPartitions(context);
    const name = target.replace(/^\//, '').toLowerCase();
    const byName = (n: string): TwrpPartition | undefined => parts.find((p) => p.twrpName === n);
    if (name === 'dalvik' || name === 'dalvick' || name === 'dalvikcache') {
        run.say('-- Wiping Dalvik Cache...');
        await rm(context.fs.hostPath('/data/dalvik-cache'), { recursive: true, force: true });
        await rm(context.fs.hostPath('/cache/dalvik-cache'), { recursive: true, force: true });
        run.say('-- Dalvik Cache Wipe Complete!');
        return;
    }
    if (name === 'data' || name === 'factory' || name === 'factoryreset') {
        // A factory reset: /data without /data/media (internal storage) is emptied.
        run.say('-- Wiping Data Partition...');
        await clearDir(context.fs.hostPath('/data'), ['media']);
        await mkdir(context.fs.hostPath('/data/local/tmp'), { recursive: true });
        await forgetInstalledApps(context);
        run.say('-- Data Partition Wipe Complete!');
        return;
    }
    const part = byName(name);
    if (!part || (name !== 'cache' && name !== 'system')) {
        run.error(`Error with wipe command value: '${target}'`);
        return;
    }
    run.say(`-- Wiping ${titleCase(part.twrpName)} Partition...`);
    await context.phone.partitions.erase(part.name);
    if (part.mount) await clearDir(context.fs.hostPath(part.mount));
    if (part.twrpName === 'cache') await mkdir(context.fs.hostPath('/cache/recovery'), { recursive: true });
    run.say(`-- ${titleCase(part.twrpName)} Partition Wipe Complete!`);
}

/** Apps live in /data: a data wipe removes them (their UIDs stay reserved, see adbd-packages.ts). */
async function forgetInstalledApps(context: ServiceContext): Promise<void> {
    if (context.phone.state.extra['apps'] === undefined) return;
    delete context.phone.state.extra['apps'];
    await context.phone.saveState();
}

async function formatData(run: TwrpRun): Promise<void> {
    const { context } = run;
    const part = twrpPartitions(context).find((p) => p.twrpName === 'data');
    // Not an ORS command in older TWRP; newer builds accept it. The wording here is ours.
    run.say('Formatting Data using make_ext4fs...');
    if (part) await context.phone.partitions.erase(part.name);
    await clearDir(context.fs.hostPath('/data'));
    await context.fs.ensureLayout();
    await forgetInstalledApps(context);
    run.say('You may need to reboot recovery to be able to use /data again.');
    run.say('-- Format Data Complete!');
}

function backupDir(context: ServiceContext, name: string): string {
    return name.startsWith('/') ? name : `${TWRP_BACKUP_ROOT}/${context.phone.serial}/${name}`;
}

function selectPartitions(run: TwrpRun, letters: string): TwrpPartition[] {
    const parts = twrpPartitions(run.context);
    const wanted = new Set([...letters.toUpperCase()].map((l) => LETTERS[l]).filter((n): n is string => n !== undefined));
    return parts.filter((p) => wanted.has(p.twrpName));
}

async function backup(run: TwrpRun, letters: string, name: string | undefined): Promise<void> {
    const { context } = run;
    const folderName = name ?? new Date().toISOString().replace(/[:T]/g, '-').slice(0, 19);
    const deviceDir = backupDir(context, folderName);
    const hostDir = context.fs.hostPath(deviceDir);
    const selected = selectPartitions(run, letters);
    const skipDigest = letters.toUpperCase().includes('M');
    run.say('Setting backup options:');
    for (const part of selected) run.say(titleCase(part.twrpName));
    if (skipDigest) run.say('MD5 Generation is off');
    if (name) run.say(`Backup folder set to '${name}'`);
    run.say('[BACKUP STARTED]');
    run.say(` * Backup Folder: ${deviceDir}`);
    if (selected.length === 0) {
        run.error('No partitions selected for backup.');
        run.error('Backup failed!');
        return;
    }
    await mkdir(hostDir, { recursive: true });
    run.say(` * Total number of partitions to back up: ${selected.length}`);
    for (const part of selected) {
        run.say(`Backing up ${titleCase(part.twrpName)}...`);
        const fileName = `${part.twrpName}.${part.filesystem}.win`;
        let written: string[];
        if (part.mount) {
            if (part.twrpName === 'data') run.say('Backups of Data do not include any files in internal storage such as pictures or downloads.');
            written = await writeFilesystemBackup(context, { name: part.name, twrpName: part.twrpName, mount: part.mount }, join(hostDir, fileName), context.phone.twrpSplitBytes);
        } else {
            const length = await context.phone.partitions.storedLength(part.name);
            const out = await open(join(hostDir, fileName), 'w');
            try {
                for (let offset = 0; offset < length; offset += CHUNK) await out.write(await context.phone.partitions.read(part.name, offset, Math.min(CHUNK, length - offset)));
            } finally {
                await out.close();
            }
            written = [join(hostDir, fileName)];
        }
        if (!skipDigest) {
            for (const file of written) {
                const name = file.slice(hostDir.length + 1);
                await writeFile(`${file}.sha2`, `${(await hashFile(file)).sha256}  ${name}\n`);
            }
        }
    }
    if (!skipDigest) run.say('Digest Created');
    run.say('[BACKUP COMPLETED]');
    run.say('Backup complete!');
    await run.flushLog();
    await copyFile(context.fs.hostPath(RECOVERY_LOG), join(hostDir, 'recovery.log')).catch(() => undefined);
}

async function restore(run: TwrpRun, name: string, letters: string | undefined): Promise<void> {
    const { context } = run;
    const deviceDir = backupDir(context, name);
    const hostDir = context.fs.hostPath(deviceDir);
    run.say(`Restoring '${name}'`);
    const files = await readdir(hostDir).catch(() => undefined);
    if (!files) {
        // TWRP prints this one without the E: prefix; the missing "Restore complete!" tells.
        run.say(`Unable to locate backup '${name}'`);
        return;
    }
    if (letters) run.say(`Setting restore options: '${letters}':`);
    run.say('[RESTORE STARTED]');
    // One file per partition, or its split parts .win000, .win001… in order.
    const filesOf = (part: TwrpPartition): string[] => {
        const base = `${part.twrpName}.${part.filesystem}.win`;
        if (files.includes(base)) return [base];
        return files.filter((f) => f.startsWith(base) && /^\d{3}$/.test(f.slice(base.length))).sort();
    };
    const present = twrpPartitions(context).filter((p) => filesOf(p).length > 0);
    const selected = letters ? selectPartitions(run, letters).filter((p) => present.some((q) => q.name === p.name)) : present;
    if (selected.length === 0) {
        run.error('No partitions in the backup match the restore options.');
        return;
    }
    const skipDigest = (letters ?? '').toUpperCase().includes('M');
    if (!skipDigest) {
        run.say('Verifying digests...');
        for (const part of selected) {
            for (const fileName of filesOf(part)) {
                const recorded = await readFile(join(hostDir, `${fileName}.sha2`), 'utf8').catch(() => undefined);
                const expected = recorded?.trim().split(/\s+/)[0];
                if (!expected) {
                    run.error(`Unable to find digest file for '${fileName}'`);
                    return;
                }
                if ((await hashFile(join(hostDir, fileName))).sha256 !== expected) {
                    run.error(`Digest failed to match on '${fileName}'.`);
                    run.error('Restore failed!');
                    return;
                }
            }
        }
    }
    for (const part of selected) {
        run.say(`Restoring ${titleCase(part.twrpName)}...`);
        const paths = filesOf(part).map((f) => join(hostDir, f));
        if (part.mount) {
            await restoreFilesystemBackup(context, { name: part.name, twrpName: part.twrpName, mount: part.mount }, paths);
            continue;
        }
        const path = paths[0] ?? '';
        const size = (await stat(path)).size;
        if (size > context.phone.partitions.sizeBytes(part.name)) {
            run.error(`Image of ${part.twrpName} is larger than the partition.`);
            return;
        }
        await context.phone.partitions.erase(part.name);
        const handle = await open(path, 'r');
        try {
            const buffer = new Uint8Array(CHUNK);
            for (let offset = 0; offset < size; ) {
                const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
                if (bytesRead === 0) break;
                await context.phone.partitions.write(part.name, offset, buffer.slice(0, bytesRead));
                offset += bytesRead;
            }
        } finally {
            await handle.close();
        }
        await context.phone.partitions.truncate(part.name, size);
    }
    run.say('[RESTORE COMPLETED]');
    run.say('Restore complete!');
}

export async function runTwrpCommand(args: readonly string[], context: ServiceContext): Promise<ShellResult> {
    const [command = '', ...rest] = args;
    const run = new TwrpRun(context);
    switch (command) {
        case 'wipe':
            if (!rest[0]) run.error('wipe needs a partition name');
            else await wipe(run, rest[0]);
            break;
        case 'format':
            if (rest[0] === 'data') await formatData(run);
            else run.error(`Unrecognized format target '${rest.join(' ')}'`);
            break;
        case 'backup':
            if (!rest[0]) run.error('backup needs partition letters, e.g. SDB');
            else await backup(run, rest[0], rest[1]);
            break;
        case 'restore':
            if (!rest[0]) run.error('restore needs a backup name');
            else await restore(run, rest[0], rest[1]);
            break;
        case 'install': {
            if (!rest[0]) {
                run.error('install needs a zip path');
                break;
            }
            const outcome = await installPackage(context.fs.hostPath(rest[0]), rest[0].split('/').pop() ?? rest[0], context);
            // installPackage's lines already carry TWRP's failure wording (`Error installing zip file …`).
            for (const line of outcome.lines) {
                if (!outcome.ok && line.startsWith('Error installing')) run.error(line);
                else run.say(line);
            }
            break;
        }
        case 'sideload':
            run.say('Starting ADB sideload feature...');
            context.rebootSoon('sideload');
            break;
        case 'reboot': {
            const target = rest[0] === 'bootloader' ? 'bootloader' : rest[0] === 'recovery' ? 'recovery' : rest[0] === 'download' && context.phone.recipe.usb.download ? 'download' : 'android';
            context.rebootSoon(target);
            break;
        }
        case 'version':
            run.say('TWRP version 3.7.0_9-0');
            break;
        default:
            run.error(`Unrecognized script command: '${command}'`);
    }
    return run.finish();
}
