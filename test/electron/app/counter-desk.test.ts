/**
 * The app's counter through the backend's API: three virtual Galaxy S4s exported over USB/IP, a shop
 * made from the app, two lanes at a time, one phone whose cable is pulled mid-flash. Asserted from
 * the phones' own state, the signed receipts and the history search.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '../../../common/job-id.js';
import type { CounterView, DeviceSnapshot, EventPayload, HistoryEntry } from '../../../electron/api/contract.js';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { ReceiptBackup } from '../../../electron/shop/receipt-types.js';
import { readPublicKey, verifyDocument } from '../../../electron/shop/shop.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { callOk, callRefused, sha256Of, verifyDemoFiles } from '../../support/backend-calls.js';
import { upgradeBench } from '../jobs/helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-app-counter-', romBytes: 256 * 1024 });
let phones: VirtualPhone[];
let server: UsbIpServer;
let backend: Backend;

const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);

const idOf = (n: number): string => `usbip:127.0.0.1:${server.port}/1-${n + 1}`;

beforeAll(async () => {
    phones = [];
    server = await UsbIpServer.start({ port: 0 });
    for (const n of [0, 1, 2]) {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(bench.dir, `phone${n}`), owner: 'accept', enumerationDelayMs: 30 });
        server.export(phone, `1-${n + 1}`);
        phones.push(phone);
    }
    backend = createBackend({ home: bench.home, usbipSources: [`127.0.0.1:${server.port}`], localUsb: false, usbipPollMs: 100, waitTimeoutMs: 20_000, onNotice: () => undefined });
    // The people at the counter: keys held when asked, yes to every question.
    backend.subscribe((event, payload) => {
        if (event === 'jobInstruction') {
            const instruction = payload as EventPayload<'jobInstruction'>;
            const lane = lanesNow.find((l) => l.jobId === instruction.jobId);
            const phone = phones.find((_p, n) => lane?.deviceId === idOf(n));
            const mode = instruction.waitingFor;
            if (phone && mode && mode !== 'unknown' && instruction.buttons.length > 0) setTimeout(() => phone.mode !== mode && phone.pressKeys(mode), 50);
        }
        if (event === 'jobConfirm') {
            const question = payload as EventPayload<'jobConfirm'>;
            setTimeout(() => void backend.call('answerConfirm', { jobId: question.jobId, requestId: question.id, yes: true }), 20);
        }
        if (event === 'counterChanged') lanesNow = (payload as CounterView).lanes;
    });
});

let lanesNow: CounterView['lanes'] = [];

afterAll(async () => {
    await backend?.close();
    await server?.close();
    for (const phone of phones ?? []) await phone.close();
});

/** Every write each phone has taken: partitions, installed packages, the bootloader's lock, its mode. */
const phoneWrites = (): unknown[] => phones.map((p) => [p.partitions.names().map((name) => p.partitions.writeCount(name)), p.state.installed.length, p.state.bootloaderLocked, p.mode]);

