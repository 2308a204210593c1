/**
 * A phone over adb, on @yume-chan/adb: connect over USB (its WebUSB daemon transport, with any
 * WebUSB USBDevice: the `usb` package's, USB/IP's, the virtual phone's) or TCP, authenticate with
 * Revive's key (or the user's adb key), and the features the upgrade needs: identity, battery,
 * reboot, shell with exit status, push/pull with progress and SHA-256, APK install, sideload.
 */
import { logNote } from '../jobs/log-note.js';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import {
    Adb,
    AdbDaemonTransport,
    AdbPublicKeyAuthenticator,
    type AdbAuthenticator,
    type AdbDaemonConnection,
} from '@yume-chan/adb';
import type { ReadableStream } from '@yume-chan/stream-extra';
import { ReviveError } from '../jobs/errors.js';
import { silenceBoundMs } from '../jobs/silence-bounds.js';
import { createPrivateFile } from '../jobs/private-files.js';
import type { JobContext } from '../jobs/progress.js';
import { UsbError } from '../usb/transport.js';
import { BoundedAdbTransport, DEFAULT_OPEN_TIMEOUT_MS } from './bounded-transport.js';
import { adbSignatureAuthenticator, AdbKeyStore } from './credentials.js';
import { startPhoneHash, type PhoneHashLayout, type RunningPhoneHash } from './phone-hash.js';
import { shellCommand } from './shell-words.js';
import { SyncFailError } from './sync-frame.js';
import { syncSend } from './sync-send.js';
import { AdbFrameError, openAdbTcpConnection } from './tcp-connection.js';
import type { SideloadTimeouts } from './sideload.js';
import { QuietUsbManager } from './usb-manager.js';

export type AdbState = 'device' | 'recovery' | 'sideload' | 'unauthorized';
export type AdbRebootMode = 'system' | 'bootloader' | 'recovery' | 'sideload' | 'download';

/** Where the phone is: a WebUSB device (plus how to find it again after it re-enumerates) or adbd over TCP. */
export type AdbTarget =
    | {
          readonly usbDevice: USBDevice;
          /** The WebUSB manager (for disconnect events); omit for in-process devices. */
          readonly usb?: USB | undefined;
          /** Find the phone again after a reboot (a new USBDevice appears). */
          readonly findAgain?: ((signal?: AbortSignal) => Promise<USBDevice>) | undefined;
      }
    | { readonly host: string; readonly port: number };

export const WAITING_FOR_AUTH_MESSAGE = 'Unlock the phone and tap Allow';

export interface ConnectAdbOptions {
    /** Called while the phone shows "Allow USB debugging?" (the UI shows the message until connected). */
    readonly onWaitingForAuth?: ((message: string) => void) | undefined;
    readonly signal?: AbortSignal | undefined;
    readonly keyStore?: AdbKeyStore | undefined;
    /**
     * Longest wait for the phone's adb answer, up to "Allow USB debugging?" (default 30 s). A phone
     * another program holds (a second revive, the app, an adb server) or a stuck adbd never answers.
     */
    readonly handshakeTimeoutMs?: number | undefined;
    /** Longest wait for the person to tap Allow; unset: until cancelled. Set when no person is there. */
    readonly allowTimeoutMs?: number | undefined;
    /** Longest wait for the phone to take a command or transfer (default 30 s). */
    readonly openTimeoutMs?: number | undefined;
}

/** How long the phone has to answer adb's CNXN (or show "Allow USB debugging?"). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;
/** adb's smallest packet size (protocol version 1); a phone announcing less cannot carry a command. */
const MIN_ADB_PAYLOAD = 4096;

export interface PhoneIdentity {
    readonly device: string;
    readonly model: string;
    readonly name: string;
    readonly androidVersion: string;
    readonly bootloader: string;
    readonly serial: string;
    readonly fingerprint: string;
}

