/**
 * The virtual phone's shell: the small command set real tools and Revive use (getprop, dumpsys
 * battery, ls, rm, cat, mkdir, echo, sha256sum, pm install, reboot, twrp …), served over
 * `shell:` / `exec:` (v1: one merged raw stream, no exit code) and `shell,v2,…:` (framed stdout,
 * stderr and exit code). Lists are joined with `;`, `&&` and `||` like sh does, and `a | b` hands a's
 * output to b (Revive hashes a range of a file on the phone with `dd … | sha256sum`), and
 * `while read a b; do …; done` runs its body per line of the host's standard input (shell v2).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { recoveryIsTwrp, warrantyBit } from './mode-protocol.js';
import type { ServiceContext, ShellResult } from './adbd-service.js';
import type { AdbdStream } from './adbd-stream.js';
import { runTwrpCommand } from './twrp.js';
import { dumpsysPackage, installPackage, listPackages } from './adbd-packages.js';
import { blockPartition, byNameEntries, canReadBlocks, isByNameDir, readBlock, blockLength, blockRange } from './adbd-block.js';
import { hashFile } from '../integrity/hash.js';
import { sha256OnThread, type FileSpan } from './hash-thread.js';

const ok = (stdout = ''): ShellResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1): ShellResult => ({ stdout: '', stderr, exitCode });

type Join = ';' | '&&' | '||' | '|';

/** Split a command line into `;`/`&&`/`||`/`|`-joined simple commands of words (quotes honoured). */
export function parseCommandLine(line: string): Array<{ words: string[]; join: Join }> {
    const commands: Array<{ words: string[]; join: Join }> = [];
    let words: string[] = [];
    let word = '';
    let inWord = false;
    let quote: string | undefined;
    const endWord = (): void => {
        if (inWord) words.push(word);
        word = '';
        inWord = false;
    };
    const endCommand = (join: Join): void => {
        endWord();
        if (words.length > 0) commands.push({ words, join });
        words = [];
    };
    for (let i = 0; i < line.length; i++) {
        const c = line[i] ?? '';
        if (quote) {
            if (c === quote) quote = undefined;
            else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
            else word += c;
            continue;
        }
        if (c === "'" || c === '"') {
            quote = c;
            inWord = true;
        } else if (c === '\\' && i + 1 < line.length) {
            word += line[++i];
            inWord = true;
        } else if (c === ' ' || c === '\t' || c === '\n') {
            endWord();
        } else if (c === ';') {
            endCommand(';');
        } else if (c === '&' && line[i + 1] === '&') {
            endCommand('&&');
            i++;
        } else if (c === '|' && line[i + 1] === '|') {
            endCommand('||');
            i++;
        } else if (c === '|') {
            endCommand('|');
        } else {
            word += c;
            inWord = true;
        }
    }
    endCommand(';');
    return commands;
}

export function phoneProperties(context: ServiceContext): Record<string, string> {
    const { phone, mode } = context;
    const recipe = phone.recipe;
    const device = recipe.codenames[0] ?? recipe.id;
    const props: Record<string, string> = {
        'ro.product.device': device,
        'ro.build.product': device,
        'ro.product.name': recipe.id,
        'ro.product.model': recipe.models[0] ?? recipe.name,
        'ro.product.manufacturer': recipe.manufacturer,
        'ro.product.brand': recipe.manufacturer.toLowerCase(),
        'ro.product.cpu.abi': recipe.cpuArch === 'arm64' ? 'arm64-v8a' : 'armeabi-v7a',
        'ro.build.version.release': phone.state.androidVersion,
        'ro.build.fingerprint': phone.state.buildFingerprint,
        'ro.bootloader': recipe.virtual.bootloaderVersion,
        'ro.serialno': phone.serial,
        'ro.boot.serialno': phone.serial,
        'ro.boot.flash.locked': phone.state.bootloaderLocked ? '1' : '0',
        'ro.bootmode': mode === 'android' ? 'normal' : 'recovery',
        'ro.crypto.state': phone.state.extra['dataEncrypted'] === true ? 'encrypted' : 'unencrypted',
        'ro.secure': mode === 'android' ? '1' : '0',
    };
    if (recipe.virtual.basebandVersion) props['gsm.version.baseband'] = recipe.virtual.basebandVersion;
    // Samsung's bootloader passes the KNOX fuse to Android (androidboot.warranty_bit).
    if (recipe.usb.download) {
        props['ro.boot.warranty_bit'] = warrantyBit(phone.state);
        props['ro.warranty_bit'] = warrantyBit(phone.state);
    }
    // A stock recovery starts no adbd at all (phone.ts keeps it off USB); this only guards the words.
    if (mode !== 'android' && recoveryIsTwrp(phone.state)) props['ro.twrp.version'] = '3.7.0_9-0';
    return props;
}

