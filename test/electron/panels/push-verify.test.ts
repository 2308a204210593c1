/**
 * A panel push is checked on the phone's copy (its own sha256sum), not on the bytes we sent: a
 * file damaged on its way is reported, never claimed ok; a phone without sha256sum is said so.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pushFilesJob, type PhoneConnector } from '../../../electron/jobs/panels/push.js';
import type { PanelJobEvent as PanelEvent } from '../../../electron/jobs/panels/job.js';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { corruptingAdbd } from '../../native/adb/corrupting-adbd.js';

let dir: string;
let phone: VirtualPhone | undefined;

beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-push-verify-'));
});
afterEach(async () => {
    await phone?.close();
    phone = undefined;
    await rm(dir, { recursive: true, force: true });
});

async function virtualPhone(android?: ModeProtocol): Promise<PhoneConnector> {
    const p = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 20, ...(android ? { protocols: { android } } : {}) });
    phone = p;
    return (signal) => {
        const usbDevice = p.usbDevice;
        if (!usbDevice) throw new Error('virtual phone not on the bus');
        return connectAdb({ usbDevice }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }), signal });
    };
}

const stored = (name: string): Promise<Buffer> => readFile(join(dir, 'phone', 'fs', 'data', 'media', '0', 'Download', name));

describe('pushes verified on the phone', () => {
    it('reports the file checked on the phone\'s copy', async () => {
        const connect = await virtualPhone();
        const local = join(dir, 'wg-home.conf');
        await writeFile(local, '[Interface]\nAddress = 10.8.0.2/32\n');
        const events: PanelEvent[] = [];
        const { pushed } = await pushFilesJob(connect, [{ local, remote: '/sdcard/Download/wg-home.conf' }], { home: join(dir, 'home'), onEvent: (e) => events.push(e) });
        expect(pushed).toHaveLength(1);
        expect((await stored('wg-home.conf')).equals(await readFile(local))).toBe(true);
        expect(JSON.stringify(events)).toContain("checked on the phone's copy");
    });

    it('refuses when the phone stored something else than what was sent', async () => {
        const marker = 'REVIVE-PUSH-MARKER';
        const cable = corruptingAdbd(marker, 'to-phone');
        const connect = await virtualPhone(cable.protocol);
        const local = join(dir, 'wg-home.conf');
        await writeFile(local, `[Interface]\n# ${marker}\nAddress = 10.8.0.2/32\n`);
        const job = pushFilesJob(connect, [{ local, remote: '/sdcard/Download/wg-home.conf' }], { home: join(dir, 'home') });
        await expect(job).rejects.toBeInstanceOf(ReviveError);
        const error = (await job.catch((e: unknown) => e)) as ReviveError;
        expect(error.code).toBe('push-mismatch');
        expect(error.message).toMatch(/The phone's copy of wg-home\.conf \(\/sdcard\/Download\/wg-home\.conf\) does not match what was sent/);
        expect(cable.hits).toBeGreaterThan(0);
        // The phone really holds damaged bytes: the check was about its copy, not about ours.
        expect((await stored('wg-home.conf')).equals(await readFile(local))).toBe(false);
    });

    it('says so when the phone has no sha256sum, and falls back to the bytes sent', async () => {
        // The phone gets `sha256sum` with a flipped letter, as an old phone without the tool would answer: "not found".
        const connect = await virtualPhone(corruptingAdbd('sha256sum', 'to-phone').protocol);
        const local = join(dir, 'wg-home.conf');
        await writeFile(local, '[Interface]\n');
        const events: PanelEvent[] = [];
        const { pushed } = await pushFilesJob(connect, [{ local, remote: '/sdcard/Download/wg-home.conf' }], { home: join(dir, 'home'), onEvent: (e) => events.push(e) });
        expect(pushed).toHaveLength(1);
        const text = JSON.stringify(events);
        expect(text).toContain('The phone cannot compute SHA-256 (no sha256sum)');
        expect(text).toContain('checked as sent');
    });
});