export interface ShellOutput {
    readonly exitCode: number;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * A WebUSB manager for devices that announce their own departure (the virtual phone's `detach`
 * event): yume-chan's USB transport listens for `disconnect` to end the connection quietly.
 */
export function usbManagerFromDetach(source: { on(event: 'detach', listener: (device: USBDevice) => void): unknown }): USB {
    const manager = new QuietUsbManager();
    source.on('detach', (device) => {
        const event = Object.assign(new Event('disconnect'), { device });
        manager.dispatchEvent(event);
    });
    return manager as unknown as USB;
}

export function targetLabel(target: AdbTarget): string {
    return 'host' in target ? `tcp:${target.host}:${target.port}` : target.usbDevice.serialNumber ?? 'usb';
}

/** What adb was doing when the phone went away (`errorFacts.adbActivities`), with the file or command it names. */
export type AdbActivity =
    | { readonly activity: 'connect' | 'handshake' | 'backup-copy' | 'storage-check' }
    | { readonly activity: 'command'; readonly command: string }
    | { readonly activity: 'send'; readonly file: string; readonly remote: string }
    | { readonly activity: 'list' | 'fetch' | 'read' | 'write'; readonly remote: string };

export function disconnectedError(what: AdbActivity, cause?: unknown): ReviveError {
    return ReviveError.of('adb-disconnected', what, { cause });
}

/** The phone answered a file's SEND with FAIL: its reason (a folder of that name, a read-only place, a full disk), not a disconnect. */
export function refusedError(variant: 'push' | 'restore', file: string, remote: string, cause: SyncFailError): ReviveError {
    return ReviveError.of('push-refused', { variant, file, remote, phoneSaid: cause.message }, { cause });
}

async function openConnection(target: AdbTarget, signal?: AbortSignal): Promise<{ connection: AdbDaemonConnection; serial: string; hangUp: () => void }> {
    if ('host' in target) {
        try {
            const connection = await openAdbTcpConnection(target.host, target.port, signal);
            return { connection, serial: `${target.host}:${target.port}`, hangUp: () => connection.close() };
        } catch (error) {
            throw ReviveError.of('adb-unreachable', { address: `${target.host}:${target.port}` }, { cause: error });
        }
    }
    // USB code (yume-chan's WebUSB transport, usb permissions) loads only for a USB target.
    const { openUsbConnection } = await import('./usb-connection.js');
    return openUsbConnection(target, (error) => disconnectedError({ activity: 'connect' }, error));
}

function noAnswerError(target: AdbTarget, ms: number): ReviveError {
    return ReviveError.of('adb-no-answer', { variant: 'handshake', target: targetLabel(target), seconds: Math.round(ms / 1000) });
}

function notAllowedError(ms: number): ReviveError {
    return ReviveError.of('adb-not-allowed', { seconds: Math.round(ms / 1000) });
}

/** The phone's adb answers made no sense (a corrupt packet, an impossible size, a refused key loop). */
function protocolError(problem: string, cause?: unknown): ReviveError {
    return ReviveError.of('adb-protocol', { problem }, { cause });
}

/** How to drop each connection without the phone's help, for a close the phone never confirms. */
const hangUps = new WeakMap<Adb, () => void>();
/** How long a close waits for a silent phone before the connection is simply dropped. */
const CLOSE_GRACE_MS = 3000;

/** Authenticate; reports the "tap Allow" wait when the phone does not know any of our keys. */
async function authenticate(target: AdbTarget, options: ConnectAdbOptions): Promise<Adb> {
    const keyStore = options.keyStore ?? new AdbKeyStore();
    // The key is read while the connection opens: the phone asks for it only after its first answer.
    keyStore.preload();
    const { connection, serial, hangUp } = await openConnection(target, options.signal);
    // Each wait has its bound: the phone's answer, then (once it asks) the person's Allow.
    let expire: (error: ReviveError) => void = () => undefined;
    const expired = new Promise<never>((_, reject) => (expire = reject));
    expired.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const expireAfter = (ms: number | undefined, error: () => ReviveError): void => {
        clearTimeout(timer);
        if (ms === undefined) return;
        timer = setTimeout(() => {
            hangUp();
            expire(error());
        }, ms);
    };
    const handshakeMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    expireAfter(handshakeMs, () => noAnswerError(target, handshakeMs));
    const announcing: AdbAuthenticator = async function* (store, getNextRequest) {
        for await (const packet of AdbPublicKeyAuthenticator(store, getNextRequest)) {
            options.onWaitingForAuth?.(WAITING_FOR_AUTH_MESSAGE);
            const allowMs = options.allowTimeoutMs;
            expireAfter(allowMs, () => notAllowedError(allowMs ?? 0));
            yield packet;
        }
    };
    let abort = (): void => hangUp();
    const aborted = new Promise<never>((_, reject) => {
        abort = () => {
            hangUp();
            reject(options.signal?.reason ?? new Error('aborted'));
        };
    });
    aborted.catch(() => undefined);
    if (options.signal?.aborted) abort();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
        const handshake = AdbDaemonTransport.authenticate({
            serial,
            connection,
            credentialStore: keyStore,
            authenticators: [adbSignatureAuthenticator, announcing],
            // Delayed ack (Android 14+) is optional; classic flow control works everywhere.
            initialDelayedAckBytes: 0,
        });
        // A phone that never answers (the owner does not tap Allow) must not hold a cancelled job.
        const transport = await Promise.race([handshake, aborted, expired]);
        if (transport.maxPayloadSize < MIN_ADB_PAYLOAD) {
            hangUp();
            throw protocolError(`it announced adb packets of at most ${transport.maxPayloadSize} bytes (adb needs at least ${MIN_ADB_PAYLOAD})`);
        }
        const adb = new Adb(new BoundedAdbTransport(transport, options.openTimeoutMs ?? silenceBoundMs('REVIVE_ADB_OPEN_MS', DEFAULT_OPEN_TIMEOUT_MS), hangUp));
        hangUps.set(adb, hangUp);
        return adb;
    } catch (error) {
        hangUp();
        if (error instanceof ReviveError) throw error;
        if (options.signal?.aborted) throw ReviveError.of('cancelled', { variant: 'adb-connect', what: targetLabel(target) }, { cause: error });
        if (error instanceof AdbFrameError) throw protocolError(error.message, error);
        // The library's words when the phone asks again after every key was offered.
        if (error instanceof Error && /No authenticator can handle/.test(error.message)) throw protocolError('it asked to authenticate again after Revive had offered its key', error);
        throw disconnectedError({ activity: 'handshake' }, error);
    } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
    }
}

