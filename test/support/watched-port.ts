/**
 * A loopback port that counts and hangs up on every connection: named as the phone's adb address, it
 * shows that a refusal came before any traffic to the phone.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

export interface WatchedPort {
    readonly port: number;
    /** Connections made to it so far. */
    readonly connections: number;
}

/** Opened before the file's tests, closed after them. */
export function watchedPort(): WatchedPort {
    let connections = 0;
    let port = 0;
    const server = createServer((socket) => {
        connections++;
        socket.destroy();
    });
    beforeAll(async () => {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return {
        get port() {
            return port;
        },
        get connections() {
            return connections;
        },
    };
}