/** A Luhn-valid IMEI made from the serial, so each virtual phone has its own, stable one. */
export function virtualImei(serial: string): string {
    const body = `35${BigInt(`0x${createHash('sha256').update(serial).digest('hex').slice(0, 12)}`).toString().padStart(12, '0').slice(-12)}`;
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
        let digit = Number(body[body.length - 1 - i]);
        if (i % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
        sum += digit;
    }
    return `${body}${(10 - (sum % 10)) % 10}`;
}

function subscriberInfo(serial: string): string {
    // The shape of `dumpsys iphonesubinfo` on Android 4.4–5.1.
    return ['Phone Subscriber Info:', '  Phone Type = GSM', `  Device ID = ${virtualImei(serial)}`, ''].join('\n');
}

function batteryReport(level: number): string {
    // The shape of `dumpsys battery` on Android 5–9; tools read the `level:` line.
    return [
        'Current Battery Service state:',
        '  AC powered: false',
        '  USB powered: true',
        '  Wireless powered: false',
        '  Max charging current: 500000',
        '  status: 2',
        '  health: 2',
        '  present: true',
        `  level: ${level}`,
        '  scale: 100',
        '  voltage: 4012',
        '  temperature: 265',
        '  technology: Li-ion',
        '',
    ].join('\n');
}

/** Files the kernel would provide; the rest of the tree is the phone's own fs. */
function procFile(devicePath: string, context: ServiceContext): string | undefined {
    if (devicePath === '/sys/class/power_supply/battery/capacity') return `${context.phone.state.batteryPercent}\n`;
    if (devicePath === '/proc/version') return 'Linux version 3.4.0 (revive@virtual)\n';
    return undefined;
}

async function sha256Block(context: ServiceContext, partition: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of readBlock(context, partition)) hash.update(chunk);
    return hash.digest('hex');
}

/** `ls [-l]` of a by-name directory or one of its entries; undefined for any other path. */
async function listBlocks(path: string, flags: Set<string>, context: ServiceContext): Promise<string | undefined> {
    const partition = blockPartition(context, path);
    const names = partition ? [posix.basename(path)] : isByNameDir(context, path) ? byNameEntries(context) : undefined;
    if (!names) return undefined;
    let out = '';
    for (const name of names) {
        if (!flags.has('l')) {
            out += `${partition ? path : name}\n`;
            continue;
        }
        const store = context.phone.partitions.names().find((n) => n.toLowerCase() === name) ?? name;
        const size = await blockLength(context, store);
        out += `brw------- 1 root root ${size} 2026-01-01 00:00 ${partition ? path : name}\n`;
    }
    return out;
}

async function modeString(path: string): Promise<string> {
    const info = await stat(path);
    return `${info.isDirectory() ? 'd' : '-'}rw-rw----`;
}

function splitFlags(args: string[]): { flags: Set<string>; operands: string[] } {
    const flags = new Set<string>();
    const operands: string[] = [];
    for (const arg of args) {
        if (arg.startsWith('-') && arg.length > 1 && operands.length === 0) for (const f of arg.slice(1)) flags.add(f);
        else operands.push(arg);
    }
    return { flags, operands };
}