function parseGetpropList(text: string): Map<string, string> {
    const props = new Map<string, string>();
    for (const match of text.matchAll(/^\[([^\]]+)\]: \[(.*)\]$/gm)) props.set(match[1] ?? '', match[2] ?? '');
    return props;
}

async function streamToString(stream: ReadableStream<Uint8Array>): Promise<string> {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
}

export interface PushOptions {
    /** Ask the phone for the SHA-256 of its stored copy and compare it with what was sent. */
    readonly verifyOnPhone?: boolean | undefined;
    /** Longest silence from the phone before the transfer is given up (default 60 s). */
    readonly stallMs?: number | undefined;
    /** How the phone's hash follows the transfer (tests use small stretches). */
    readonly phoneHashLayout?: PhoneHashLayout | undefined;
}

export interface PullOptions {
    readonly createNew?: boolean | undefined;
    /** Longest silence from the phone before the transfer is given up (default 60 s). */
    readonly stallMs?: number | undefined;
}

const DEFAULT_STALL_MS = 60_000;
/**
 * From this size a push hashes what it sends on a thread of its own: the thread's start (some ms
 * of CPU) is less than the hashing it takes off the turns the push and the phone take.
 */
const HASH_THREAD_FROM = 8 * 1024 * 1024;

/**
 * Gives up a transfer the phone stopped taking part in: after `ms` without a kick it drops the
 * connection, which ends the pending sync call, and the caller reports the stall.
 */
