/**
 * A phone that does not trust this computer yet: the app offers its key, so the phone's own
 * "Allow USB debugging?" question appears while the list says to look at the phone; once the
 * person allows it, the list shows the phone ready, with its name.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { DeviceSnapshot } from '../../../electron/api/contract.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import type { VirtualOwner } from '../../../native/virtual/mode-protocol.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-app-allow-');
let phone: VirtualPhone;
let server: UsbIpServer;
let backend: Backend;
const prompts: string[] = [];
let allow!: (yes: boolean) => void;
const answer = new Promise<boolean>((resolve) => (allow = resolve));
const owner: VirtualOwner = {
    async confirm(prompt) {
        prompts.push(prompt);
        return answer;
    },
};

beforeAll(async () => {
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(temp.dir, 'phone'), owner, enumerationDelayMs: 30 });
    server = await UsbIpServer.start({ port: 0 });
    server.export(phone, '1-1');
    backend = createBackend({ home: temp.home, usbipSources: [`127.0.0.1:${server.port}`], localUsb: false, usbipPollMs: 100, waitTimeoutMs: 15_000, onNotice: () => undefined });
});

afterAll(async () => {
    await backend?.close();
    await server?.close();
    await phone?.close();
});

async function listed(): Promise<DeviceSnapshot['devices'][number] | undefined> {
    const result = await backend.call('listDevices', {});
    if (!result.ok) throw new Error(`${result.error.code}: ${JSON.stringify(result.error.facts)}`);
    return (result.value as DeviceSnapshot).devices[0];
}

describe('a phone that has not allowed this computer yet', () => {
    it("shows the phone's own question, and is ready once the person allows it", async () => {
        await expect.poll(() => prompts.length, { timeout: 10_000 }).toBe(1);
        expect(prompts[0]).toMatch(/Allow USB debugging/i);
        expect(await listed()).toMatchObject({ mode: 'android', state: 'unauthorized' });
        expect(phone.state.adbKeys).toHaveLength(0);

        allow(true);
        await expect.poll(listed, { timeout: 10_000 }).toMatchObject({ name: 'Samsung Galaxy S4 LTE-A', state: 'ready', batteryPercent: phone.state.batteryPercent });
        expect(phone.state.adbKeys).toHaveLength(1);
    });
});
