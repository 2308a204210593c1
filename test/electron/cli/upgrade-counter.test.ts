/**
 * The repair-shop counter end to end: four virtual Galaxy S4s, each served by its own
 * `revive virtual-phone serve --usbip-port 0` process, upgraded by one `revive upgrade --device
 * usbip:… ×4 --shop DIR --yes` — four that all finish, then four of which one is given
 * `--fault unplug-after-bytes=…`. The person at each phone is played by typing the mode into that
 * phone's stdin (`--person stdin`) when its lane asks for keys.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { phoneState } from '../jobs/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const recipe = requireRecipe('ks01ltexx');

interface Served {
    readonly process: ChildProcess;
    readonly usbip: string;
    readonly stateDir: string;
    log: string;
}

let dir: string;
let demo: DemoPackages;
const served: Served[] = [];

async function serve(name: string, extra: string[]): Promise<Served> {
    const stateDir = join(dir, name);
    const child = spawn(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'android', '--usbip-port', '0', '--state-dir', stateDir, '--person', 'stdin', ...extra], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    const entry: Served = { process: child, usbip: '', stateDir, log: '' };
    child.stderr!.on('data', (chunk: Buffer) => void (entry.log += chunk.toString()));
    const ready = await new Promise<{ usbip: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no ready line within 90 s`)), 90_000);
        createInterface({ input: child.stdout! }).once('line', (line) => {
            clearTimeout(timer);
            resolve(JSON.parse(line) as { usbip: string });
        });
        child.once('exit', (code) => reject(new Error(`${name} exited early with ${code}: ${entry.log}`)));
    });
    return Object.assign(entry, { usbip: ready.usbip });
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-counter-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: 256 * 1024 });
    expect((await main(['shop', 'init', join(dir, 'shop'), '--name', 'Counter Test'], { out: () => undefined, err: () => undefined, interactive: false, signal: new AbortController().signal }))).toBe(0);
}, 180_000);

async function stopAll(): Promise<void> {
    for (const phone of served.splice(0)) {
        if (phone.process.exitCode !== null) continue;
        const exited = new Promise((resolve) => phone.process.once('exit', resolve));
        phone.process.kill('SIGINT');
        await exited;
    }
}

afterAll(async () => {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
});

interface Lane {
    readonly device: string;
    readonly ticket: string;
    readonly result: string;
    readonly port: string;
    readonly error: { message: string } | null;
    readonly receipt: string | null;
    readonly customerReceipt: string | null;
}

/** One `revive upgrade --device …×4 --shop … --yes --json` over the served phones; the person at each phone holds the keys asked for. */
async function counterRun(phones: readonly Served[], backups: string): Promise<{ code: number; lines: Array<Record<string, unknown>>; lanes: Lane[]; devices: string[] }> {
    const devices = phones.map((p) => `usbip:${p.usbip}`);
    const lines: Array<Record<string, unknown>> = [];
    let pending = '';
    const out = (text: string): void => {
        pending += text;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
            const line = JSON.parse(pending.slice(0, newline)) as Record<string, unknown>;
            pending = pending.slice(newline + 1);
            lines.push(line);
            // The person at that phone holds the keys the lane asks for.
            if (line['type'] === 'instruction' && Array.isArray(line['buttons']) && line['buttons'].length > 0 && typeof line['waitingFor'] === 'string') {
                const phone = phones[devices.indexOf(String(line['device']))];
                setTimeout(() => phone?.process.stdin!.write(`${String(line['waitingFor'])}\n`), 300);
            }
        }
    };
    let err = '';
    const args = ['upgrade', ...devices.flatMap((d) => ['--device', d]), '--recovery', demo.recovery, '--rom', demo.rom, '--gapps', demo.gapps, '--su', demo.su];
    args.push('--shop', join(dir, 'shop'), '--technician', 'Alex', ...devices.flatMap((d, i) => ['--ticket', `${d}=T-${i + 1}`]), '--note', `${devices[0]}=cracked back`);
    args.push('--backup-to', join(dir, backups), '--yes', '--json', '--wait', '30', '--home', join(dir, 'home'));
    if (process.env['REVIVE_TEST_DEBUG']) setInterval(() => writeFileSync(join(tmpdir(), 'counter-debug.jsonl'), lines.filter((l) => l['type'] !== 'progress').map((l) => JSON.stringify(l).slice(0, 300)).join('\n')), 2000).unref();
    const code = await main(args, { out, err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
    const summary = lines.find((l) => l['type'] === 'summary') as { lanes: Lane[] } | undefined;
    expect(summary, `${err}\n${phones.map((p) => p.log.slice(-800)).join('\n---\n')}`).toBeDefined();
    return { code, lines, lanes: summary!.lanes, devices };
}

/** The phone's own state after a finished upgrade: the packages in order, TWRP in its recovery area, back in Android. */
function expectUpgraded(phone: Served): void {
    const state = phoneState(phone.stateDir);
    expect(state.installed.map((p) => p.sha256)).toEqual([demo.rom, demo.gapps, demo.su].map(sha));
    expect(state.mode).toBe('android');
    const image = readFileSync(join(phone.stateDir, 'partitions', 'RECOVERY.img')).subarray(0, readFileSync(demo.recovery).length);
    expect(createHash('sha256').update(image).digest('hex')).toBe(sha(demo.recovery));
}

/** Both copies of every lane's receipt verify with the shop's key and record that lane. */
async function expectReceipts(lanes: readonly Lane[]): Promise<void> {
    for (const lane of lanes) {
        for (const file of [lane.receipt, lane.customerReceipt]) {
            expect(file).toBeTruthy();
            let verified = '';
            expect(await main(['receipt', 'verify', file!, '--shop', join(dir, 'shop')], { out: (t) => void (verified += t), err: (t) => void (verified += t), interactive: false, signal: new AbortController().signal })).toBe(0);
        }
        const receipt = (JSON.parse(readFileSync(lane.receipt!, 'utf8')) as { document: { ticket: string; technician: string; result: { outcome: string; phoneState: string; phoneChanged: string }; phone: { port: string; imei: string | null; serial: string | null } } }).document;
        expect(receipt).toMatchObject({ ticket: lane.ticket, technician: 'Alex', result: { outcome: lane.result }, phone: { port: lane.port } });
        expect(receipt.phone.imei).toMatch(/^\d{15}$/);
        if (lane.result === 'failed') expect(receipt.result.phoneState).not.toBe('');
        // A pulled cable mid-flash leaves the phone in a state nobody can know.
        expect(receipt.result.phoneChanged).toBe(lane.result === 'done' ? 'changed' : 'unknown');
    }
}

describe('revive upgrade with four phones at the counter', () => {
    it('upgrades four phones at once: all finish, each phone in its own state, four receipts that verify, exit 0', async () => {
        served.push(...(await Promise.all(['a', 'b', 'c', 'd'].map((name) => serve(`clean-${name}`, [])))));
        try {
            const { code, lanes, devices } = await counterRun(served, 'backups-clean');
            expect(lanes.map((l) => l.result), JSON.stringify(lanes)).toEqual(['done', 'done', 'done', 'done']);
            expect(code).toBe(0);
            expect(lanes.map((l) => l.port)).toEqual(devices.map((d) => `${d}/1-1`));
            for (const phone of served) expectUpgraded(phone);
            await expectReceipts(lanes);
            expect(new Set(lanes.map((l) => l.receipt)).size).toBe(4);
        } finally {
            await stopAll();
        }
    }, 600_000);

    it('finishes the three good phones, fails the unplugged one with a receipt, and exits non-zero', async () => {
        served.push(...(await Promise.all([serve('a', []), serve('b', []), serve('c', ['--fault', 'unplug-after-bytes=150000']), serve('d', [])])));
        try {
            const { code, lines, lanes, devices } = await counterRun(served, 'backups');
            expect(lanes.map((l) => l.result), JSON.stringify(lanes)).toEqual(['done', 'done', 'failed', 'done']);
            expect(code).toBe(1);
            expect(lanes.map((l) => l.port)).toEqual(devices.map((d) => `${d}/1-1`));
            expect(lanes[2]!.error?.message).toMatch(/cable|unplug|disconnect|left|lost/i);
            // Every event names its phone; the faulty phone's events never show up under another.
            expect(lines.filter((l) => l['type'] === 'failed').map((l) => l['device'])).toEqual([devices[2]]);
            for (const [i, phone] of served.entries()) {
                if (i === 2) expect(phoneState(phone.stateDir).installed).toEqual([]);
                else expectUpgraded(phone);
            }
            await expectReceipts(lanes);
        } finally {
            await stopAll();
        }
    }, 600_000);

    it('prints one line per step of each phone and a summary table, one at a time, with a German receipt and its PDFs for a virtual phone', async () => {
        let out = '';
        let err = '';
        const code = await main(
            ['upgrade', '--device', 'virtual:ks01ltexx', '--recovery', demo.recovery, '--rom', demo.rom, '--shop', join(dir, 'shop'), '--ticket', 'virtual:ks01ltexx=T-9', '--one-at-a-time', '--yes', '--no-backup', '--pdf', '--receipt-language', 'de', '--home', join(dir, 'home')],
            { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, signal: new AbortController().signal },
        );
        expect(code, `${out}\n${err}`).toBe(0);
        expect(out).toMatch(/^\[virtual:ks01ltexx T-9\] > Put TWRP on the phone$/m);
        expect(out).toMatch(/^PHONE\s+TICKET\s+MODEL\s+RESULT\s+TIME\s+RECEIPT$/m);
        expect(out).toMatch(/^virtual:ks01ltexx\s+T-9\s+Samsung Galaxy S4 LTE-A\s+done\s+\d+ s\s+\S+T-9-\S+\.json$/m);
        expect(out).toMatch(/1 of 1 phones finished/);
        const receipt = /(\S+T-9-\S+)\.json$/m.exec(out)?.[1];
        expect(readFileSync(`${receipt}.customer.html`, 'utf8')).toMatch(/Exemplar für den Kunden/);
        for (const pdf of [`${receipt}.pdf`, `${receipt}.customer.pdf`]) expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }, 300_000);

    it('refuses usage mistakes before touching any phone', async () => {
        const run = async (extra: string[]): Promise<{ code: number; err: string }> => {
            let err = '';
            const code = await main(['upgrade', '--recovery', demo.recovery, '--rom', demo.rom, ...extra], { out: () => undefined, err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
            return { code, err };
        };
        expect((await run(['--device', 'usbip:127.0.0.1:1', '--jobs', '0'])).code).toBe(2);
        expect((await run(['--device', 'usbip:127.0.0.1:1', '--jobs', '2', '--one-at-a-time'])).code).toBe(2);
        expect((await run(['--device', 'usbip:127.0.0.1:1', '--device', 'usbip:127.0.0.1:2', '--shop', join(dir, 'shop'), '--ticket', 'usbip:127.0.0.1:3=T-1'])).err).toMatch(/--ticket takes DEVICE=VALUE/);
        expect((await run(['--device', 'usbip:127.0.0.1:1', '--device', 'usbip:127.0.0.1:2', '--technician', 'Alex'])).code).toBe(2);
        // Without a shop nothing locks the backups (no key is kept beside them): refused before any phone is looked for.
        const unlocked = await run(['--device', 'usbip:127.0.0.1:1', '--device', 'usbip:127.0.0.1:2']);
        expect(unlocked.code).toBe(1);
        expect(unlocked.err).toMatch(/At the counter each backup is locked with the shop's age key/);
        expect(unlocked.err).toMatch(/Add --shop DIR/);
        const twice = await run(['--device', 'usbip:127.0.0.1:1', '--device', 'usbip:127.0.0.1:1', '--no-backup']);
        expect(twice.code).toBe(1);
        expect(twice.err).toMatch(/named twice/);
    });
});
