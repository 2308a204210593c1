/**
 * A TCP endpoint that takes the connection and drops it (a recovery without adb behind a port
 * forward, a phone restarting): connecting fails with a coded error, and nothing is left to reject
 * unheard — an unheard rejection ends the whole process in Node.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { ReviveError } from '../../../native/jobs/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'revive-adb-tcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function listening(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
    const server = createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as { port: number }).port };
}

describe('an adb TCP endpoint that drops the connection', () => {
    const drops: Record<string, (socket: Socket) => void> = {
        'resets it at once': (socket) => socket.destroy(),
        'ends it at once': (socket) => socket.end(),
        'resets it after the first packet': (socket) => socket.once('data', () => socket.resetAndDestroy()),
    };
    for (const [how, drop] of Object.entries(drops)) {
        it(`${how}: a coded refusal every time, no unheard rejection`, async () => {
            const { server, port } = await listening(drop);
            try {
                for (let round = 0; round < 8; round++) {
                    const keyStore = new AdbKeyStore({ appDir: join(dir, 'keys'), userAdbDir: null });
                    const error = await connectAdb({ host: '127.0.0.1', port }, { keyStore }).then(
                        () => undefined,
                        (e: unknown) => e,
                    );
                    expect(error).toBeInstanceOf(ReviveError);
                    expect((error as ReviveError).code).toBe('adb-disconnected');
                }
                // Anything rejected unheard is reported by now, and fails this file.
                await new Promise((resolve) => setTimeout(resolve, 100));
            } finally {
                server.close();
            }
        });
    }
});
