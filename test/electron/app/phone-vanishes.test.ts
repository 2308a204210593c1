/**
 * A phone that vanishes at any moment — after a panel read its apps, in the list, during a job —
 * never ends the backend process, and the list says so at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { DeviceSnapshot, EventName } from '../../../electron/api/contract.js';
import { callOk } from '../../support/backend-calls.js';

let dir: string;
let backend: Backend;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);

beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
});
afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
});
beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-vanish-'));
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
    unhandled.length = 0;
});
afterEach(async () => {
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
});

describe('a phone that vanishes', () => {
    it('after the firewall panel read its apps: the backend lives and the list drops it within a second', async () => {
        const snapshots: DeviceSnapshot[] = [];
        backend.subscribe((event: EventName, payload: unknown) => {
            if (event === 'devicesChanged') snapshots.push(payload as DeviceSnapshot);
        });
        const device = await call<{ id: string }>('startVirtualPhone', { codename: 'ks01ltexx' });
        const apps = await call<{ packages: unknown[] }>('listPhoneApps', { deviceId: device.id });
        expect(apps.packages.length).toBeGreaterThan(0);
        const unpluggedAt = Date.now();
        await call('unplugVirtualPhone', {});
        await expect.poll(() => snapshots.at(-1)?.devices.length, { timeout: 1000, interval: 20 }).toBe(0);
        expect(Date.now() - unpluggedAt).toBeLessThan(1000);
        // Give the adb connection's read loop time to notice the vanished device.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(unhandled).toEqual([]);
        // The backend still answers, and the phone comes back.
        await call('replugVirtualPhone', {});
        await expect.poll(async () => (await call<DeviceSnapshot>('listDevices', {})).devices.length, { timeout: 5000 }).toBe(1);
        expect((await call<{ packages: unknown[] }>('listPhoneApps', { deviceId: device.id })).packages.length).toBeGreaterThan(0);
        expect(unhandled).toEqual([]);
    });
});
