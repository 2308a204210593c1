/**
 * Isolation at the counter: a phone whose USB stalls mid-flash does not hold up or confuse the phone
 * next to it; its own job ends with a clear error once its transfer times out, and the run ends.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCounter } from '../../../electron/jobs/counter.js';
import { parseDeviceRef } from '../../../native/devices/ref.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeBench } from './helpers.js';

// The stalled phone's job ends when download mode leaves a packet or a command unanswered (the
// real 15-30 s unless REVIVE_ODIN_ANSWER_MS sets it): a virtual phone answers in milliseconds, so
// 5 s still tell a stall from a slow phone here, with room for a loaded machine.
process.env['REVIVE_ODIN_ANSWER_MS'] = '5000';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-counter-stall-', romBytes: 256 * 1024 });

describe('the counter keeps phones apart', () => {
    it('finishes the good phone while its neighbour stalls, and the stalled job ends with an error', async () => {
        const phones = [
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', stateDir: join(bench.dir, 'good'), enumerationDelayMs: 30 }),
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', stateDir: join(bench.dir, 'stalled'), enumerationDelayMs: 30 }),
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
                    files: { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su },
                    noBackup: true,
                    home: bench.home,
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
            const rom = createHash('sha256').update(readFileSync(bench.demo.rom)).digest('hex');
            expect(phoneState(join(bench.dir, 'good')).installed[0]?.sha256).toBe(rom);
            expect(phoneState(join(bench.dir, 'stalled')).installed).toEqual([]);
        } finally {
            await server.close();
            for (const phone of phones) await phone.close();
        }
    }, 300_000);
});