describe('the counter in the app', () => {
    it('refuses to start a lane before a shop folder is set: backup-lock-needed, no lane, no job, nothing written to any phone', async () => {
        await expect.poll(async () => (await call<DeviceSnapshot>('listDevices', {})).devices.filter((d) => d.recipeId === 'ks01ltexx' && d.state === 'ready').length, { timeout: 20_000 }).toBe(3);
        // Everything else is ready: the files are verified and the phones answer.
        const { files, ok } = await verifyDemoFiles(backend, bench.demo, 'ks01ltexx', 'no-shop');
        expect(ok).toEqual([true, true, true, true]);
        const before = phoneWrites();
        const jobId = newJobId();
        const refused = await callRefused(backend, 'startLane', { jobId, deviceId: idOf(0), recipeId: 'ks01ltexx', files, ticket: 'T-NOSHOP', language: 'en' });
        expect(refused).toMatchObject({ code: 'backup-lock-needed', facts: { variant: 'desk' } });
        expect(await call<CounterView>('counterState', {})).toMatchObject({ shop: null, lanes: [] });
        expect(existsSync(join(bench.home, 'jobs', `${jobId}.jsonl`))).toBe(false);
        // The history has no shop to search either.
        expect(await callRefused(backend, 'searchHistory', { ticket: 'T-NOSHOP' })).toMatchObject({ code: 'shop-not-set' });
        expect(phoneWrites()).toEqual(before);
        expect(phones.map((p) => [p.mode, p.state.installed])).toEqual(phones.map(() => ['android', []]));
    });

    it('refuses a shop folder that is not one, and creates one as `revive shop init` does', async () => {
        const refused = await backend.call('counterSettings', { shopDir: join(bench.dir, 'nothing-here') });
        expect(refused).toMatchObject({ ok: false, error: { code: 'shop-invalid', facts: { variant: 'file' } } });
        expect(await backend.call('createShop', { dir: 'relative/shop', name: 'Fix-it' })).toMatchObject({ ok: false, error: { code: 'shop-folder-relative' } });
        const view = await call<CounterView>('createShop', { dir: join(bench.dir, 'shop'), name: 'Fix-it Corner' });
        expect(view.shop).toMatchObject({ dir: join(bench.dir, 'shop'), name: 'Fix-it Corner' });
        expect(statSync(join(bench.dir, 'shop', 'shop-key.pem')).mode & 0o777).toBe(0o600);
        const set = await call<CounterView>('counterSettings', { technician: 'Ana', concurrency: 2 });
        expect(set).toMatchObject({ technician: 'Ana', concurrency: 2 });
    });

    it('"which phone is this?" opens the About phone screen on that phone only', async () => {
        await expect.poll(async () => (await call<DeviceSnapshot>('listDevices', {})).devices.filter((d) => d.recipeId === 'ks01ltexx' && d.state === 'ready').length, { timeout: 20_000 }).toBe(3);
        const shown = await call<{ shows: string | null; port: string | null }>('identifyPhone', { deviceId: idOf(1) });
        expect(shown).toEqual({ shows: 'about-phone', port: idOf(1) });
        expect(phones.map((p) => p.state.extra['screen'])).toEqual([undefined, 'about-phone', undefined]);
    });

    it('runs three lanes two at a time; the unplugged one fails alone, each gets a signed receipt', async () => {
        const { files, ok } = await verifyDemoFiles(backend, bench.demo, 'ks01ltexx', 'c');
        for (const verified of ok) expect(verified).toBe(true);
        phones[2]!.faults.unplugAfterBytes = 100_000;
        let queuedSeen = false;
        const off = backend.subscribe((event, payload) => {
            if (event === 'counterChanged' && (payload as CounterView).lanes.some((l) => l.status === 'queued') && (payload as CounterView).lanes.some((l) => l.status === 'running')) queuedSeen = true;
        });
        try {
            for (const n of [0, 1, 2]) {
                await call<CounterView>('startLane', { jobId: newJobId(), deviceId: idOf(n), recipeId: 'ks01ltexx', files, ticket: `T-10${n}`, language: n === 1 ? 'de' : 'en' });
            }
            expect((await backend.call('startLane', { jobId: newJobId(), deviceId: idOf(0), recipeId: 'ks01ltexx', files, ticket: 'again' })).ok).toBe(false);
            await expect.poll(async () => (await call<CounterView>('counterState', {})).lanes.map((l) => l.status), { timeout: 240_000, interval: 500 }).toEqual(['done', 'done', 'failed']);
        } finally {
            off();
        }
        expect(queuedSeen).toBe(true);
        const rom = sha256Of(bench.demo.rom);
        expect(phones[0]!.state.installed[0]?.sha256).toBe(rom);
        expect(phones[1]!.state.installed[0]?.sha256).toBe(rom);
        expect(phones[2]!.state.installed).toEqual([]);
        const view = await call<CounterView>('counterState', {});
        const key = await readPublicKey(join(bench.dir, 'shop', 'shop-key.pub.pem'));
        for (const lane of view.lanes) {
            expect(lane.port).toBe(lane.deviceId);
            expect(lane.serial).toBe(phones[view.lanes.indexOf(lane)]!.serial);
            if (!lane.receipt) throw new Error(`no receipt for ${lane.deviceId}: ${JSON.stringify(lane.receiptProblem)}`);
            const verified = verifyDocument<{ ticket: string; technician: string; result: { outcome: string }; backup: ReceiptBackup }>(readFileSync(lane.receipt.file), key);
            expect(verified).toMatchObject({ ok: true, document: { ticket: lane.ticket, technician: 'Ana', result: { outcome: lane.status } } });
            const backup = verified.ok ? verified.document.backup : undefined;
            if (lane.status !== 'done') continue;
            // The customer's data leaves the phone encrypted to the shop's key, as with `revive upgrade --shop`.
            if (backup?.kind !== 'verified' || !backup.archive) throw new Error(`no backup archive on ${lane.deviceId}'s receipt: ${JSON.stringify(backup)}`);
            expect(backup.archive.openedBy).toBe('shop-key');
            const archive = join(backup.directory, backup.archive.name);
            expect(execFileSync('sh', ['-c', 'age -d -i "$1" "$2" | tar t', 'sh', join(bench.dir, 'shop', 'shop-backup-key.txt'), archive]).toString()).toContain('manifest.json');
        }
        expect(readFileSync(view.lanes[1]!.receipt!.customerPage, 'utf8')).toContain('lang="de"');
    }, 300_000);

    it('searches the history by ticket, serial and day, as `revive history` does', async () => {
        const byTicket = await call<{ entries: HistoryEntry[] }>('searchHistory', { ticket: 't-102' });
        expect(byTicket.entries.map((e) => [e.ticket, e.outcome])).toEqual([['T-102', 'failed']]);
        const bySerial = await call<{ entries: HistoryEntry[] }>('searchHistory', { serial: phones[0]!.serial });
        expect(bySerial.entries.map((e) => e.ticket)).toEqual(['T-100']);
        const today = new Date().toISOString().slice(0, 10);
        expect((await call<{ entries: HistoryEntry[] }>('searchHistory', { from: today, to: today })).entries).toHaveLength(3);
        expect((await call<{ entries: HistoryEntry[] }>('searchHistory', { to: '2000-01-01' })).entries).toEqual([]);
    });

    it('takes an ended lane off the counter, and a queued one out of the queue', async () => {
        const view = await call<CounterView>('dismissLane', { deviceId: idOf(2) });
        expect(view.lanes.map((l) => l.deviceId)).toEqual([idOf(0), idOf(1)]);
        expect(await backend.call('cancelLane', { deviceId: idOf(2) })).toMatchObject({ ok: false, error: { code: 'lane-unknown' } });
    });

    it('a lane whose phone is gone before its job starts still gets a signed failed receipt', async () => {
        const gone = `usbip:127.0.0.1:${server.port}/1-9`;
        await call<CounterView>('startLane', { jobId: newJobId(), deviceId: gone, recipeId: 'ks01ltexx', files: (['recovery', 'rom', 'gapps', 'su'] as const).map((role) => ({ role, verificationId: `c-${role}` })), ticket: 'T-GONE', language: 'en' });
        await expect.poll(async () => (await call<CounterView>('counterState', {})).lanes.find((l) => l.deviceId === gone)?.status, { timeout: 30_000 }).toBe('failed');
        const lane = (await call<CounterView>('counterState', {})).lanes.find((l) => l.deviceId === gone);
        if (!lane?.receipt) throw new Error(`no receipt: ${JSON.stringify(lane?.receiptProblem)}`);
        const verified = verifyDocument<{ ticket: string; result: { outcome: string; phoneChanged: string } }>(readFileSync(lane.receipt.file), await readPublicKey(join(bench.dir, 'shop', 'shop-key.pub.pem')));
        expect(verified).toMatchObject({ ok: true, document: { ticket: 'T-GONE', result: { outcome: 'failed', phoneChanged: 'unchanged' } } });
    });
});
