/**
 * An AdbDaemonConnection over node:net: adbd's TCP transport (port 5555 on real phones, the virtual
 * phone's adb endpoint). yume-chan ships no daemon-TCP transport for Node; this is only the framing
 * (24-byte header + payload on a byte stream), everything above is @yume-chan/adb's.
 */
import { connect, type Socket } from 'node:net';
import type { AdbDaemonConnection, AdbPacketData, AdbPacketInit } from '@yume-chan/adb';
import { Consumable, ReadableStream } from '@yume-chan/stream-extra';
import { UsbError } from '../usb/transport.js';
import { PayloadPool } from './payload-pool.js';

const HIGH_WATER = 8 * 1024 * 1024;
/** adb's largest payload (MAX_PAYLOAD since Android 9); a bigger length field is a damaged packet. */
export const MAX_ADB_PAYLOAD = 1024 * 1024;
/** Every TCP connection's large payloads; a reader that is done with one gives it back here. */
export const adbPayloads = new PayloadPool(MAX_ADB_PAYLOAD);

/** The phone sent bytes that are not an adb packet: the connection cannot go on. */
export class AdbFrameError extends Error {
    override readonly name = 'AdbFrameError';
}

function encodeHeader(packet: AdbPacketInit): Uint8Array {
    const header = new Uint8Array(24);
    const view = new DataView(header.buffer);
    view.setUint32(0, packet.command >>> 0, true);
    view.setUint32(4, packet.arg0 >>> 0, true);
    view.setUint32(8, packet.arg1 >>> 0, true);
    view.setUint32(12, packet.payload.length, true);
    view.setUint32(16, packet.checksum >>> 0, true);
    view.setUint32(20, packet.magic >>> 0, true);
    return header;
}

const HEADER_SIZE = 24;

/**
 * Cuts packets out of the socket's bytes, which the socket reads straight into where they
 * belong: a header into the header buffer, a payload into a buffer of its own (the library keeps
 * payloads; a large one from `adbPayloads`, reused once a reader gave it back). No byte is copied
 * after the kernel's read and no buffer is made per read, so a 2 GiB transfer costs no copy and
 * leaves little for the garbage collector. One more read per packet (its header) is what that costs.
 */
class PacketParser {
    readonly #header = Buffer.alloc(HEADER_SIZE);
    #headerFilled = 0;
    #packet: AdbPacketData | undefined;
    #payloadFilled = 0;
    readonly #packets: AdbPacketData[] = [];
    #queuedBytes = 0;

    /** Payload bytes of complete packets not yet taken. */
    get queuedBytes(): number {
        return this.#queuedBytes;
    }

