/**
 * Isolation at the counter: a phone whose USB stalls mid-flash does not hold up or confuse the phone
 * next to it; its own job ends with a clear error once its transfer times out, and the run ends.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCounter } from '../../../electron/jobs/counter.js';
import { parseDeviceRef } from '../../../native/devices/ref.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState } from './helpers.js';

let dir: string;
let demo: DemoPackages;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-counter-stall-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 256 * 1024 });
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

describe('the counter keeps phones apart', () => {
    it('finishes the good phone while its neighbour stalls, and the stalled job ends with an error', async () => {
        const phones = [
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', stateDir: join(dir, 'good'), enumerationDelayMs: 30 }),
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', stateDir: join(dir, 'stalled'), enumerationDelayMs: 30 }),
        ];
        phones[1]!.faults.stallAfterBytes = 100_000;
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phones[0]!, '1-1');
        server.export(phones[1]!, '1-2');
        try {
            const devices = [`usbip:${server.address}/1-1`, `usbip:${server.address}/1-2`];
            const lanes = await runCounter(
                devices.map((words) => ({ device: parseDeviceRef(words) })),
                {
                    files: { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su },
                    noBackup: true,
                    home: join(dir, 'home'),
                    signal: new AbortController().signal,
                    waitTimeoutMs: 30_000,
                    uiFor: (lane) => ({
                        instruct: (instruction) => {
                            const phone = phones[devices.indexOf(lane.label)];
                            const mode = instruction.waitingFor;
                            if (phone && mode && instruction.buttons?.length) setTimeout(() => phone.mode !== mode && phone.pressKeys(mode), 50);
                        },
                        confirm: async () => true,
                    }),
                },
            );
            expect(lanes.map((l) => l.status)).toEqual(['done', 'failed']);
            expect(lanes[1]!.error?.message).toMatch(/time|stall|respond|answer/i);
            const rom = createHash('sha256').update(readFileSync(demo.rom)).digest('hex');
            expect(phoneState(join(dir, 'good')).installed[0]?.sha256).toBe(rom);
            expect(phoneState(join(dir, 'stalled')).installed).toEqual([]);
        } finally {
            await server.close();
            for (const phone of phones) await phone.close();
        }
    }, 300_000);
});
