/**
 * The phone hashes its copy of a pushed file while the rest is still on its way, so checking the
 * copy adds only the hash of the last few MiB after the transfer, not of the whole file.
 *
 * One shell (protocol v2, whose standard input the host can close) runs
 * `while read skip count; do dd if=FILE bs=1M skip=$skip count=$count; done | sha256sum`: one
 * SHA-256 of the whole file, read stretch by stretch. The host writes a stretch's line once that
 * stretch and a margin after it have been taken by the sync writer. adbd writes a SEND's bytes to
 * the file in order as they come, but acknowledges only the whole file (after DONE); flow control
 * keeps what the writer has taken a few chunks (its queues, measured: 2-3 MiB) and a packet ahead
 * of what the phone wrote, so with the margin the stretch is in the file when dd reads it. If it was not, the digest differs and the
 * caller checks the whole file once more after the transfer — a wrong guess costs time, never a
 * wrong verdict. The last line is written after the phone acknowledged DONE and reads to the end.
 */
import type { Adb } from '@yume-chan/adb';
import { shellCommand } from './shell-words.js';

const BLOCK = 1024 * 1024;

export interface PhoneHashLayout {
    /** Blocks (of 1 MiB) per line: one dd on the phone each. */
    readonly stretchBlocks: number;
    /** Bytes handed to the transfer beyond a stretch before the phone is asked to read it. */
    readonly marginBytes: number;
}

export const DEFAULT_PHONE_HASH_LAYOUT: PhoneHashLayout = { stretchBlocks: 8, marginBytes: 8 * BLOCK };

export interface RunningPhoneHash {
    /** The host has handed the first `bytes` of the file to the transfer. */
    sent(bytes: number): void;
    /**
     * The phone acknowledged the whole transfer of `size` bytes: it hashes the rest. The phone's
     * SHA-256 of its copy, or undefined when the phone could not run the command (no sha256sum,
     * no dd, a shell that did not take the lines): the caller then asks the phone plainly.
     */
    finish(size: number): Promise<string | undefined>;
    /** The transfer failed or was cancelled: end the command on the phone. */
    cancel(): void;
}

/** The command the phone runs; `$skip` and `$count` are the fields of each line the host writes. */
export function phoneHashCommand(remotePath: string): string {
    return `while read skip count; do ${shellCommand('dd', `if=${remotePath}`, `bs=${BLOCK}`)} skip=$skip count=$count 2>/dev/null; done | sha256sum`;
}

/**
 * Start hashing `remotePath` on the phone as it arrives; undefined where the phone's adbd has no
 * shell protocol v2 (Android before 7), whose standard input cannot be closed: the caller hashes
 * after the transfer there.
 */
export async function startPhoneHash(adb: Adb, remotePath: string, layout: PhoneHashLayout = DEFAULT_PHONE_HASH_LAYOUT): Promise<RunningPhoneHash | undefined> {
    const shell = adb.subprocess.shellProtocol;
    if (!shell?.isSupported) return undefined;
    const child = await shell.spawn(phoneHashCommand(remotePath));
    // A transfer that fails or is cancelled ends the command with its connection: `exited` then
    // rejects ("Socket ended without exit message") and finish() is never there to hear it.
    const exited = child.exited.catch(() => -1);
    const encoder = new TextEncoder();
    const writer = child.stdin.getWriter();
    // Lines go out in order without holding up the transfer; a failed write only spoils the result.
    let writing: Promise<void> = Promise.resolve();
    let broken = false;
    const write = (line: string): void => {
        writing = writing.then(() => writer.write(encoder.encode(line))).catch(() => void (broken = true));
    };
    const decoder = new TextDecoder();
    let stdout = '';
    const reading = (async () => {
        for await (const chunk of child.stdout) stdout += decoder.decode(chunk, { stream: true });
    })().catch(() => void (broken = true));
    // Drained, or the library stops reading the connection. The phone's complaints (no such tool)
    // come again from the caller's plain check, which words them.
    void (async () => {
        for await (const chunk of child.stderr) void chunk;
    })().catch(() => undefined);
    const stretch = layout.stretchBlocks * BLOCK;
    let next = 0;
    let finished = false;
    return {
        sent(bytes) {
            while (!finished && next + stretch + layout.marginBytes <= bytes) {
                write(`${next / BLOCK} ${layout.stretchBlocks}\n`);
                next += stretch;
            }
        },
        async finish(size) {
            finished = true;
            // One block more than the file should have: dd stops at its end, and bytes beyond it would show.
            const blocks = Math.ceil(size / BLOCK);
            write(`${next / BLOCK} ${blocks - next / BLOCK + 1}\n`);
            writing = writing.then(() => writer.close()).catch(() => void (broken = true));
            await writing;
            const exitCode = await exited;
            await reading;
            const digest = /^([0-9a-f]{64})\s/.exec(stdout)?.[1];
            return !broken && exitCode === 0 ? digest : undefined;
        },
        cancel() {
            finished = true;
            void Promise.resolve(child.kill()).catch(() => undefined);
        },
    };
}