    /** Where the socket's next read goes: the rest of the payload being received, or of the header. */
    nextBuffer(): Uint8Array {
        const packet = this.#packet;
        return packet ? packet.payload.subarray(this.#payloadFilled) : this.#header.subarray(this.#headerFilled);
    }

    /** `bytes` were read into the buffer `nextBuffer` gave. Throws AdbFrameError on a header that is not adb's. */
    received(bytes: number): void {
        const packet = this.#packet;
        if (packet) {
            this.#payloadFilled += bytes;
            if (this.#payloadFilled === packet.payload.length) this.#finishPacket(packet);
            return;
        }
        this.#headerFilled += bytes;
        if (this.#headerFilled === HEADER_SIZE) this.#startPacket();
    }

    #startPacket(): void {
        const header = this.#header;
        this.#headerFilled = 0;
        const command = header.readUInt32LE(0);
        const payloadLength = header.readUInt32LE(12);
        // Checked before the payload is awaited: a damaged header must not make us buffer gigabytes.
        if (header.readUInt32LE(20) !== (command ^ 0xffffffff) >>> 0) throw new AdbFrameError('a packet header was damaged (its magic does not match its command)');
        if (payloadLength > MAX_ADB_PAYLOAD) throw new AdbFrameError(`a packet claimed ${payloadLength} bytes, more than adb's ${MAX_ADB_PAYLOAD}`);
        const packet = { command, arg0: header.readUInt32LE(4), arg1: header.readUInt32LE(8), payload: adbPayloads.take(payloadLength) };
        this.#payloadFilled = 0;
        if (payloadLength === 0) this.#finishPacket(packet);
        else this.#packet = packet;
    }

    #finishPacket(packet: AdbPacketData): void {
        this.#packet = undefined;
        this.#packets.push(packet);
        this.#queuedBytes += packet.payload.length;
    }

    next(): AdbPacketData | undefined {
        const packet = this.#packets.shift();
        if (packet) this.#queuedBytes -= packet.payload.length;
        return packet;
    }
}

export interface AdbTcpConnection extends AdbDaemonConnection {
    readonly socket: Socket;
    close(): void;
}

/** Open a TCP connection to an adbd; rejects with UsbError('disconnected') when nobody answers. */
export function openAdbTcpConnection(host: string, port: number, signal?: AbortSignal): Promise<AdbTcpConnection> {
    return new Promise((resolve, reject) => {
        const parser = new PacketParser();
        let wake: (() => void) | undefined;
        let ended = false;
        let failure: Error | undefined;
        let frameError: unknown;
        const socket = connect({
            host,
            port,
            signal,
            onread: {
                // Asked again after every read, so each read goes where its bytes belong.
                buffer: () => parser.nextBuffer(),
                callback(bytes: number): boolean {
                    try {
                        parser.received(bytes);
                    } catch (error) {
                        frameError = error;
                        socket.destroy();
                    }
                    wake?.();
                    // false pauses the socket: the reader resumes it once it has taken packets.
                    return parser.queuedBytes <= HIGH_WATER;
                },
            },
        });
        socket.setNoDelay(true);
        socket.on('end', () => {
            ended = true;
            wake?.();
        });
        socket.on('close', () => {
            ended = true;
            wake?.();
        });
        // The reader hears of a failure only at 'close', which always follows 'error': by then a
        // write waiting for 'drain' has been let go too. Ended earlier, the library's handshake saw
        // the end while its first packet was still being written, before it listened for the end,
        // and Node ended the whole process on that unheard rejection.
        socket.once('error', (error) => {
            failure = error;
        });
        socket.once('connect', () => {
            socket.off('error', reject);
            const readable = new ReadableStream<AdbPacketData>(
                {
                    async pull(controller) {
                        for (;;) {
                            if (frameError !== undefined) throw frameError;
                            const packet = parser.next();
                            if (packet) {
                                if (parser.queuedBytes < HIGH_WATER / 2) socket.resume();
                                controller.enqueue(packet);
                                return;
                            }
                            if (ended) {
                                if (failure) controller.error(new UsbError('disconnected', `The adb connection to ${host}:${port} broke: ${failure.message}`));
                                else controller.close();
                                return;
                            }
                            socket.resume();
                            await new Promise<void>((r) => (wake = r));
                            wake = undefined;
                        }
                    },
                    cancel() {
                        socket.destroy();
                    },
                },
                { highWaterMark: 0 },
            );
            const writable = new Consumable.WritableStream<AdbPacketInit>({
                async write(packet) {
                    // yume-chan sends some packets without waiting for them (a CLSE for a stream it does
                    // not know); on a closed connection they are dropped, and the reader reports the end.
                    if (socket.destroyed) return;
                    socket.write(encodeHeader(packet));
                    const drained = packet.payload.length === 0 || socket.write(packet.payload);
                    if (!drained) {
                        await new Promise<void>((resolve) => {
                            // Each wait takes its listeners away again: a long push waits thousands of times.
                            const done = (): void => {
                                socket.off('drain', done);
                                socket.off('close', done);
                                resolve();
                            };
                            socket.on('drain', done);
                            socket.on('close', done);
                        });
                    }
                },
                close() {
                    socket.end();
                },
                abort() {
                    socket.destroy();
                },
            });
            resolve({ readable, writable, socket, close: () => socket.destroy() });
        });
        socket.once('error', reject);
    });
}
