import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { openDeviceSession } from '../../../electron/phone-finding/device-session.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { scriptedPerson } from '../../../electron/jobs/scripted-person.js';
import { BACKUP_LOCK, phoneState, upgradeBench } from './helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-upgrade-usbip-', romBytes: 256 * 1024 });

describe('the upgrade over USB/IP', () => {
    it('follows the phone across every re-enumeration and finishes', async () => {
        const stateDir = join(bench.dir, 'phone');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 30, onLog: (l) => { if (process.env['REVIVE_TEST_DEBUG']) console.log('phone: ' + l); } });
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        const session = await openDeviceSession({ kind: 'usbip', host: '127.0.0.1', port: server.port });
        try {
            expect(session.recipe.id).toBe('ks01ltexx');
            expect(session.virtualPhone).toBeUndefined();
            const report = await runUpgrade(
                { device: { kind: 'usbip', host: '127.0.0.1', port: server.port }, files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, backupTo: join(bench.dir, 'backup'), backupKeys: BACKUP_LOCK, home: bench.home },
                // The person holds the phone on the far side of the USB/IP link.
                { recipe: session.recipe, locator: session.locator, links: session.links, ui: scriptedPerson(phone), emit: (e) => { if (process.env['REVIVE_TEST_DEBUG'] && e.type !== 'progress') console.log(JSON.stringify(e).slice(0, 200)); }, signal: new AbortController().signal, waitTimeoutMs: 15_000 },
            );
            expect(report.after.androidVersion).toBe('8.1.0');
            const state = phoneState(stateDir);
            expect(state.mode).toBe('android');
            expect(state.installed.map((p) => p.fileName)).toHaveLength(3);
        } finally {
            await session.close();
            await server.close();
            await phone.close();
        }
    });
});