/**
 * A command's result; `bytes` is binary output, read as the next command of a pipe takes it (`dd`).
 * A chunk of it is good until the next is asked for, as a process reads its pipe into its own
 * buffer: every reader here hashes, writes or decodes a chunk before it asks for the next.
 */
type StageResult = ShellResult & { readonly bytes?: AsyncIterable<Piece> };

/**
 * What flows through a pipe: bytes, or a stretch of a file (`dd if=FILE`'s output) that its reader
 * reads itself. `sha256sum` then hashes the stretch on its own thread without its bytes passing
 * through adbd's (a phone's dd and sha256sum are processes of their own); every other reader
 * takes it as bytes (asBytes).
 */
type Piece = Uint8Array | FileSpan;

/**
 * `length` bytes of a file from `start`, 1 MiB at a time into one buffer, so a big range never sits
 * whole in memory and a long read makes no garbage: a fresh MiB per read (512 for a 512 MiB
 * push checked on the phone) kept adbd's thread collecting it while the push arrived.
 */
async function* fileRange(path: string, start: number, length: number): AsyncGenerator<Uint8Array> {
    const handle = await open(path, 'r');
    // Not zero-filled: each read overwrites what is yielded.
    const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, length));
    try {
        for (let at = 0; at < length; ) {
            const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - at), start + at);
            if (bytesRead === 0) return;
            yield buffer.subarray(0, bytesRead);
            at += bytesRead;
        }
    } finally {
        await handle.close();
    }
}

async function* once(data: Piece): AsyncGenerator<Piece> {
    yield data;
}

/** A pipe's pieces as bytes: a file's stretch read as dd reads it. */
async function* asBytes(input: AsyncIterable<Piece> | Iterable<Piece>): AsyncGenerator<Uint8Array> {
    for await (const piece of input) {
        if (piece instanceof Uint8Array) yield piece;
        else yield* fileRange(piece.path, piece.start, piece.length);
    }
}

/** A dd block count or size: digits, optionally with toybox/busybox's k or M suffix. */
function ddNumber(text: string | undefined, fallback: number): number | undefined {
    if (text === undefined) return fallback;
    const match = /^(\d+)([kKM]?)$/.exec(text);
    if (!match) return undefined;
    return Number(match[1]) * (match[2] === 'M' ? 1024 * 1024 : match[2] ? 1024 : 1);
}

/**
 * `dd if=FILE [bs=N] [skip=N] [count=N] [of=FILE] [seek=N]`, as toolbox, toybox and busybox do: to
 * standard output, or (`of=`) into a file or, in recovery, a partition's block device, written in
 * place from `seek` (dd never truncates a block device). `if=` may be a block device too.
 */
async function dd(rest: string[], context: ServiceContext, quiet: boolean): Promise<StageResult> {
    const operands = new Map(rest.map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] as const));
    const input = operands.get('if');
    const output = operands.get('of');
    const bs = ddNumber(operands.get('bs'), 512);
    const skip = ddNumber(operands.get('skip'), 0);
    const seek = ddNumber(operands.get('seek'), 0);
    const count = operands.has('count') ? ddNumber(operands.get('count'), 0) : Infinity;
    if (!input || !bs || skip === undefined || seek === undefined || count === undefined) return fail('dd: the virtual phone supports if=, of=, bs=, skip=, seek= and count=\n');
    const inPartition = blockPartition(context, input);
    const outPartition = output === undefined ? undefined : blockPartition(context, output);
    if ((inPartition || outPartition) && !canReadBlocks(context)) return fail(`dd: ${inPartition ? input : output ?? ''}: Permission denied\n`);
    const path = context.fs.hostPath(input);
    const size = inPartition ? await blockLength(context, inPartition) : await stat(path).then((info) => (info.isFile() ? info.size : undefined), () => undefined);
    if (size === undefined) return fail(`dd: ${input}: No such file or directory\n`);
    const start = Math.min(size, skip * bs);
    const length = Math.min(size - start, count * bs);
    const records = `${Math.floor(length / bs)}+${length % bs ? 1 : 0} records`;
    const report = quiet ? '' : `${records} in\n${records} out\n${length} bytes copied\n`;
    if (output === undefined) return { stdout: '', stderr: report, exitCode: 0, bytes: inPartition ? blockRange(context, inPartition, start, length) : once({ path, start, length }) };
    const bytes = inPartition ? blockRange(context, inPartition, start, length) : fileRange(path, start, length);
    if (outPartition) {
        let at = seek * bs;
        for await (const chunk of bytes) {
            await context.phone.partitions.write(outPartition, at, chunk);
            at += chunk.length;
        }
        return { stdout: '', stderr: report, exitCode: 0 };
    }
    const target = await open(context.fs.hostPath(output), seek > 0 ? 'r+' : 'w').catch(() => undefined);
    if (!target) return fail(`dd: ${output}: No such file or directory\n`);
    try {
        let at = seek * bs;
        for await (const chunk of bytes) {
            await target.write(chunk, 0, chunk.length, at);
            at += chunk.length;
        }
    } finally {
        await target.close();
    }
    return { stdout: '', stderr: report, exitCode: 0 };
}

