/** A modified APK is refused before adb is used: the phone's TCP port never sees a connection. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adbConnector, installAppsJob } from '../../../electron/jobs/panels/push.js';
import { tempHome } from '../../support/temp-home.js';
import { watchedPort } from '../../support/watched-port.js';

const temp = tempHome('revive-apps-');
const phonePort = watchedPort();

describe('apps install', () => {
    it('refuses a modified APK without connecting to the phone', async () => {
        const original = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2048, 1)]);
        const modified = Buffer.from(original);
        modified[1000] = 9;
        writeFileSync(join(temp.dir, 'focus.apk'), modified);
        const port = phonePort.port;
        const events: string[] = [];
        await expect(
            installAppsJob(adbConnector({ host: '127.0.0.1', port }), [{ path: join(temp.dir, 'focus.apk'), sha256: createHash('sha256').update(original).digest('hex') }], {
                home: temp.home,
                onEvent: (e) => void events.push(e.type === 'step' ? `${e.step}:${e.status}` : e.type),
            }),
        ).rejects.toThrow(/Nothing was installed: focus.apk does not match its checksum/);
        expect(phonePort.connections).toBe(0);
        expect(events).toContain('verify:failed');
        expect(events).not.toContain('connect:started');
    });
});
