/**
 * A USB/IP server double that never closes a connection first, as Linux's usbipd keeps an import
 * until the client detaches: it relays to our virtual phone's server and, when that side ends,
 * leaves the client's connection open. It counts the connections clients still hold.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface StickyUsbIpServer {
    readonly address: string;
    /** Connections the clients have not closed yet. */
    readonly open: number;
    /** Resolves when every client connection is closed; rejects after `timeoutMs`. */
    allClosed(timeoutMs: number): Promise<void>;
    close(): Promise<void>;
}

export async function startStickyUsbIpServer(upstream: { host: string; port: number }): Promise<StickyUsbIpServer> {
    const clients = new Set<Socket>();
    const waiters = new Set<() => void>();
    const server: Server = createServer((client) => {
        clients.add(client);
        const relay = connect(upstream);
        client.pipe(relay, { end: false });
        relay.pipe(client, { end: false });
        relay.on('error', () => undefined);
        client.on('error', () => undefined);
        client.on('close', () => {
            clients.delete(client);
            relay.destroy();
            if (clients.size === 0) for (const wake of waiters) wake();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return {
        address: `127.0.0.1:${port}`,
        get open() {
            return clients.size;
        },
        allClosed(timeoutMs) {
            if (clients.size === 0) return Promise.resolve();
            return new Promise((resolve, reject) => {
                const timer = setTimeout(() => {
                    waiters.delete(wake);
                    reject(new Error(`${clients.size} USB/IP connection(s) still open after ${timeoutMs} ms`));
                }, timeoutMs);
                const wake = (): void => {
                    clearTimeout(timer);
                    waiters.delete(wake);
                    resolve();
                };
                waiters.add(wake);
            });
        },
        async close() {
            for (const client of clients) client.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
