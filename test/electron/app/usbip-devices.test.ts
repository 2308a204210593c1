/**
 * The desktop backend with a USB/IP source: a virtual Galaxy S4 exported by our USB/IP server is
 * listed, followed across restarts, upgraded end to end and reached by a panel push, all through
 * the backend's API as Electron main and the bridge call it. Asserted from the phone's own state.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '../../../common/job-id.js';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { Device, DeviceSnapshot, EventName, EventPayload } from '../../../electron/api/contract.js';
import { main } from '../../../electron/cli.js';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { callOk, createDemoVpn, sha256Of, verifyDemoFiles } from '../../support/backend-calls.js';

let dir: string;
let home: string;
let demo: DemoPackages;
let phone: VirtualPhone;
let server: UsbIpServer;
let backend: Backend;
const events: Array<{ event: EventName; payload: unknown }> = [];
const notices: string[] = [];

/** Resolves with the first event of this kind (from now on) that satisfies `test`. */
function nextEvent<K extends EventName>(event: K, test: (payload: EventPayload<K>) => boolean, timeoutMs = 15_000): Promise<EventPayload<K>> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            stop();
            reject(new Error(`no ${event} event as expected within ${timeoutMs} ms; last: ${JSON.stringify(events.filter((e) => e.event === event).at(-1)?.payload)}`));
        }, timeoutMs);
        const stop = backend.subscribe((name: EventName, payload: unknown) => {
            if (name !== event || !test(payload as EventPayload<K>)) return;
            clearTimeout(timer);
            stop();
            resolve(payload as EventPayload<K>);
        });
    });
}

const onUsbIp = (snapshot: DeviceSnapshot): Device | undefined => snapshot.devices.find((d) => d.id.startsWith('usbip:'));

const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-app-usbip-'));
    home = join(dir, 'home');
    // The probe, the list, the job and the panels all use the app's adb key from here.
    process.env['REVIVE_HOME'] = home;
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 256 * 1024 });
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'phone'), owner: 'accept', enumerationDelayMs: 30 });
    // The owner allowed this computer once before (USB debugging, "always allow"), as a person would have.
    const allowed = await connectAdb({ usbDevice: await phone.waitForDevice({ timeoutMs: 5000 }) }, { keyStore: new AdbKeyStore() });
    await allowed.close();
    server = await UsbIpServer.start({ port: 0 });
    server.export(phone, '1-1');
    backend = createBackend({ home, usbipSources: [`127.0.0.1:${server.port}`], localUsb: false, usbipPollMs: 100, waitTimeoutMs: 15_000, onNotice: (m) => notices.push(m) });
    backend.subscribe((event, payload) => {
        events.push({ event, payload });
        if (process.env['REVIVE_TEST_DEBUG'] && event !== 'jobProgress' && event !== 'verifyProgress') console.log(event, JSON.stringify(payload).slice(0, 300));
    });
});

afterAll(async () => {
    await backend?.close();
    await server?.close();
    await phone?.close();
    await rm(dir, { recursive: true, force: true });
});

