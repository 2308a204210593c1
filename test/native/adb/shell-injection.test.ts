/**
 * Nothing a person or a phone names reaches the phone's (root) shell unchecked (issue 13, L3):
 * backup names and letters are checked, job ids too, and every word is quoted by one function.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useVirtualAdb } from '../../support/virtual-adb.js';
import { pushFilesJob, type PhoneConnector } from '../../../electron/jobs/panels/push.js';
import type { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { shellCommand, shellQuote } from '../../../native/adb/shell-words.js';
import { Twrp } from '../../../native/adb/twrp.js';
import { Journal } from '../../../native/jobs/journal.js';
import { parsePackageList } from '../../../native/panels/firewall.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';

const fx = useVirtualAdb('shell-injection');
const keyStore = (): AdbKeyStore => fx.keyStore();
const virtual = (mode: 'android' | 'recovery'): Promise<VirtualPhone> => fx.phone(mode);

async function twrpOn(p: VirtualPhone): Promise<Twrp> {
    return new Twrp(await fx.adb(p, { follow: true }));
}

const sdcard = (p: VirtualPhone, path: string): string => join(p.stateDir, 'fs/data/media/0', path);

describe('the phone shell', () => {
    it('twrp restore refuses a backup name that holds a command (the phone stays in recovery)', async () => {
        const p = await virtual('recovery');
        const twrp = await twrpOn(p);
        await expect(twrp.restore('nosuchbackup; reboot download')).rejects.toMatchObject({ code: 'bad-name' });
        await expect(twrp.restore('x', 'B; mkdir /sdcard/INJ3')).rejects.toMatchObject({ code: 'twrp-bad-letters' });
        expect(p.mode).toBe('recovery');
        expect(existsSync(sdcard(p, 'INJ3'))).toBe(false);
    });

    it('a resumed job id cannot name a path outside the journals', async () => {
        const home = join(fx.dir, 'home');
        await writeFile(join(fx.dir, 'elsewhere.jsonl'), `${JSON.stringify({ t: 'job', at: '', jobId: 'x', kind: 'upgrade', params: {} })}\n`);
        expect(() => Journal.resume('../../elsewhere', home)).toThrow(expect.objectContaining({ code: 'bad-name' }));
        expect(() => Journal.peek('../../elsewhere', home)).toThrow(expect.objectContaining({ code: 'bad-name' }));
    });

    it('a pushed file\'s folder is quoted by the one quoting function', async () => {
        const p = await virtual('android');
        const local = join(fx.dir, 'note.txt');
        await writeFile(local, 'hello');
        const connect: PhoneConnector = (signal) => {
            const usbDevice = p.usbDevice;
            if (!usbDevice) throw new Error('virtual phone not on the bus');
            return connectAdb({ usbDevice }, { keyStore: keyStore(), signal });
        };
        const remote = "/sdcard/it's; mkdir /sdcard/INJ4; echo '/note.txt";
        await pushFilesJob(connect, [{ local, remote }], { home: join(fx.dir, 'home') }).catch(() => undefined);
        expect(existsSync(sdcard(p, 'INJ4'))).toBe(false);
    });

    it('takes only Android package names from the phone\'s own package list', () => {
        expect(parsePackageList('package:a;reboot uid:1\npackage:org.x uid:2\npackage:$(reboot) uid:3\n')).toEqual([{ packageName: 'org.x', uid: 2 }]);
    });

    it('quotes every word so the shell sees it unchanged', () => {
        expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
        expect(shellCommand('twrp', 'restore', 'x; reboot')).toBe(`'twrp' 'restore' 'x; reboot'`);
    });
});