function stallWatch(ms: number, hangUp: () => void): { kick(): void; stop(): void; readonly fired: boolean } {
    let fired = false;
    const fire = (): void => {
        fired = true;
        hangUp();
    };
    let timer = setTimeout(fire, ms);
    return {
        kick() {
            clearTimeout(timer);
            timer = setTimeout(fire, ms);
        },
        stop() {
            clearTimeout(timer);
        },
        get fired() {
            return fired;
        },
    };
}

/** A transfer the phone stopped taking part in: sending `file` to `remote`, or fetching `remote`. */
function stalledError(remote: string, file: string | undefined, done: number, ms: number): ReviveError {
    const seconds = Math.round(ms / 1000);
    return file === undefined
        ? ReviveError.of('adb-stalled', { variant: 'fetch', remote, bytesDone: done, seconds })
        : ReviveError.of('adb-stalled', { variant: 'send', remote, file, bytesDone: done, seconds });
}

export interface PushOutcome {
    /** The SHA-256 of the bytes sent (equal to the phone's when `checkedOn` is 'phone'). */
    readonly sha256: string;
    readonly bytes: number;
    /** 'phone': the phone's own sha256sum of its copy matched; 'sent': only the sent bytes were hashed. */
    readonly checkedOn: 'phone' | 'sent';
}

/**
 * A phone pulled mid-session rejects the connection's `disconnected` promise (USB's NotFoundError);
 * whoever needs to know awaits it, but an unwatched rejection must never end the process.
 */
function observeDisconnect(adb: Adb): Adb {
    adb.disconnected.catch(() => undefined);
    return adb;
}

export class AdbPhone {
    #adb: Adb;
    readonly target: AdbTarget;
    readonly #options: ConnectAdbOptions;

    constructor(adb: Adb, target: AdbTarget, options: ConnectAdbOptions) {
        this.#adb = observeDisconnect(adb);
        this.target = target;
        this.#options = options;
    }

    get adb(): Adb {
        return this.#adb;
    }

    get serial(): string {
        return this.#adb.serial;
    }

    /** What the phone's banner says it is running: Android, recovery, or recovery's sideload. */
    get state(): AdbState {
        // The banner's first field is the raw system type (`device`, `recovery`, `sideload`, …).
        const state: string | undefined = this.#adb.banner.state;
        return state === 'recovery' || state === 'sideload' || state === 'unauthorized' ? state : 'device';
    }

    get disconnected(): Promise<void> {
        return this.#adb.disconnected;
    }

