/** A TCP port on 127.0.0.1 that was free a moment ago, for a real tool's own server (e.g. `adb -P`). */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}
