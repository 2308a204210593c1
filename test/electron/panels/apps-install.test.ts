/** A modified APK is refused before adb is used: the phone's TCP port never sees a connection. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adbConnector, installAppsJob } from '../../../electron/jobs/panels/push.js';

let dir: string;
let server: Server;
let connections = 0;

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-apps-'));
    server = createServer((socket) => {
        connections++;
        socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
});

describe('apps install', () => {
    it('refuses a modified APK without connecting to the phone', async () => {
        const original = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2048, 1)]);
        const modified = Buffer.from(original);
        modified[1000] = 9;
        writeFileSync(join(dir, 'focus.apk'), modified);
        const port = (server.address() as { port: number }).port;
        const events: string[] = [];
        await expect(
            installAppsJob(adbConnector({ host: '127.0.0.1', port }), [{ path: join(dir, 'focus.apk'), sha256: createHash('sha256').update(original).digest('hex') }], {
                home: join(dir, 'home'),
                onEvent: (e) => void events.push(e.type === 'step' ? `${e.step}:${e.status}` : e.type),
            }),
        ).rejects.toThrow(/Nothing was installed: focus.apk does not match its checksum/);
        expect(connections).toBe(0);
        expect(events).toContain('verify:failed');
        expect(events).not.toContain('connect:started');
    });
});
