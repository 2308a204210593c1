/** A TCP server on 127.0.0.1 whose close() also hangs up every open connection (a phone leaving the network). */
import { createServer, type Socket } from 'node:net';

export interface LoopbackServer {
    readonly port: number;
    close(): Promise<void>;
}

/** Listen on 127.0.0.1:port (0 picks a free one) and hand each connection to onSocket. */
export function listenOnLoopback(port: number, onSocket: (socket: Socket) => void): Promise<LoopbackServer> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        onSocket(socket);
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
            server.off('error', reject);
            const address = server.address();
            const bound = typeof address === 'object' && address ? address.port : port;
            resolve({
                port: bound,
                close: () =>
                    new Promise<void>((done) => {
                        for (const socket of sockets) socket.destroy();
                        server.close(() => done());
                    }),
            });
        });
    });
}
