/**
 * adb over TCP for the virtual phone (what `adb tcpip 5555` gives on a real one): each TCP
 * connection is bridged to a fresh protocol connection of the phone's current mode. Connections
 * are refused while the phone is in a mode without adbd (download, bootloader) or off; a mode
 * change drops them, as a rebooting phone drops its network, and real adb reconnects.
 */
import type { Socket } from 'node:net';
import type { VirtualPhone } from '../phone.js';
import { isAdbMode } from '../adbd.js';
import { listenOnLoopback } from './loopback-server.js';

export interface AdbTcpEndpoint {
    readonly port: number;
    close(): Promise<void>;
}

function bridge(socket: Socket, phone: VirtualPhone): void {
    const mode = phone.mode;
    const host = mode !== 'off' && isAdbMode(mode) ? phone.openProtocolConnection() : undefined;
    if (!host) {
        socket.destroy();
        return;
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
        try {
            // Node reads each chunk into a buffer of its own: the phone may keep it, no copy needed.
            host.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        } catch {
            socket.destroy();
        }
    });
    socket.on('close', () => host.close('The computer closed the adb connection.'));
    socket.on('error', () => socket.destroy());
    void (async () => {
        try {
            for (;;) {
                const data = await host.take(1024 * 1024 + 24);
                if (socket.destroyed) return;
                if (!socket.write(data)) {
                    await new Promise<void>((resolve) => {
                        socket.once('drain', resolve);
                        socket.once('close', resolve);
                    });
                }
            }
        } catch {
            // The phone closed the connection (reboot, unplug): hang up like a rebooting phone.
            socket.destroy();
        }
    })();
}

export function startAdbTcpEndpoint(phone: VirtualPhone, port: number): Promise<AdbTcpEndpoint> {
    return listenOnLoopback(port, (socket) => bridge(socket, phone));
}
