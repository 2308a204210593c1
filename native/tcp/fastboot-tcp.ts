/**
 * fastboot over TCP presented as a UsbTransport: one frame per write, one frame per read, so the
 * FastbootClient is the same code over USB and over the network (`fastboot -s tcp:HOST:PORT`).
 */
import { connect, type Socket } from 'node:net';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import { UsbError, type IoOptions, type UsbDeviceInfo, type UsbTransport, type WriteOptions } from '../usb/transport.js';
import { encodeFrameHeader, FrameDecoder, HANDSHAKE, parseHandshake } from './fastboot-frames.js';

export const FASTBOOT_TCP_PORT = 5554;

export interface FastbootTcpOptions {
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal | undefined;
}

class Waiters {
    readonly #list = new Set<() => void>();
    add(wake: () => void): () => void {
        this.#list.add(wake);
        return () => this.#list.delete(wake);
    }
    wakeAll(): void {
        for (const wake of [...this.#list]) wake();
    }
}

/** Wait for `ready()` to hold, re-checking whenever `waiters` wakes; honours timeout and signal. */
function waitFor<T>(waiters: Waiters, ready: () => T | undefined, options: IoOptions | undefined, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const finish = (): void => {
            remove();
            clearTimeout(timer);
            options?.signal?.removeEventListener('abort', onAbort);
        };
        const check = (): void => {
            try {
                const value = ready();
                if (value !== undefined) {
                    finish();
                    resolve(value);
                }
            } catch (error) {
                finish();
                reject(error as Error);
            }
        };
        const onAbort = (): void => {
            finish();
            reject(new UsbError('aborted', 'The transfer was cancelled.', { cause: options?.signal?.reason }));
        };
        const remove = waiters.add(check);
        if (options?.signal?.aborted) return onAbort();
        options?.signal?.addEventListener('abort', onAbort, { once: true });
        if (options?.timeoutMs !== undefined) {
            timer = setTimeout(() => {
                finish();
                reject(new UsbError('timeout', `The device did not ${what} within ${options.timeoutMs} ms.`));
            }, options.timeoutMs);
        }
        check();
    });
}

class FastbootTcpTransport implements UsbTransport {
    readonly info: UsbDeviceInfo;
    readonly packetSize = { in: 512, out: 512 };
    readonly closed: Promise<void>;
    readonly #socket: Socket;
    readonly #frames: Uint8Array[] = [];
    readonly #waiters = new Waiters();
    readonly #decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER);
    #closedReason: string | undefined;
    /** Bytes still owed to the frame opened by beginTransfer; writes carry them without headers of their own. */
    #frameLeft = 0;
    /** The header of the frame opened by beginTransfer, until its first bytes go with it. */
    #pendingHeader: Uint8Array | undefined;

