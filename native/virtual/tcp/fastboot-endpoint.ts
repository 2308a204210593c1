/**
 * fastboot over TCP for the virtual phone (what `fastboot -s tcp:HOST:PORT` talks to): each
 * connection does the FB01 handshake, then every frame is one transfer to a fresh protocol
 * connection of the phone. Refused while the phone is not in its bootloader; a reboot drops it.
 */
import type { Socket } from 'node:net';
import type { PhoneMode } from '../../manifests/schema.js';
import { encodeFrameHeader, FrameDecoder, HANDSHAKE, parseHandshake } from '../../tcp/fastboot-frames.js';
import { DEVICE_BACKLOG_LIMIT, type HostPipeEnd } from '../pipe.js';
import { listenOnLoopback } from './loopback-server.js';

/** What the endpoint needs of a phone (VirtualPhone has it). */
export interface FastbootEndpointPhone {
    readonly mode: PhoneMode | 'off';
    openProtocolConnection(): HostPipeEnd | undefined;
}

export interface FastbootTcpEndpoint {
    readonly port: number;
    close(): Promise<void>;
}

/** Frames up to this size are one transfer; larger ones (download data) stream through in slices. */
const WHOLE_FRAME_LIMIT = 1024 * 1024;

function bridge(socket: Socket, phone: FastbootEndpointPhone): void {
    socket.setNoDelay(true);
    let host: HostPipeEnd | undefined;
    let handshake = Buffer.alloc(0);
    const decoder = new FrameDecoder(WHOLE_FRAME_LIMIT);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => host?.close('The computer closed the fastboot connection.'));
    socket.on('data', (chunk: Buffer) => {
        let data: Uint8Array = chunk;
        if (!host) {
            handshake = Buffer.concat([handshake, chunk]);
            if (handshake.length < 4) return;
            const version = parseHandshake(handshake.subarray(0, 4));
            const connection = version !== undefined && version >= 1 && phone.mode === 'bootloader' ? phone.openProtocolConnection() : undefined;
            if (!connection) {
                socket.destroy();
                return;
            }
            host = connection;
            socket.write(HANDSHAKE);
            pump(socket, connection);
            data = handshake.subarray(4);
        }
        try {
            for (const segment of decoder.push(data)) host.deliver(segment.data);
        } catch {
            socket.destroy();
            return;
        }
        if (host.backlog > DEVICE_BACKLOG_LIMIT) {
            socket.pause();
            void host.backlogAtMost(DEVICE_BACKLOG_LIMIT).then(() => socket.resume());
        }
    });
}

/** Device → host: every transfer the phone sends becomes one frame. */
function pump(socket: Socket, host: HostPipeEnd): void {
    void (async () => {
        try {
            for (;;) {
                const data = await host.take(WHOLE_FRAME_LIMIT);
                if (socket.destroyed) return;
                socket.write(encodeFrameHeader(data.length));
                if (!socket.write(data)) {
                    await new Promise<void>((resolve) => {
                        socket.once('drain', resolve);
                        socket.once('close', resolve);
                    });
                }
            }
        } catch {
            // The phone went away (reboot, unplug): hang up, as a rebooting phone's network does.
            socket.end();
            setTimeout(() => socket.destroy(), 100).unref();
        }
    })();
}

export function startFastbootTcpEndpoint(phone: FastbootEndpointPhone, port: number): Promise<FastbootTcpEndpoint> {
    return listenOnLoopback(port, (socket) => bridge(socket, phone));
}