    async close(): Promise<void> {
        const adb = this.#adb;
        let timer: NodeJS.Timeout | undefined;
        const closed = await Promise.race([
            adb.close().then(() => true, () => true),
            new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS))),
        ]);
        clearTimeout(timer);
        if (!closed) hangUps.get(adb)?.();
    }

    /**
     * Connect again after the phone rebooted (the old connection is gone), waiting until it is back
     * in one of `states`. Gives up after `timeoutMs`.
     */
    async reconnect(states: readonly AdbState[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
        await this.close();
        const deadline = Date.now() + (options.timeoutMs ?? 60_000);
        let lastError: unknown;
        while (Date.now() < deadline) {
            options.signal?.throwIfAborted();
            try {
                let target = this.target;
                if ('usbDevice' in target && target.findAgain) target = { ...target, usbDevice: await target.findAgain(options.signal) };
                const adb = await authenticate(target, { ...this.#options, signal: options.signal ?? this.#options.signal });
                this.#adb = observeDisconnect(adb);
                if (states.includes(this.state)) return;
                lastError = ReviveError.of('adb-other-mode', { found: this.state });
            } catch (error) {
                lastError = error;
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        // Why the last try failed: that error's code and facts, worded inside ours.
        const cause = ReviveError.from(lastError ?? new Error('no answer'));
        throw ReviveError.of('adb-not-back', { ...cause.facts, wanted: states.join('-'), cause: cause.code }, { cause: lastError });
    }

    /** Run a shell command; the exit status comes from shell protocol v2, or a marker on old phones. */
    async shell(command: string): Promise<ShellOutput> {
        // A phone gone from the bus (dead battery, pulled cable) never answers: the command would wait
        // forever on a connection that has already ended.
        const gone = this.#adb.disconnected.then(
            () => Promise.reject(new Error('the connection to the phone ended')),
            (error: unknown) => Promise.reject(error instanceof Error ? error : new Error(String(error))),
        );
        gone.catch(() => undefined);
        try {
            return await Promise.race([this.#shell(command), gone]);
        } catch (error) {
            throw disconnectedError({ activity: 'command', command }, error);
        }
    }

    async #shell(command: string): Promise<ShellOutput> {
        const v2 = this.#adb.subprocess.shellProtocol;
        if (v2?.isSupported) {
            const result = await v2.spawnWaitText(command);
            return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
        }
        const marker = `__revive_exit_${Date.now()}__`;
        const output = await this.#adb.subprocess.noneProtocol.spawnWaitText(`${command}; echo ${marker}$?`);
        const at = output.lastIndexOf(marker);
        if (at < 0) return { exitCode: -1, stdout: output, stderr: '' };
        return { exitCode: Number(output.slice(at + marker.length).trim()) || 0, stdout: output.slice(0, at), stderr: '' };
    }

    async getProperties(): Promise<Map<string, string>> {
        return parseGetpropList((await this.shell('getprop')).stdout);
    }

    async identity(): Promise<PhoneIdentity> {
        const props = await this.getProperties();
        const get = (...keys: string[]): string => keys.map((k) => props.get(k)).find((v) => v !== undefined && v !== '') ?? '';
        return {
            device: get('ro.product.device', 'ro.build.product') || (this.#adb.banner.device ?? ''),
            model: get('ro.product.model') || (this.#adb.banner.model ?? ''),
            name: get('ro.product.name') || (this.#adb.banner.product ?? ''),
            androidVersion: get('ro.build.version.release'),
            bootloader: get('ro.bootloader', 'ro.boot.bootloader'),
            serial: get('ro.serialno', 'ro.boot.serialno') || this.serial,
            fingerprint: get('ro.build.fingerprint'),
        };
    }

    /** Battery level in percent: `dumpsys battery` in Android, the kernel's capacity file in recovery. */
    async battery(): Promise<number> {
        if (this.state === 'device') {
            const level = /^\s*level:\s*(\d+)/m.exec((await this.shell('dumpsys battery')).stdout)?.[1];
            if (level !== undefined) return Number(level);
        }
        const capacity = (await this.shell('cat /sys/class/power_supply/battery/capacity')).stdout.trim();
        if (/^\d+$/.test(capacity)) return Number(capacity);
        throw ReviveError.of('adb-battery-unknown', {});
    }

    /** Ask the phone to reboot; the connection ends. `download` is Samsung's Odin mode. */
    async reboot(mode: AdbRebootMode): Promise<void> {
        const reason = mode === 'system' ? '' : mode;
        try {
            await this.#adb.power.reboot(reason);
        } catch {
            // The phone may drop the connection before it acknowledges: that is the reboot.
        }
        await this.close();
    }

    /**
     * Send a file with sync; returns the SHA-256 of the bytes sent, computed while streaming. With
     * `verifyOnPhone` the phone hashes its stored copy (`sha256sum`, toybox on Android 6+ and in
     * TWRP) — while the file arrives where its adbd speaks shell protocol v2 (./phone-hash.ts),
     * after the transfer elsewhere — and a difference throws `push-mismatch`; a phone without
     * sha256sum is said in the log and the result says `checkedOn: 'sent'`.
     */
    async push(localPath: string, remotePath: string, ctx: JobContext = {}, options: PushOptions = {}): Promise<PushOutcome> {
        const running = options.verifyOnPhone ? await startPhoneHash(this.#adb, remotePath, options.phoneHashLayout).catch(() => undefined) : undefined;
        let sent;
        try {
            sent = await this.#send(localPath, remotePath, ctx, options.stallMs ?? DEFAULT_STALL_MS, running);
        } catch (error) {
            running?.cancel();
            throw error;
        }
        if (!options.verifyOnPhone) return { ...sent, checkedOn: 'sent' };
        const whileSent = await running?.finish(sent.bytes);
        // Hashed as it arrived and equal: done. Otherwise the whole copy once more, after the
        // transfer: a stretch read before adbd had written it must not fail a good copy.
        const onPhone = whileSent === sent.sha256 ? whileSent : await this.sha256OnPhone(remotePath);
        if (onPhone === undefined) {
            logNote(ctx, 'phone-no-sha256', { file: remotePath });
            return { ...sent, checkedOn: 'sent' };
        }
        if (onPhone !== sent.sha256) {
            throw ReviveError.of('push-mismatch', { file: basename(localPath), path: localPath, remote: remotePath, expected: sent.sha256, found: onPhone });
        }
        return { ...sent, checkedOn: 'phone' };
    }

    /**
     * The SHA-256 the phone computes of one of its files, or undefined when it has no `sha256sum`
     * (Android before 6). A file the phone cannot read throws.
     */
    async sha256OnPhone(remotePath: string): Promise<string | undefined> {
        const answer = await this.shell(shellCommand('sha256sum', remotePath));
        const digest = answer.exitCode === 0 ? /^([0-9a-f]{64})\s/.exec(answer.stdout)?.[1] : undefined;
        if (digest) return digest;
        const text = `${answer.stdout}\n${answer.stderr}`;
        // mksh on Android 5 and older: `/system/bin/sh: sha256sum: not found`, status 127.
        if (answer.exitCode === 127 || /\bsha256sum: (command )?not found/.test(text)) return undefined;
        const phoneSaid = text.trim();
        throw phoneSaid
            ? ReviveError.of('adb-hash-failed', { variant: 'said', remote: remotePath, phoneSaid })
            : ReviveError.of('adb-hash-failed', { variant: 'status', remote: remotePath, exitCode: answer.exitCode });
    }

    async #send(localPath: string, remotePath: string, ctx: JobContext, stallMs: number, running?: RunningPhoneHash): Promise<{ sha256: string; bytes: number }> {
        const handle = await open(localPath, 'r');
        const size = (await handle.stat()).size;
        let done = 0;
        let sha256: string | undefined;
        const adb = this.#adb;
        const watch = stallWatch(stallMs, () => hangUps.get(adb)?.());
        const step = `push:${basename(localPath)}`;
        let socket;
        try {
            socket = await adb.createSocket('sync:');
            ({ sha256 } = await syncSend(socket, remotePath, { read: async (views) => (await handle.readv(views)).bytesRead }, {
                permission: 0o644,
                mtime: Math.floor(Date.now() / 1000),
                signal: ctx.signal,
                hash: size >= HASH_THREAD_FROM ? 'thread' : 'inline',
                onSent: (bytes) => {
                    done = bytes;
                    watch.kick();
                    running?.sent(done);
                    // Sync's only acknowledgement is the OKAY after DONE: until then the bytes are only sent.
                    ctx.onProgress?.({ step, bytesDone: 0, bytesSent: done, bytesTotal: size, toPhone: true, cancellable: true });
                },
            }));
        } catch (error) {
            if (watch.fired) throw stalledError(remotePath, basename(localPath), done, stallMs);
            if (ctx.signal?.aborted) throw ReviveError.of('cancelled', { variant: 'adb-send', what: basename(localPath) }, { cause: error });
            // The phone answered, with its reason (a folder of that name, a read-only place, a full disk).
            if (error instanceof SyncFailError) throw refusedError('push', basename(localPath), remotePath, error);
            throw disconnectedError({ activity: 'send', file: basename(localPath), remote: remotePath }, error);
        } finally {
            watch.stop();
            await handle.close();
            await Promise.resolve(socket?.close()).catch(() => undefined);
        }
        if (watch.fired) throw stalledError(remotePath, basename(localPath), done, stallMs);
        ctx.onProgress?.({ step, bytesDone: done, bytesSent: done, bytesTotal: size, toPhone: true, cancellable: true });
        // Asked for above: syncSend gives it with every file it sent whole.
        if (sha256 === undefined) throw new Error('the sync writer gave no hash of the sent file');
        return { sha256, bytes: done };
    }

    /**
     * Every regular file under a folder, walked with sync LIST (no shell `find`, which old phones
     * lack): paths relative to the folder, with sizes. Links and special files are not followed.
     */
    async listFiles(remoteDir: string, ctx: JobContext = {}): Promise<Array<{ path: string; sizeBytes: number }>> {
        const sync = await this.#adb.sync();
        const found: Array<{ path: string; sizeBytes: number }> = [];
        try {
            const walk = async (relative: string): Promise<void> => {
                const entries = await sync.readdir(relative ? `${remoteDir}/${relative}` : remoteDir);
                for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
                    ctx.signal?.throwIfAborted();
                    if (entry.name === '.' || entry.name === '..') continue;
                    const path = relative ? `${relative}/${entry.name}` : entry.name;
                    const kind = entry.mode & 0o170000;
                    if (kind === 0o040000) await walk(path);
                    else if (kind === 0o100000) found.push({ path, sizeBytes: Number(entry.size) });
                }
            };
            await walk('');
        } catch (error) {
            if (error instanceof ReviveError || ctx.signal?.aborted) throw error;
            throw disconnectedError({ activity: 'list', remote: remoteDir }, error);
        } finally {
            await sync.dispose().catch(() => undefined);
        }
        return found;
    }

    /**
     * Fetch a file with sync to disk; returns the SHA-256 of what arrived, computed while streaming.
     * `createNew`: the file is new and private (0600); an existing file or link there is an error.
     */
    async pull(remotePath: string, localPath: string, ctx: JobContext = {}, options: PullOptions = {}): Promise<{ sha256: string; bytes: number }> {
        const handle = options.createNew ? await createPrivateFile(localPath) : await open(localPath, 'w', 0o644);
        const out = handle.createWriteStream();
        // A failed write (disk full) is reported by once('drain') / end(), never as an unhandled event.
        out.on('error', () => undefined);
        const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
        const adb = this.#adb;
        const watch = stallWatch(stallMs, () => hangUps.get(adb)?.());
        let sync;
        try {
            sync = await adb.sync();
        } catch (error) {
            watch.stop();
            out.destroy();
            if (watch.fired) throw stalledError(remotePath, undefined, 0, stallMs);
            throw disconnectedError({ activity: 'fetch', remote: remotePath }, error);
        }
        const hash = createHash('sha256');
        let done = 0;
        const step = `pull:${basename(remotePath)}`;
        try {
            const info = await sync.lstat(remotePath).catch(() => undefined);
            const total = info ? Number(info.size) : 0;
            if (!info || info.mode === 0) {
                throw ReviveError.of('adb-no-such-file', { remote: remotePath });
            }
            for await (const chunk of sync.read(remotePath)) {
                watch.kick();
                ctx.signal?.throwIfAborted();
                hash.update(chunk);
                done += chunk.length;
                if (!out.write(chunk)) await once(out, 'drain');
                ctx.onProgress?.({ step, bytesDone: done, bytesTotal: total, cancellable: true });
            }
        } catch (error) {
            out.destroy();
            if (watch.fired) throw stalledError(remotePath, undefined, done, stallMs);
            if (error instanceof ReviveError) throw error;
            throw disconnectedError({ activity: 'fetch', remote: remotePath }, error);
        } finally {
            watch.stop();
            await sync.dispose().catch(() => undefined);
        }
        if (watch.fired) throw stalledError(remotePath, undefined, done, stallMs);
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
        return { sha256: hash.digest('hex'), bytes: done };
    }

    /** Install an APK: push it to /data/local/tmp and run `pm install -r` (works from Android 4 on). */
    async install(apkPath: string, ctx: JobContext = {}): Promise<void> {
        const remote = `/data/local/tmp/revive-${Date.now()}.apk`;
        await this.push(apkPath, remote, ctx);
        const result = await this.shell(shellCommand('pm', 'install', '-r', remote));
        await this.shell(shellCommand('rm', '-f', remote));
        const text = `${result.stdout}\n${result.stderr}`;
        if (!/^Success\b/m.test(text)) {
            const reason = /Failure \[([^\]]+)\]/.exec(text)?.[1] ?? text.trim().split('\n').pop() ?? 'no answer';
            throw ReviveError.of('apk-install-failed', { file: basename(apkPath), path: apkPath, phoneSaid: reason });
        }
    }

    /** In recovery, start TWRP's ADB sideload and reconnect to the phone in sideload mode. */
    async startSideload(ctx: JobContext = {}): Promise<void> {
        if (this.state === 'sideload') return;
        if (this.state !== 'recovery') {
            throw ReviveError.of('adb-not-recovery', {});
        }
        // TWRP restarts adbd as minadbd: this shell connection drops before `twrp sideload` returns.
        await this.shell('twrp sideload').catch(() => undefined);
        await this.reconnect(['sideload'], { timeoutMs: 60_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    }

    /**
     * Sideload a flashable zip. The package is checked before the phone is touched; a phone in
     * recovery is put into sideload mode first. Afterwards the phone is back in recovery and this
     * object reconnected to it. A refusal by recovery throws with recovery's own words.
     */
    async sideload(zipPath: string, ctx: JobContext = {}, timeouts: SideloadTimeouts = {}): Promise<void> {
        // The zip reader (yauzl) loads only for a sideload, not for every adb command.
        const { checkSideloadPackage, serveSideload } = await import('./sideload.js');
        const { size } = await checkSideloadPackage(zipPath);
        await this.startSideload(ctx);
        const adb = this.#adb;
        const outcome = await serveSideload(adb, zipPath, size, ctx, timeouts).catch((error: unknown) => {
            // A silent phone cannot take a polite close (its queued packets would fail inside the adb
            // library with nobody listening), and a cancelled sideload is over: drop the connection.
            if (error instanceof ReviveError && ['sideload-stalled', 'sideload-no-verdict', 'cancelled'].includes(error.code)) hangUps.get(adb)?.();
            throw error;
        });
        // Recovery leaves sideload mode after the install: wait for that connection to end first.
        // The timer is cleared: left running, it kept the process alive 10 s after the command ended,
        // and a Ctrl-C in that window killed it with status 130 after it had said "Installed".
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.#adb.disconnected.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
        clearTimeout(timer);
        await this.reconnect(['recovery', 'sideload'], { timeoutMs: 60_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
        if (outcome === 'done') return;
        const log = await this.readText('/tmp/recovery.log').catch(() => '');
        const reason =
            log.split('\n').reverse().find((line) => /E\d{4}:|This package is for device|^E:|Invalid zip|Could not find/.test(line))?.trim() ??
            'recovery reported a failure without details';
        throw ReviveError.of('sideload-refused', { variant: /This package is for device/.test(reason) ? 'other-phone' : 'said', file: basename(zipPath), path: zipPath, twrpSaid: reason });
    }

    /** Read a text file on the phone (small files only: logs, props). */
    async readText(remotePath: string): Promise<string> {
        const sync = await this.#adb.sync();
        try {
            return await streamToString(sync.read(remotePath));
        } finally {
            await sync.dispose().catch(() => undefined);
        }
    }
}

export async function connectAdb(target: AdbTarget, options: ConnectAdbOptions = {}): Promise<AdbPhone> {
    const adb = await authenticate(target, options);
    return new AdbPhone(adb, target, options);
}

export function isDisconnect(error: unknown): boolean {
    return error instanceof UsbError || (error instanceof ReviveError && error.code === 'adb-disconnected');
}
