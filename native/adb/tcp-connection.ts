/**
 * An AdbDaemonConnection over node:net: adbd's TCP transport (port 5555 on real phones, the virtual
 * phone's adb endpoint). yume-chan ships no daemon-TCP transport for Node; this is only the framing
 * (24-byte header + payload on a byte stream), everything above is @yume-chan/adb's.
 */
import { connect, type Socket } from 'node:net';
import type { AdbDaemonConnection, AdbPacketData, AdbPacketInit } from '@yume-chan/adb';
import { Consumable, ReadableStream } from '@yume-chan/stream-extra';
import { UsbError } from '../usb/transport.js';

const HIGH_WATER = 8 * 1024 * 1024;
/** adb's largest payload (MAX_PAYLOAD since Android 9); a bigger length field is a damaged packet. */
export const MAX_ADB_PAYLOAD = 1024 * 1024;

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

class PacketParser {
    readonly #chunks: Buffer[] = [];
    #length = 0;

    get buffered(): number {
        return this.#length;
    }

    push(chunk: Buffer): void {
        this.#chunks.push(chunk);
        this.#length += chunk.length;
    }

    #peek(length: number): Buffer {
        if ((this.#chunks[0]?.length ?? 0) < length) {
            const joined = Buffer.concat(this.#chunks);
            this.#chunks.splice(0, this.#chunks.length, joined);
        }
        return (this.#chunks[0] ?? Buffer.alloc(0)).subarray(0, length);
    }

    #consume(length: number): Buffer {
        const out = Buffer.from(this.#peek(length));
        const head = this.#chunks[0];
        if (head && head.length === length) this.#chunks.shift();
        else if (head) this.#chunks[0] = head.subarray(length);
        this.#length -= length;
        return out;
    }

    next(): AdbPacketData | undefined {
        if (this.#length < 24) return undefined;
        const header = this.#peek(24);
        const payloadLength = header.readUInt32LE(12);
        const command = header.readUInt32LE(0);
        // Checked before waiting for the payload: a damaged header must not make us buffer gigabytes.
        if (header.readUInt32LE(20) !== (command ^ 0xffffffff) >>> 0) throw new AdbFrameError('a packet header was damaged (its magic does not match its command)');
        if (payloadLength > MAX_ADB_PAYLOAD) throw new AdbFrameError(`a packet claimed ${payloadLength} bytes, more than adb's ${MAX_ADB_PAYLOAD}`);
        if (this.#length < 24 + payloadLength) return undefined;
        const arg0 = header.readUInt32LE(4);
        const arg1 = header.readUInt32LE(8);
        this.#consume(24);
        const payload = payloadLength > 0 ? new Uint8Array(this.#consume(payloadLength)) : new Uint8Array(0);
        return { command, arg0, arg1, payload };
    }
}

export interface AdbTcpConnection extends AdbDaemonConnection {
    readonly socket: Socket;
    close(): void;
}

/** Open a TCP connection to an adbd; rejects with UsbError('disconnected') when nobody answers. */
export function openAdbTcpConnection(host: string, port: number, signal?: AbortSignal): Promise<AdbTcpConnection> {
    return new Promise((resolve, reject) => {
        const socket = connect({ host, port, signal });
        socket.setNoDelay(true);
        const parser = new PacketParser();
        let wake: (() => void) | undefined;
        let ended = false;
        let failure: Error | undefined;
        socket.on('data', (chunk: Buffer) => {
            parser.push(chunk);
            if (parser.buffered > HIGH_WATER) socket.pause();
            wake?.();
        });
        socket.on('end', () => {
            ended = true;
            wake?.();
        });
        socket.on('close', () => {
            ended = true;
            wake?.();
        });
        socket.once('error', (error) => {
            failure = error;
            ended = true;
            wake?.();
        });
        socket.once('connect', () => {
            socket.off('error', reject);
            const readable = new ReadableStream<AdbPacketData>(
                {
                    async pull(controller) {
                        for (;;) {
                            let packet: AdbPacketData | undefined;
                            try {
                                packet = parser.next();
                            } catch (error) {
                                socket.destroy();
                                throw error;
                            }
                            if (packet) {
                                if (parser.buffered < HIGH_WATER / 2) socket.resume();
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
                        await new Promise<void>((r) => {
                            socket.once('drain', r);
                            socket.once('close', r);
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
