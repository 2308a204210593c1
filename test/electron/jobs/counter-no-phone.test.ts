/**
 * A job at the counter whose phone never appears — a USB/IP server whose port stays empty, and one
 * nobody answers on — still ends with a journal and a signed "failed" receipt that says what failed
 * and that nothing was written to the phone.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Receipt } from '../../../electron/shop/receipt.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { runCli } from '../../support/run-cli.js';
import { upgradeBench } from './helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-counter-no-phone-', romBytes: 64 * 1024 });
let empty: UsbIpServer;
let silent: string;

/** A loopback port nobody listens on: bound once to learn a free number, then closed. */
async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    await new Promise((resolve) => server.close(resolve));
    return typeof address === 'object' && address ? address.port : 0;
}

beforeAll(async () => {
    expect((await runCli(['shop', 'init', join(bench.dir, 'shop'), '--name', 'Counter Test'])).code).toBe(0);
    empty = await UsbIpServer.start({ port: 0 });
    silent = `127.0.0.1:${await closedPort()}`;
}, 120_000);

afterAll(async () => {
    await empty.close();
});

describe('a job whose phone never appears', () => {
    it('fails within --wait and still leaves a signed failed receipt saying the phone was not changed', async () => {
        const devices = [`usbip:${empty.address}`, `usbip:${silent}`];
        const home = bench.home;
        const args = ['upgrade', ...devices.flatMap((d) => ['--device', d]), '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--no-backup'];
        args.push('--shop', join(bench.dir, 'shop'), '--technician', 'Alex', ...devices.flatMap((d, i) => ['--ticket', `${d}=T-${i + 1}`]), '--yes', '--json', '--wait', '3', '--home', home);
        const run = await runCli(args);
        expect(run.code, run.err).toBe(1);
        const lines = run.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
        const summary = lines.find((l) => l['type'] === 'summary') as { lanes: Array<{ device: string; result: string; jobId: string | null; error: { code: string; message: string } | null; receipt: string | null; customerReceipt: string | null; receiptMissing: string | null }> };
        expect(summary.lanes.map((l) => l.result)).toEqual(['failed', 'failed']);
        // Each lane's end is an event of its own, as for a job that reached its phone.
        expect(lines.filter((l) => l['type'] === 'failed').map((l) => l['device'])).toEqual(expect.arrayContaining(devices));

        for (const [i, lane] of summary.lanes.entries()) {
            expect(lane.error?.code).toBe('phone-never-appeared');
            expect(lane.error?.message).toMatch(/within 3 seconds/);
            expect(lane.receiptMissing).toBeNull();
            for (const file of [lane.receipt, lane.customerReceipt]) {
                const verified = await runCli(['receipt', 'verify', file!, '--shop', join(bench.dir, 'shop')]);
                expect(verified.code, verified.err).toBe(0);
                expect(verified.out).toMatch(/phone not found: failed/);
            }
            const receipt = (JSON.parse(readFileSync(lane.receipt!, 'utf8')) as { document: Receipt }).document;
            expect(receipt).toMatchObject({
                ticket: `T-${i + 1}`,
                technician: 'Alex',
                jobId: lane.jobId,
                phone: { name: null, recipeId: null, serial: null, imei: null, port: devices[i] },
                after: null,
                files: [],
                backup: { kind: 'not-made' },
                result: { outcome: 'failed', step: 'identify', code: 'phone-never-appeared', phoneChanged: 'unchanged', phoneState: expect.stringMatching(/Nothing on the phone was changed/) },
            });
            // The journal the receipt names is the job's own, ended as failed.
            const journal = join(home, 'jobs', receipt.journal.name);
            expect(createHash('sha256').update(readFileSync(journal)).digest('hex')).toBe(receipt.journal.sha256);
            expect(readJournal(journal).at(-1)).toMatchObject({ t: 'end', outcome: 'failed' });
            expect(readFileSync(lane.receipt!.replace(/\.json$/, '.html'), 'utf8')).toMatch(/nothing was written to the phone/);
        }
    }, 120_000);
});
