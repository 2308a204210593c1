/**
 * The repair-shop counter: wall time of four upgrades at once against one alone, in the same run.
 * Each virtual Galaxy S4 is served by its own `revive virtual-phone serve --usbip-port 0` process
 * (like four phones on four USB/IP ports); the person at each phone types its key combos into that
 * process. The goal: four take at most twice as long as one (ratio one/four >= 0.5).
 * `npx tsx bench/counter.bench.ts` runs it alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** CPU seconds (user + system) a running child has used so far, from /proc (Linux); 0 elsewhere. */
function cpuSecondsOf(child: ChildProcess): number {
    try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
        return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
        return 0;
    }
}

interface Run {
    /** Seconds from start to the last phone finished. */
    readonly seconds: number;
    /** CPU seconds the host (this process: jobs, USB/IP client) and the phone processes used meanwhile. */
    readonly hostCpu: number;
    readonly phonesCpu: number;
}

async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
}

/** Upgrade `count` freshly served phones at once. */
async function upgradeAtOnce(dir: string, demo: DemoPackages, count: number): Promise<Run> {
    const phones = await Promise.all(Array.from({ length: count }, (_, i) => serve(join(dir, `phone-${count}-${i}`))));
    try {
        const devices = phones.map((p) => `usbip:${p.usbip}`);
        const phonesCpuBefore = phones.reduce((sum, p) => sum + cpuSecondsOf(p.child), 0);
        const hostCpuBefore = process.cpuUsage();
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
        const host = process.cpuUsage(hostCpuBefore);
        const phonesCpu = phones.reduce((sum, p) => sum + cpuSecondsOf(p.child), 0) - phonesCpuBefore;
        const failed = lanes.filter((l) => l.status !== 'done');
        if (failed.length > 0) throw new Error(`counter bench: ${failed.length} of ${count} phones did not finish: ${failed.map((l) => l.error?.message).join('; ')}`);
        return { seconds, hostCpu: (host.user + host.system) / 1e6, phonesCpu };
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
        const cpu = (run: Run): string => `host ${run.hostCpu.toFixed(1)} s + phones ${run.phonesCpu.toFixed(1)} s`;
        return [
            {
                name: 'counter: 4 S4 upgrades at once over USB/IP (32 MiB ROM, no backup)',
                ours: { seconds: four.seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 },
                reference: { tool: 'the same upgrade on 1 phone alone', seconds: one.seconds },
                notes: `goal: four take at most 2x one (ratio >= 0.5); measured ${(four.seconds / one.seconds).toFixed(2)}x; CPU for four: ${cpu(four)}, for one: ${cpu(one)}; the four phones are served by four processes on the same 2-core machine`,
            },
        ];
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
