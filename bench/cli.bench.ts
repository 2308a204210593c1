/**
 * Whole processes, as a person runs them: `revive fastboot flash` (512 MiB over TCP) against Debian's
 * `fastboot -s tcp:…`, `revive adb push` against `adb push`, each into a virtual phone served by
 * `revive virtual-phone serve` in a process of its own, alternating, 3 rounds; and the start time of
 * `revive help` and `revive devices --json` against `fastboot --version`. Startup is included;
 * medians, with the load average (the machine is shared).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildNode } from '../scripts/build-node.js';
import { freePort } from '../test/support/free-port.js';
import { REVIVE, serve, stop } from './served-phone.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = 512 * MiB;
const ROUNDS = 3;

async function makeRandomFile(path: string): Promise<void> {
    const handle = await open(path, 'w');
    try {
        for (let offset = 0; offset < SIZE; offset += 4 * MiB) await handle.write(randomBytes(4 * MiB));
    } finally {
        await handle.close();
    }
}

async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    const started = performance.now();
    await exec(command, args, { env, maxBuffer: 16 * MiB });
    return (performance.now() - started) / 1000;
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const loadAverage = async (): Promise<string> => (await readFile('/proc/loadavg', 'utf8')).split(' ')[0] ?? '?';

/**
 * Ours and the reference, alternating, ROUNDS times; the medians (the machine is shared). A first round is not timed: the
 * phone creates its partition image and files then (the first 512 MiB flash into a fresh phone took
 * 2-3 times as long as the next ones, whichever tool sent it), a one-off cost that would otherwise
 * land on whichever tool happens to go first — ours, every time.
 */
async function alternate(ours: () => Promise<number>, reference: () => Promise<number>): Promise<{ ours: number; reference: number; rounds: string }> {
    await ours();
    await reference();
    const o: number[] = [];
    const r: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
        o.push(await ours());
        r.push(await reference());
    }
    return { ours: median(o), reference: median(r), rounds: `ours ${o.map((x) => x.toFixed(2)).join('/')} s, reference ${r.map((x) => x.toFixed(2)).join('/')} s, load average ${await loadAverage()}` };
}

export async function run(): Promise<BenchResult[]> {
    await buildNode();
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-cli-'));
    const env = { ...process.env, HOME: join(dir, 'home'), REVIVE_HOME: join(dir, 'revive-home') };
    const results: BenchResult[] = [];
    const image = join(dir, 'image.bin');
    try {
        await mkdir(env.HOME, { recursive: true });
        await makeRandomFile(image);
        await exec('sync');

        // Start time: 20 runs each, alternating.
        const start = await alternateStart(env);
        results.push(...start);

        // fastboot flash: an unlocked Nexus 6 bootloader served over TCP.
        const state = join(dir, 'shamu');
        await exec(process.execPath, [REVIVE, 'fastboot', 'unlock', '--virtual', 'shamu', '--virtual-state', state, '--owner', 'accept'], { env });
        const bootloader = await serve(['--model', 'shamu', '--mode', 'bootloader', '--state-dir', state, '--fastboot-port', '0'], env);
        try {
            const target = `tcp:${bootloader.endpoints.fastboot}`;
            const flash = await alternate(
                () => timed(process.execPath, [REVIVE, 'fastboot', '-s', target, 'flash', 'system', image], env),
                () => timed('fastboot', ['-s', target, 'flash', 'system', image], env),
            );
            results.push({
                name: 'fastboot flash 512 MiB over TCP, whole process',
                ours: { seconds: flash.ours },
                reference: { tool: 'fastboot (Debian)', seconds: flash.reference },
                notes: `median of ${ROUNDS} alternating rounds after an untimed one (${flash.rounds}); the phone runs in its own revive virtual-phone serve process`,
            });
        } finally {
            await stop(bootloader);
        }

        // adb push: a Galaxy S4 in Android, adbd over TCP; Debian adb through its server, as people use it.
        const android = await serve(['--model', 'ks01ltexx', '--mode', 'android', '--state-dir', join(dir, 'ks01'), '--adb-port', '0', '--owner', 'accept'], env);
        const serverPort = String(await freePort());
        const adb = (args: string[]): Promise<unknown> => exec('adb', ['-P', serverPort, ...args], { env, maxBuffer: 16 * MiB });
        try {
            const serial = android.endpoints.adb ?? '';
            await adb(['connect', serial]);
            await adb(['-s', serial, 'wait-for-device']);
            // A first command of ours lets the phone trust this computer's key before timing starts.
            await exec(process.execPath, [REVIVE, 'adb', '-s', `tcp:${serial}`, 'shell', 'true'], { env });
            const push = await alternate(
                () => timed(process.execPath, [REVIVE, 'adb', '-s', `tcp:${serial}`, 'push', image, '/sdcard/ours.bin'], env),
                () => timed('adb', ['-P', serverPort, '-s', serial, 'push', image, '/sdcard/theirs.bin'], env),
            );
            results.push({
                name: 'adb push 512 MiB over TCP, whole process',
                ours: { seconds: push.ours },
                reference: { tool: 'adb push (Debian)', seconds: push.reference },
                notes: `median of ${ROUNDS} alternating rounds after an untimed one (${push.rounds}); ours also checks the phone's copy by SHA-256 (hashed on the phone while it arrives), adb does not`,
            });
        } finally {
            await adb(['kill-server']).catch(() => undefined);
            await stop(android);
        }
        return results;
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

async function alternateStart(env: NodeJS.ProcessEnv): Promise<BenchResult[]> {
    const runs = 20;
    const help: number[] = [];
    const devices: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < runs; i++) {
        help.push(await timed(process.execPath, [REVIVE, 'help'], env));
        devices.push(await timed(process.execPath, [REVIVE, 'devices', '--json'], env));
        reference.push(await timed('fastboot', ['--version'], env));
    }
    const notes = `median of ${runs} alternating runs, load average ${await loadAverage()}; the reference is a C++ binary that needs no runtime`;
    return [
        { name: 'start: revive help, whole process', ours: { seconds: median(help) }, reference: { tool: 'fastboot --version', seconds: median(reference) }, notes },
        { name: 'start: revive devices --json (no phone), whole process', ours: { seconds: median(devices) }, reference: { tool: 'fastboot --version', seconds: median(reference) }, notes },
    ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