async function runSimple(words: string[], context: ServiceContext, stdin?: AsyncIterable<Piece>): Promise<StageResult> {
    // Redirections tools append (`</dev/null`, `2>&1`) change nothing here.
    const args = words.filter((w) => !/^(<|[12]?>)/.test(w));
    const [name = '', ...rest] = args;
    const { fs, phone, mode } = context;
    switch (name) {
        case 'dd':
            return dd(rest, context, words.includes('2>/dev/null'));
        case 'true':
            return ok();
        case 'false':
            return fail('');
        case 'echo':
            return ok(`${rest.join(' ')}\n`);
        case 'id':
            return ok(mode === 'android' ? 'uid=2000(shell) gid=2000(shell) groups=2000(shell)\n' : 'uid=0(root) gid=0(root)\n');
        case 'getprop': {
            const props = phoneProperties(context);
            if (rest[0] !== undefined) return ok(`${props[rest[0]] ?? ''}\n`);
            return ok(Object.entries(props).map(([k, v]) => `[${k}]: [${v}]\n`).join(''));
        }
        case 'dumpsys':
            if (mode !== 'android') return fail(`/sbin/sh: dumpsys: not found\n`, 127);
            if (rest[0] === 'battery') return ok(batteryReport(phone.state.batteryPercent));
            if (rest[0] === 'package') return dumpsysPackage(rest[1], context);
            // Android 6 took the IMEI away from adb's shell user; before that this service gave it.
            if (rest[0] === 'iphonesubinfo' && Number.parseInt(phone.state.androidVersion, 10) <= 5) return ok(subscriberInfo(phone.serial));
            return fail(`Can't find service: ${rest[0] ?? ''}\n`);
        case 'cat': {
            let out = '';
            for (const path of rest) {
                const special = procFile(fs.canonical(path), context);
                if (special !== undefined) {
                    out += special;
                    continue;
                }
                const partition = blockPartition(context, path);
                if (partition) {
                    if (!canReadBlocks(context)) return { stdout: out, stderr: `cat: ${path}: Permission denied\n`, exitCode: 1 };
                    const decoder = new TextDecoder();
                    for await (const chunk of readBlock(context, partition)) out += decoder.decode(chunk, { stream: true });
                    out += decoder.decode();
                    continue;
                }
                try {
                    out += await readFile(fs.hostPath(path), 'utf8');
                } catch {
                    return { stdout: out, stderr: `cat: ${path}: No such file or directory\n`, exitCode: 1 };
                }
            }
            return ok(out);
        }
        case 'ls': {
            const { flags, operands } = splitFlags(rest);
            let out = '';
            for (const path of operands.length ? operands : ['/']) {
                const block = await listBlocks(path, flags, context);
                if (block !== undefined) {
                    out += block;
                    continue;
                }
                const hostPath = fs.hostPath(path);
                try {
                    const info = await stat(hostPath);
                    const names = info.isDirectory() ? (await readdir(hostPath)).sort() : [posix.basename(path)];
                    for (const entry of names) {
                        if (!flags.has('a') && entry.startsWith('.')) continue;
                        if (flags.has('l')) {
                            const full = info.isDirectory() ? posix.join(hostPath, entry) : hostPath;
                            const entryInfo = await stat(full);
                            out += `${await modeString(full)} 1 root root ${entryInfo.size} 2026-01-01 00:00 ${entry}\n`;
                        } else out += `${entry}\n`;
                    }
                } catch {
                    return { stdout: out, stderr: `ls: ${path}: No such file or directory\n`, exitCode: 1 };
                }
            }
            return ok(out);
        }
        case 'rm': {
            const { flags, operands } = splitFlags(rest);
            for (const path of operands) {
                try {
                    const info = await stat(fs.hostPath(path));
                    if (info.isDirectory() && !flags.has('r') && !flags.has('R')) return fail(`rm: ${path}: is a directory\n`);
                    await rm(fs.hostPath(path), { recursive: true, force: true });
                } catch {
                    if (!flags.has('f')) return fail(`rm: ${path}: No such file or directory\n`);
                }
            }
            return ok();
        }
        case 'mkdir': {
            const { flags, operands } = splitFlags(rest);
            for (const path of operands) {
                try {
                    await mkdir(fs.hostPath(path), { recursive: flags.has('p') });
                } catch {
                    if (!flags.has('p')) return fail(`mkdir: '${path}': File exists\n`);
                }
            }
            return ok();
        }
        case 'blockdev': {
            // toybox's and busybox's `blockdev --getsize64 DEV`: a block device's size in bytes.
            const path = rest[1];
            if (rest[0] !== '--getsize64' || path === undefined || rest.length !== 2) return fail('usage: blockdev --getsize64 DEV\n');
            const partition = blockPartition(context, path);
            if (!partition) return fail(`blockdev: ${path}: No such device\n`);
            if (!canReadBlocks(context)) return fail(`blockdev: ${path}: Permission denied\n`);
            return ok(`${await blockLength(context, partition)}\n`);
        }
        case 'sha256sum': {
            // No file (or `-`): the standard input, named `-` as coreutils, toybox and busybox do.
            if (rest.length === 0 || (rest.length === 1 && rest[0] === '-')) {
                return ok(`${await sha256OnThread(stdin ?? [])}  -\n`);
            }
            let out = '';
            for (const path of rest) {
                const partition = blockPartition(context, path);
                if (partition && !canReadBlocks(context)) return { stdout: out, stderr: `sha256sum: ${path}: Permission denied\n`, exitCode: 1 };
                try {
                    out += `${partition ? await sha256Block(context, partition) : (await hashFile(fs.hostPath(path))).sha256}  ${path}\n`;
                } catch {
                    return { stdout: out, stderr: `sha256sum: ${path}: No such file or directory\n`, exitCode: 1 };
                }
            }
            return ok(out);
        }
        case 'pm':
        case 'cmd': {
            if (mode !== 'android') return fail(`/sbin/sh: ${name}: not found\n`, 127);
            const sub = name === 'cmd' ? rest.slice(1) : rest;
            if (name === 'cmd' && rest[0] !== 'package') return fail(`Can't find service: ${rest[0] ?? ''}\n`);
            if (sub[0] === 'install') return installPackage(sub.slice(1), context);
            if (sub[0] === 'list' && sub[1] === 'packages') return listPackages(sub.slice(2), context);
            return fail(`${name}: unknown command\n`);
        }
        case 'am': {
            if (mode !== 'android') return fail('/sbin/sh: am: not found\n', 127);
            // Only what the counter's "which phone is this?" uses: open the About phone screen.
            if (rest[0] === 'start' && rest[1] === '-a' && rest[2] === 'android.settings.DEVICE_INFO_SETTINGS') {
                phone.state.extra['screen'] = 'about-phone';
                phone.log('screen: About phone (model, serial number, IMEI)');
                return ok('Starting: Intent { act=android.settings.DEVICE_INFO_SETTINGS }\n');
            }
            return fail(`am: unsupported here: ${rest.join(' ')}\n`);
        }
        case 'reboot': {
            const reason = rest[0] ?? '';
            const target = reason === 'recovery' ? 'recovery' : reason === 'bootloader' ? 'bootloader' : reason === 'download' && phone.recipe.usb.download ? 'download' : 'android';
            context.rebootSoon(target);
            return ok();
        }
        case 'twrp':
            if (mode !== 'recovery') return fail('/system/bin/sh: twrp: not found\n', 127);
            return runTwrpCommand(rest, context);
        default:
            return fail(`${mode === 'android' ? '/system/bin/sh' : '/sbin/sh'}: ${name}: not found\n`, 127);
    }
}

