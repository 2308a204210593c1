/**
 * Two identical Galaxy S4s on two ports of one USB/IP server, both with the same serial in Android
 * and none in download mode: each is followed by its port, keeps its identity there, and each job
 * writes only to its own phone.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { DeviceWatcher } from '../../../native/usb/watcher.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { virtualImei } from '../../../native/virtual/adbd-shell.js';
import { parseDeviceRef } from '../../../native/devices/ref.js';
import { openOnWatcher } from '../../../electron/phone-finding/device-session.js';
import { isImei, readPhoneIdentity } from '../../../electron/phone-finding/phone-identity.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { runCounter } from '../../../electron/jobs/counter.js';
import { initShop } from '../../../electron/shop/shop.js';
import type { Receipt } from '../../../electron/shop/receipt.js';
import { scriptedPerson } from '../../../electron/jobs/scripted-person.js';
import { BACKUP_LOCK, phoneState, upgradeBench } from './helpers.js';

const SAME_SERIAL = '0123456789ABCDEF';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-by-port-', romBytes: 256 * 1024 });

async function twoPhones(mode: 'android' | 'download', name: string = mode): Promise<{ phones: VirtualPhone[]; server: UsbIpServer; watcher: DeviceWatcher; close: () => Promise<void> }> {
    const phones = [
        await VirtualPhone.create({ codename: 'ks01ltexx', mode, serial: SAME_SERIAL, stateDir: join(bench.dir, `${name}-a`), enumerationDelayMs: 30 }),
        await VirtualPhone.create({ codename: 'ks01ltexx', mode, serial: SAME_SERIAL, stateDir: join(bench.dir, `${name}-b`), enumerationDelayMs: 30 }),
    ];
    const server = await UsbIpServer.start({ port: 0 });
    server.export(phones[0]!, '1-1');
    server.export(phones[1]!, '1-2');
    const watcher = new DeviceWatcher({ pollMs: 100 });
    await watcher.addUsbIpSource(server.address);
    return {
        phones,
        server,
        watcher,
        close: async () => {
            watcher.close();
            await server.close();
            for (const phone of phones) await phone.close();
        },
    };
}

describe('phones followed by their port', () => {
    it('reports each port path and keeps the identity read in Android attached through download mode', async () => {
        const { phones, server, watcher, close } = await twoPhones('android');
        try {
            const ports = watcher.list().map((d) => d.port).sort();
            expect(ports).toEqual([`usbip:${server.address}/1-1`, `usbip:${server.address}/1-2`]);
            const session = await openOnWatcher(watcher, parseDeviceRef(`usbip:${server.address}/1-2`) as { kind: 'usbip'; host: string; port: number; busid: string });
            try {
                const found = await session.locator.waitFor(['android'], { signal: AbortSignal.timeout(10_000) });
                expect(found.port).toBe(`usbip:${server.address}/1-2`);
                const adb = await session.links.adb(found, {});
                const identity = await readPhoneIdentity(adb);
                await adb.close();
                expect(identity).toMatchObject({ model: 'GT-I9506', codename: 'ks01ltexx', serial: SAME_SERIAL, androidVersion: phones[1]!.state.androidVersion });
                expect(identity.imei).toBe(virtualImei(SAME_SERIAL));
                expect(isImei(identity.imei ?? '')).toBe(true);
                watcher.identities.remember(found.port!, identity);
            } finally {
                await session.close();
            }
            phones[1]!.pressKeys('download');
            const inDownload = await watcher.waitFor((d) => d.port === `usbip:${server.address}/1-2` && d.state === 'download', { timeoutMs: 10_000 });
            expect(inDownload.serial).toBeUndefined();
            expect(watcher.identityOf(inDownload)).toMatchObject({ serial: SAME_SERIAL, model: 'GT-I9506' });
            const neighbour = watcher.list().find((d) => d.port === `usbip:${server.address}/1-1`);
            expect(neighbour && watcher.identityOf(neighbour)).toBeUndefined();
        } finally {
            await close();
        }
    });

    it('upgrades two identical S4s in download mode without a serial at once, each job writing only to its own phone', async () => {
        const { phones, server, watcher, close } = await twoPhones('download');
        try {
            expect(watcher.list().every((d) => d.serial === undefined && d.state === 'download')).toBe(true);
            const jobs = phones.map(async (phone, i) => {
                const ref = parseDeviceRef(`usbip:${server.address}/1-${i + 1}`) as { kind: 'usbip'; host: string; port: number; busid: string };
                const session = await openOnWatcher(watcher, ref, { recipeHint: 'ks01ltexx' });
                try {
                    return await runUpgrade(
                        { device: ref, files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, backupTo: join(bench.dir, `backup-${i}`), backupKeys: BACKUP_LOCK, home: bench.home },
                        { recipe: session.recipe, locator: session.locator, links: session.links, ui: scriptedPerson(phone), emit: () => undefined, signal: new AbortController().signal, waitTimeoutMs: 30_000 },
                    );
                } finally {
                    await session.close();
                }
            });
            const reports = await Promise.all(jobs);
            expect(reports.map((r) => r.after.androidVersion)).toEqual(['8.1.0', '8.1.0']);
            const [a, b] = [phoneState(join(bench.dir, 'download-a')), phoneState(join(bench.dir, 'download-b'))];
            for (const state of [a, b]) {
                expect(state.installed.map((p) => p.sha256)).toEqual([bench.demo.rom, bench.demo.gapps, bench.demo.su].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')));
                expect(state.mode).toBe('android');
            }
            // Each TWRP flash landed once, on its own phone: the write counters are the same for both.
            expect(a.writeCounts['RECOVERY']).toBeGreaterThan(0);
            expect(a.writeCounts).toEqual(b.writeCounts);
        } finally {
            await close();
        }
    });

    it('runs the counter on two identical S4s in download mode without a serial: each lane writes only to the phone on its port', async () => {
        const { phones, server, watcher, close } = await twoPhones('download', 'counter');
        const shop = await initShop(join(bench.dir, 'shop'), 'By Port');
        // The counter imports the phones with a watcher of its own; a USB/IP port is imported by one client at a time.
        watcher.close();
        try {
            const before = phones.map((phone) => ({ ...phoneState(phone.stateDir).writeCounts }));
            expect(before.map((counts) => counts['RECOVERY'] ?? 0)).toEqual([0, 0]);
            const devices = [`usbip:${server.address}/1-1`, `usbip:${server.address}/1-2`];
            // Each lane's person holds the keys on the phone of that lane only.
            const lanes = await runCounter(
                devices.map((words, i) => ({ device: parseDeviceRef(words), ticket: `P-${i + 1}` })),
                {
                    files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su },
                    noBackup: true,
                    home: bench.home,
                    shop,
                    signal: new AbortController().signal,
                    waitTimeoutMs: 30_000,
                    uiFor: (lane) => {
                        const person = scriptedPerson(phones[lane.index]!);
                        return { instruct: (instruction) => person.instruct(instruction), confirm: async () => true };
                    },
                },
            );
            expect(lanes.map((l) => l.status), JSON.stringify(lanes.map((l) => l.error))).toEqual(['done', 'done']);
            expect(lanes.map((l) => l.port)).toEqual(devices);
            const after = phones.map((phone) => phoneState(phone.stateDir));
            for (const state of after) expect(state.installed.map((p) => p.sha256)).toEqual([bench.demo.rom, bench.demo.gapps, bench.demo.su].map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')));
            // Each phone's recovery was written by exactly one job: both phones' write counters moved alike.
            expect(after[0]!.writeCounts['RECOVERY']).toBeGreaterThan(0);
            expect(after[0]!.writeCounts).toEqual(after[1]!.writeCounts);
            for (const [i, lane] of lanes.entries()) {
                const receipt = (JSON.parse(readFileSync(lane.receipt!.shopJson, 'utf8')) as { document: Receipt }).document;
                expect(receipt).toMatchObject({ ticket: `P-${i + 1}`, phone: { port: devices[i], codename: 'ks01ltexx' }, result: { outcome: 'done', phoneChanged: 'changed' } });
            }
        } finally {
            await close();
        }
    }, 300_000);
});