    constructor(socket: Socket, info: UsbDeviceInfo, leftover: Uint8Array) {
        this.#socket = socket;
        this.info = info;
        this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
        socket.on('data', (chunk: Buffer) => this.#onData(chunk));
        socket.on('drain', () => this.#waiters.wakeAll());
        socket.on('error', (error) => {
            this.#closedReason ??= `The connection failed: ${error.message}`;
        });
        socket.on('close', () => {
            this.#closedReason ??= 'The device closed the connection.';
            this.#waiters.wakeAll();
        });
        if (leftover.length > 0) this.#onData(leftover);
    }

    #onData(chunk: Uint8Array): void {
        try {
            for (const segment of this.#decoder.push(chunk)) this.#frames.push(segment.data);
        } catch (error) {
            this.#closedReason = `The device sent a broken frame: ${(error as Error).message}`;
            this.#socket.destroy();
        }
        this.#waiters.wakeAll();
    }

    #gone(): UsbError {
        return new UsbError('disconnected', this.#closedReason ?? 'The connection is closed.');
    }

    async beginTransfer(length: number, options?: IoOptions): Promise<void> {
        if (this.#closedReason !== undefined) throw this.#gone();
        options?.signal?.throwIfAborted();
        if (this.#frameLeft > 0) throw new UsbError('io', `A transfer is still ${this.#frameLeft} bytes short.`);
        if (!Number.isSafeInteger(length) || length <= 0) throw new UsbError('io', `A transfer of ${length} bytes cannot be framed.`);
        // Sent with the first bytes of the transfer (see #writeFrame).
        this.#pendingHeader = encodeFrameHeader(length);
        this.#frameLeft = length;
    }

    /**
     * A frame's header and its bytes in one system call: with Nagle off, two writes were two
     * segments, and the phone woke once for a header it could do nothing with.
     */
    #writeFrame(header: Uint8Array | undefined, data: Uint8Array): boolean {
        if (header === undefined) return this.#socket.write(data);
        this.#socket.cork();
        this.#socket.write(header);
        const flushed = this.#socket.write(data);
        this.#socket.uncork();
        return flushed && !this.#socket.writableNeedDrain;
    }

    async write(data: Uint8Array, options?: WriteOptions): Promise<void> {
        if (this.#closedReason !== undefined) throw this.#gone();
        options?.signal?.throwIfAborted();
        // A zero-length packet means nothing on a byte stream.
        if (data.length === 0) return;
        let header: Uint8Array | undefined;
        if (this.#frameLeft > 0) {
            // Never more than the frame announced: the rest would be read as the next frame's header.
            if (data.length > this.#frameLeft) throw new UsbError('io', `${data.length} bytes do not fit the ${this.#frameLeft} left in this transfer.`);
            this.#frameLeft -= data.length;
            header = this.#pendingHeader;
            this.#pendingHeader = undefined;
        } else {
            header = encodeFrameHeader(data.length);
        }
        const flushed = this.#writeFrame(header, data);
        if (flushed) return;
        await waitFor(
            this.#waiters,
            () => {
                if (this.#closedReason !== undefined) throw this.#gone();
                return this.#socket.writableNeedDrain ? undefined : true;
            },
            options,
            'accept data',
        );
    }

    read(maxLength: number, options?: IoOptions): Promise<Uint8Array> {
        return waitFor(
            this.#waiters,
            () => {
                const head = this.#frames[0];
                if (head) {
                    if (head.length <= maxLength) return this.#frames.shift();
                    this.#frames[0] = head.subarray(maxLength);
                    return head.subarray(0, maxLength);
                }
                if (this.#closedReason !== undefined) throw this.#gone();
                return undefined;
            },
            options,
            'answer',
        );
    }

    async close(): Promise<void> {
        this.#closedReason ??= 'The connection is closed.';
        this.#socket.end();
        this.#socket.destroy();
        this.#waiters.wakeAll();
        await this.closed;
    }
}

type ConnectProblem = Omit<FactsOf<'fastboot-tcp-connect'>, 'address'>;

function connectionError(host: string, port: number, problem: ConnectProblem | unknown, cause?: unknown): ReviveError {
    if (problem instanceof ReviveError) return problem;
    // A socket error: the system's own words (ECONNREFUSED …).
    const facts: ConnectProblem = problem instanceof Error ? { variant: 'socket', problem: problem.message } : (problem as ConnectProblem);
    return ReviveError.of('fastboot-tcp-connect', { address: `${host}:${port}`, ...facts }, { cause });
}

/** Connect and do the FB01 handshake; the result speaks fastboot like a USB device. */
export async function connectFastbootTcp(host: string, port: number = FASTBOOT_TCP_PORT, options: FastbootTcpOptions = {}): Promise<UsbTransport> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    try {
        const reply = await new Promise<Buffer>((resolve, reject) => {
            let received = Buffer.alloc(0);
            const timer = setTimeout(() => fail(connectionError(host, port, { variant: 'timeout', seconds: timeoutMs / 1000 })), timeoutMs);
            const onAbort = (): void => fail(connectionError(host, port, { variant: 'cancelled' }));
            const cleanup = (): void => {
                clearTimeout(timer);
                options.signal?.removeEventListener('abort', onAbort);
                socket.off('data', onData);
                socket.off('error', fail);
                socket.off('close', onClose);
            };
            function fail(error: Error): void {
                cleanup();
                reject(error);
            }
            const onClose = (): void => fail(connectionError(host, port, { variant: 'closed' }));
            const onData = (chunk: Buffer): void => {
                received = Buffer.concat([received, chunk]);
                if (received.length >= 4) {
                    cleanup();
                    // Data after the handshake belongs to the first frame; hand it back unread.
                    socket.pause();
                    resolve(received);
                }
            };
            options.signal?.addEventListener('abort', onAbort, { once: true });
            socket.on('data', onData);
            socket.once('error', fail);
            socket.once('close', onClose);
            socket.once('connect', () => socket.write(HANDSHAKE));
        });
        const version = parseHandshake(reply.subarray(0, 4));
        if (version === undefined || version < 1) throw connectionError(host, port, { variant: 'handshake', found: reply.subarray(0, 4).toString('latin1') });
        const transport = new FastbootTcpTransport(socket, { vendorId: 0, productId: 0, location: `tcp:${host}:${port}`, product: 'fastboot over TCP' }, reply.subarray(4));
        socket.resume();
        return transport;
    } catch (error) {
        socket.destroy();
        throw connectionError(host, port, error, error);
    }
}