const encoder = new TextEncoder();

/** Lines of a byte stream, as `read` takes them (the last one even without its newline). */
async function* lines(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<string> {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of input) {
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
            yield pending.slice(0, newline);
            pending = pending.slice(newline + 1);
        }
    }
    pending += decoder.decode();
    if (pending) yield pending;
}

type Command = ReturnType<typeof parseCommandLine>[number];

/**
 * `while read A B; do …; done`: the body once per line of standard input, with the line's fields in
 * the variables (the last takes the rest, as sh's read does) and `$A` / `${A}` replaced in the
 * body's words; the body's output, as it comes, is the loop's. Revive hashes a file on the phone
 * while it arrives with such a loop (native/adb/phone-hash.ts).
 */
async function* whileRead(names: readonly string[], body: readonly Command[], stdin: AsyncIterable<Piece> | Iterable<Piece>, context: ServiceContext): AsyncGenerator<Piece> {
    for await (const line of lines(asBytes(stdin))) {
        const fields = line.trim().split(/\s+/);
        const values = new Map(names.map((name, i) => [name, i === names.length - 1 ? fields.slice(i).join(' ') : (fields[i] ?? '')]));
        const expand = (word: string): string => word.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => values.get(name) ?? whole);
        for (const command of body) {
            const one = await runSimple(command.words.map(expand), context);
            if (one.bytes) yield* one.bytes;
            else if (one.stdout) yield encoder.encode(one.stdout);
        }
    }
}

