/**
 * With --json nobody watches the terminal, yet every wait says on stdout, as a JSON line, what it
 * waits for and for how long at most, before the wait ends in a message naming what it waited for
 * (issue 13): a phone whose owner never taps Allow, and a phone that never arrives.
 */

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { upgradeBench } from '../jobs/helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-json-waits-', romBytes: 64 * 1024 });

type Line = Record<string, unknown> & { type?: string; note?: { code: string; facts: Record<string, unknown> } };
const lines = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

/** A phone whose owner sees "Allow USB debugging?" and never answers. */
const neverAnswers = { confirm: () => new Promise<boolean>(() => undefined) };

describe('--json waits', () => {
    it('upgrade: a phone never allowed gives a waiting line first, then an error naming Allow', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(bench.dir, 'never-allows'), owner: neverAnswers, enumerationDelayMs: 20 });
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        try {
            const run = await runCli(['upgrade', '--device', `usbip:${server.address}/1-1`, '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--no-backup', '--json', '--wait', '2', '--home', bench.home]);
            expect(run.code, run.err).not.toBe(0);
            const events = lines(run.out);
            const waiting = events.findIndex((e) => e.note?.code === 'waiting-for-allow');
            expect(waiting, run.out).toBeGreaterThanOrEqual(0);
            expect(events[waiting]?.note?.facts).toMatchObject({ seconds: 2 });
            expect(events[waiting]?.['line']).toMatch(/Allow USB debugging/);
            // The phone's answers name its recipe, so this wait comes before any job (and its `started`).
            expect(events.every((e) => e.type !== 'started'), run.out).toBe(true);
            expect(events.at(-1)?.note?.code, run.out).toBe('waiting-for-allow');
            expect(run.err).toMatch(/Nobody tapped Allow on the phone's "Allow USB debugging\?" within 2 s\./);
        } finally {
            await server.close();
            await phone.close();
        }
    }, 120_000);

    it('upgrade: a phone nobody brings into the next mode gives started, a waiting line, then failed naming the mode', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(bench.dir, 'nobody-there'), owner: 'accept', enumerationDelayMs: 20 });
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        try {
            const run = await runCli(['upgrade', '--device', `usbip:${server.address}/1-1`, '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--no-backup', '--yes', '--json', '--wait', '2', '--home', bench.home]);
            expect(run.code, run.err).not.toBe(0);
            const events = lines(run.out);
            const started = events.findIndex((e) => e.type === 'started');
            const allow = events.findIndex((e) => e.note?.code === 'waiting-for-allow');
            // Allowing comes first (it names the phone, hence the job's steps); then the job starts.
            expect(allow, run.out).toBeGreaterThanOrEqual(0);
            expect(started, run.out).toBeGreaterThan(allow);
            const waiting = events.findIndex((e, i) => i > started && e.note?.code === 'waiting-for-phone');
            expect(waiting, run.out).toBeGreaterThan(started);
            expect(events[waiting]?.note?.facts).toMatchObject({ seconds: 2 });
            const failed = events.findIndex((e) => e.type === 'failed');
            expect(failed, run.out).toBeGreaterThan(waiting);
            expect(failed, run.out).toBe(events.length - 1);
            const error = events[failed]?.['error'] as { code: string; message: string };
            expect(error.code).toBe('person-not-there');
            expect(error.message).toMatch(/within 2 s/);
        } finally {
            await server.close();
            await phone.close();
        }
    }, 120_000);
});
