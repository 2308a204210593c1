/**
 * The repair-shop counter: wall time of four upgrades at once against one alone, in the same run.
 * Each virtual Galaxy S4 is served by its own `revive virtual-phone serve --usbip-port 0` process
 * (like four phones on four USB/IP ports); the person at each phone types its key combos into that
 * process. The goal: four take at most twice as long as one (ratio one/four >= 0.5).
 * `npx tsx bench/counter.bench.ts` runs it alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseDeviceRef } from '../native/devices/ref.js';
import { generateDemoPackages, type DemoPackages } from '../native/integrity/demo-packages.js';
import { requireRecipe } from '../native/manifests/load.js';
import { runCounter } from '../electron/jobs/counter.js';
import type { BenchResult } from './types.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function serve(stateDir: string): Promise<{ child: ChildProcess; usbip: string }> {
    const child = spawn(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'android', '--usbip-port', '0', '--state-dir', stateDir, '--person', 'stdin'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'ignore'] });
    const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`virtual-phone serve exited with ${code}`)));
    });
    return { child, usbip: (JSON.parse(line) as { usbip: string }).usbip };
}

async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
}

/** Upgrade `count` freshly served phones at once; seconds from start to the last phone finished. */
async function upgradeAtOnce(dir: string, demo: DemoPackages, count: number): Promise<number> {
    const phones = await Promise.all(Array.from({ length: count }, (_, i) => serve(join(dir, `phone-${count}-${i}`))));
    try {
        const devices = phones.map((p) => `usbip:${p.usbip}`);
        const started = performance.now();
        const lanes = await runCounter(
            devices.map((words) => ({ device: parseDeviceRef(words) })),
            {
                files: { recovery: demo.recovery, rom: demo.rom, gapps: demo.gapps, su: demo.su },
                noBackup: true,
                home: join(dir, `home-${count}`),
                signal: new AbortController().signal,
                waitTimeoutMs: 60_000,
                uiFor: (lane) => ({
                    instruct: (instruction) => {
                        if (!instruction.waitingFor || !instruction.buttons?.length) return;
                        const phone = phones[devices.indexOf(lane.label)];
                        setTimeout(() => phone?.child.stdin!.write(`${instruction.waitingFor}\n`), 300);
                    },
                    confirm: async () => true,
                }),
            },
        );
        const seconds = (performance.now() - started) / 1000;
        const failed = lanes.filter((l) => l.status !== 'done');
        if (failed.length > 0) throw new Error(`counter bench: ${failed.length} of ${count} phones did not finish: ${failed.map((l) => l.error?.message).join('; ')}`);
        return seconds;
    } finally {
        for (const phone of phones) await stop(phone.child);
    }
}

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-counter-'));
    process.env['REVIVE_HOME'] = join(dir, 'revive-home');
    try {
        const demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 32 * 1024 * 1024 });
        const one = await upgradeAtOnce(dir, demo, 1);
        const four = await upgradeAtOnce(dir, demo, 4);
        return [
            {
                name: 'counter: 4 S4 upgrades at once over USB/IP (32 MiB ROM, no backup)',
                ours: { seconds: four, peakRssMB: process.resourceUsage().maxRSS / 1024 },
                reference: { tool: 'the same upgrade on 1 phone alone', seconds: one },
                notes: `goal: four take at most 2x one (ratio >= 0.5); measured ${(four / one).toFixed(2)}x; the four phones are served by four processes on the same 2-core machine`,
            },
        ];
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