/** The commands of `line`; `stdin` is what the first one reads (the host's, over shell protocol v2). */
export async function executeShell(line: string, context: ServiceContext, hostStdin?: AsyncIterable<Uint8Array>): Promise<ShellResult> {
    const result: ShellResult = { stdout: '', stderr: '', exitCode: 0 };
    let previous = 0;
    let join: Join = ';';
    let skipping = false;
    let stdin: AsyncIterable<Piece> | undefined = hostStdin;
    const commands = parseCommandLine(line);
    for (let index = 0; index < commands.length; index++) {
        let command = commands[index] as Command;
        // A pipe runs as one command: all of it or none, with the last command's status.
        const skip: boolean = join === '|' ? skipping : (join === '&&' && previous !== 0) || (join === '||' && previous === 0);
        skipping = skip;
        let one: StageResult;
        if (command.words[0] === 'while' && command.words[1] === 'read') {
            const end = commands.findIndex((c, i) => i > index && c.words[0] === 'done');
            const body = commands.slice(index + 1, end < 0 ? commands.length : end).map((c, i) => (i === 0 && c.words[0] === 'do' ? { ...c, words: c.words.slice(1) } : c));
            if (end < 0 || commands[index + 1]?.words[0] !== 'do') return { ...result, stderr: `${result.stderr}sh: syntax error: while without do … done\n`, exitCode: 2 };
            const names = command.words.slice(2);
            command = commands[end] as Command;
            index = end;
            one = { stdout: '', stderr: '', exitCode: 0, bytes: whileRead(names, body, stdin ?? [], context) };
        } else {
            if (command.words[0] === 'exit' && !skip) {
                result.exitCode = Number(command.words[1] ?? previous) || 0;
                return result;
            }
            one = skip ? ok() : await runSimple(command.words, context, stdin);
        }
        join = command.join;
        stdin = undefined;
        if (skip) continue;
        if (command.join === '|') {
            stdin = one.bytes ?? once(encoder.encode(one.stdout));
            result.stderr += one.stderr;
            continue;
        }
        if (one.bytes) {
            const decoder = new TextDecoder();
            for await (const chunk of asBytes(one.bytes)) result.stdout += decoder.decode(chunk, { stream: true });
            result.stdout += decoder.decode();
        }
        else result.stdout += one.stdout;
        result.stderr += one.stderr;
        previous = one.exitCode;
        result.exitCode = one.exitCode;
    }
    return result;
}