describe('the app with a USB/IP source', () => {
    it('lists the exported phone with its name, mode, state and battery', async () => {
        const snapshot = await call<DeviceSnapshot>('listDevices', {});
        expect(snapshot.devices).toHaveLength(1);
        // The list asks a phone that trusts us its codename: Samsungs share one USB identity in Android.
        await expect.poll(async () => onUsbIp(await call<DeviceSnapshot>('listDevices', {})), { timeout: 10_000 }).toMatchObject({
            id: `usbip:127.0.0.1:${server.port}/1-1`,
            name: 'Samsung Galaxy S4 LTE-A',
            recipeId: 'ks01ltexx',
            mode: 'android',
            state: 'ready',
            batteryPercent: phone.state.batteryPercent,
            virtual: false,
        });
        expect(snapshot.virtualPhone).toBeNull();
    });

    it('follows a restart into download mode and back through devicesChanged', async () => {
        const gone = nextEvent('devicesChanged', (s) => onUsbIp(s) === undefined);
        const inDownload = nextEvent('devicesChanged', (s) => onUsbIp(s)?.mode === 'download');
        phone.pressKeys('download');
        await gone;
        expect(onUsbIp(await inDownload)).toMatchObject({ name: 'Samsung Galaxy S4 LTE-A', recipeId: 'ks01ltexx', mode: 'download', state: 'ready' });
        const back = nextEvent('devicesChanged', (s) => onUsbIp(s)?.mode === 'android' && onUsbIp(s)?.recipeId === 'ks01ltexx');
        phone.pressKeys('android');
        expect(onUsbIp(await back)).toMatchObject({ id: `usbip:127.0.0.1:${server.port}/1-1`, state: 'ready' });
    });

    it('upgrades it end to end: the phone itself has ROM, Gapps and su, in that order', async () => {
        const device = onUsbIp(await call<DeviceSnapshot>('listDevices', {}));
        if (!device) throw new Error('the USB/IP phone is not listed');
        const { files, ok } = await verifyDemoFiles(backend, demo, 'ks01ltexx', 'v');
        for (const verified of ok) expect(verified).toBe(true);
        const answers: unknown[] = [];
        // The person holding the phone on the far side of the USB/IP link: keys when asked, yes to every question.
        const stop = backend.subscribe((event, payload) => {
            if (event === 'jobInstruction') {
                const instruction = payload as EventPayload<'jobInstruction'>;
                expect(instruction.virtualPhone).toBe(false);
                const mode = instruction.waitingFor;
                if (mode && mode !== 'unknown' && instruction.buttons.length > 0) setTimeout(() => phone.mode !== mode && phone.pressKeys(mode), 50);
            }
            if (event === 'jobConfirm') {
                const question = payload as EventPayload<'jobConfirm'>;
                // A person reads the question first (and the job is listening by then).
                setTimeout(() => void backend.call('answerConfirm', { jobId: question.jobId, requestId: question.id, yes: true }).then((r) => answers.push(r)), 20);
            }
        });
        try {
            const ended = new Promise<{ event: EventName; payload: unknown }>((resolve) => {
                const off = backend.subscribe((event, payload) => {
                    if (event !== 'jobDone' && event !== 'jobFailed' && event !== 'jobCancelled') return;
                    off();
                    resolve({ event, payload });
                });
            });
            const { jobId } = await call<{ jobId: string }>('startUpgrade', { jobId: newJobId(), deviceId: device.id, recipeId: 'ks01ltexx', files, backupPassphrase: 'copper lantern orchard seventy' });
            const busy = onUsbIp(await call<DeviceSnapshot>('listDevices', {}));
            expect(busy?.state).toBe('busy');
            const end = await ended;
            expect(answers.every((a) => (a as { ok: boolean }).ok)).toBe(true);
            expect(end).toMatchObject({ event: 'jobDone', payload: { jobId, androidAfter: '8.1.0' } });
        } finally {
            stop();
        }
        const state = JSON.parse(await readFile(join(phone.stateDir, 'state.json'), 'utf8')) as { mode: string; installed: Array<{ sha256: string }> };
        expect(state.mode).toBe('android');
        // The phone's own record of what it installed: these packages, in this order.
        expect(state.installed.map((p) => p.sha256)).toEqual([demo.rom, demo.gapps, demo.su].map(sha256Of));
        // Free again once the job ended, back in Android.
        await expect.poll(async () => onUsbIp(await call<DeviceSnapshot>('listDevices', {})), { timeout: 10_000 }).toMatchObject({ mode: 'android', state: 'ready', recipeId: 'ks01ltexx' });
    });

    it('pushes a panel file to it, and the phone stores it byte-identical', async () => {
        const device = onUsbIp(await call<DeviceSnapshot>('listDevices', {}));
        if (!device) throw new Error('the USB/IP phone is not listed');
        const vpn = await createDemoVpn(backend, 'vpn1', 'usbip');
        const pushed = await call<{ pushed: Array<{ remote: string; sha256: string }> }>('pushPanelFiles', { jobId: 'push1', deviceId: device.id, resultId: vpn.resultId });
        expect(pushed.pushed.map((p) => p.remote)).toEqual(['/sdcard/Download/wg-usbip.conf']);
        const landed = await readFile(join(phone.stateDir, 'fs', 'data', 'media', '0', 'Download', 'wg-usbip.conf'));
        expect(landed.equals(await readFile(vpn.files.config))).toBe(true);
    });

});

describe('local USB', () => {
    it('on a machine without a USB bus, the app says so once and lists the rest', async () => {
        const said: string[] = [];
        const alone = createBackend({ home: join(dir, 'home-local'), onNotice: (m) => said.push(m) });
        try {
            const snapshot = await alone.call('listDevices', {});
            expect(snapshot).toMatchObject({ ok: true, value: { devices: [], virtualPhone: null } });
            await alone.call('listDevices', {});
            const noBus = said.filter((m) => m.includes('No local USB bus'));
            expect(noBus).toHaveLength(existsSync('/sys/bus/usb') ? 0 : 1);
        } finally {
            await alone.close();
        }
    });
});

describe('revive devices --usbip', () => {
    it("shows an adb phone's state as its adbd reports it: unauthorized, then device once allowed", async () => {
        const other = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, 'other'), owner: 'accept' });
        const otherServer = await UsbIpServer.start({ port: 0 });
        otherServer.export(other, '1-1');
        const list = async (): Promise<Array<Record<string, unknown>>> => {
            const out: string[] = [];
            const code = await main(['devices', '--usbip', `127.0.0.1:${otherServer.port}`, '--json'], { out: (t) => void out.push(t), err: () => undefined, signal: new AbortController().signal });
            expect(code).toBe(0);
            return out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        };
        try {
            // Asked without a prompt: the phone does not know this computer yet.
            expect(await list()).toEqual([expect.objectContaining({ source: 'usbip', mode: 'adb', phoneMode: 'android', state: 'unauthorized', usb: '04e8:6860' })]);
            expect(other.state.adbKeys).toHaveLength(0);
            const allowed = await connectAdb({ usbDevice: await other.waitForDevice({ timeoutMs: 5000 }) }, { keyStore: new AdbKeyStore() });
            await allowed.close();
            expect(await list()).toEqual([expect.objectContaining({ source: 'usbip', mode: 'adb', phoneMode: 'android', state: 'device', usb: '04e8:6860' })]);
        } finally {
            await otherServer.close();
            await other.close();
        }
    });
});