/** `shell:` and `exec:` (protocol v1): a raw stream, stderr merged, no exit code. */
export async function runShellService(stream: AdbdStream, context: ServiceContext, command: string): Promise<void> {
    if (command.trim()) {
        const result = await executeShell(command, context);
        await stream.write(encoder.encode(result.stdout + result.stderr));
        await stream.flush();
        return;
    }
    // Interactive: one command per line until `exit` or the host closes.
    const prompt = context.mode === 'android' ? `shell@${context.phone.recipe.codenames[0] ?? 'android'}:/ $ ` : '~ # ';
    await stream.write(encoder.encode(prompt));
    let pending = '';
    // One decoder for the whole input: a character may be split between two pieces of it.
    const decoder = new TextDecoder();
    for (;;) {
        const chunk = await stream.read();
        if (!chunk) return;
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, newline).replace(/\r$/, '');
            pending = pending.slice(newline + 1);
            if (line.trim() === 'exit') return;
            const result = await executeShell(line, context);
            await stream.write(encoder.encode(result.stdout + result.stderr + prompt));
        }
    }
}

const V2_STDIN = 0;
const V2_STDOUT = 1;
const V2_STDERR = 2;
const V2_EXIT = 3;
const V2_CLOSE_STDIN = 4;

function v2Packet(id: number, data: Uint8Array): Uint8Array {
    const packet = new Uint8Array(5 + data.length);
    packet[0] = id;
    new DataView(packet.buffer).setUint32(1, data.length, true);
    packet.set(data, 5);
    return packet;
}

/**
 * The host's standard input over shell protocol v2 (`u8 id, u32 length, data` packets: 0 data,
 * 4 closed), read only when a command reads it, as a process reads its pipe.
 */
async function* v2Stdin(stream: AdbdStream): AsyncGenerator<Uint8Array> {
    for (;;) {
        const header = await stream.readExactly(5).catch(() => undefined);
        if (!header) return;
        const id = header[0];
        const length = new DataView(header.buffer, header.byteOffset, 5).getUint32(1, true);
        const data = length > 0 ? await stream.readExactly(length).catch(() => undefined) : new Uint8Array(0);
        if (!data || id === V2_CLOSE_STDIN) return;
        if (id === V2_STDIN) yield data;
    }
}

/** `shell,v2,…:` — stdout, stderr and the exit code framed as `u8 id, u32 length, data`. */
export async function runShellV2Service(stream: AdbdStream, context: ServiceContext, command: string): Promise<void> {
    if (!command.trim()) {
        await stream.write(v2Packet(V2_STDERR, encoder.encode('The virtual phone has no interactive shell; pass a command.\n')));
        await stream.write(v2Packet(V2_EXIT, Uint8Array.of(1)));
        await stream.flush();
        return;
    }
    const result = await executeShell(command, context, v2Stdin(stream));
    if (result.stdout) await stream.write(v2Packet(V2_STDOUT, encoder.encode(result.stdout)));
    if (result.stderr) await stream.write(v2Packet(V2_STDERR, encoder.encode(result.stderr)));
    await stream.write(v2Packet(V2_EXIT, Uint8Array.of(result.exitCode & 0xff)));
    await stream.flush();
}
