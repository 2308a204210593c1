/**
 * `revive virtual-phone serve --fault … --person stdin` in its own process: the faults (repeatable:
 * unplug-after-bytes, stall-after-bytes, fail-next, battery) disturb an Odin flash or an adb shell by
 * another `revive` process, and the owner's typed actions move the phone.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
let server: ChildProcess;
let ready: { usbip: string; mode: string; faults: string[] };
let stderr = '';

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-serve-faults-'));
    server = spawn(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'download', '--usbip-port', '0', '--state-dir', join(dir, 'phone'), '--fault', 'unplug-after-bytes=300000', '--fault', 'battery=60', '--person', 'stdin'], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    server.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    ready = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('virtual-phone serve printed no ready line within 60 s')), 60_000);
        createInterface({ input: server.stdout! }).once('line', (line) => {
            clearTimeout(timer);
            resolve(JSON.parse(line) as typeof ready);
        });
        server.once('exit', (code) => reject(new Error(`virtual-phone serve exited early with ${code}: ${stderr}`)));
    });
}, 90_000);

afterAll(async () => {
    if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT');
        await exited;
    }
    await rm(dir, { recursive: true, force: true });
});

async function waitFor(text: () => string, pattern: RegExp): Promise<void> {
    for (let i = 0; i < 300 && !pattern.test(text()); i++) await new Promise((r) => setTimeout(r, 100));
    expect(text()).toMatch(pattern);
}

const waitForLog = (pattern: RegExp): Promise<void> => waitFor(() => stderr, pattern);

describe('virtual-phone serve with faults', () => {
    it('names its faults in the ready line', () => {
        expect(ready).toMatchObject({ mode: 'download', faults: ['unplug-after-bytes=300000', 'battery=60'] });
    });

    it('pulls its cable after that many bytes of a flash, and the flashing tool says so', async () => {
        const image = join(dir, 'recovery.img');
        await writeFile(image, Buffer.alloc(2 * 1024 * 1024, 7));
        const flash = await run(process.execPath, ['bin/revive.js', 'odin', 'flash', '--RECOVERY', image, '--no-reboot', '--usbip', ready.usbip], { cwd: ROOT, timeout: 60_000 }).then(
            () => ({ code: 0, err: '' }),
            (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, err: error.stderr ?? '' }),
        );
        expect(flash.code).not.toBe(0);
        expect(flash.err).toMatch(/disconnect|unplug|cable|gone|left/i);
        await waitForLog(/injected fault: unplug after bytes/);
    });

    it('does what its owner types on stdin', async () => {
        server.stdin!.write('replug\n');
        await waitForLog(/owner: cable plugged back in/);
        server.stdin!.write('fail-next=nothing\n');
        await waitForLog(/owner: .*is not a fault/);
        server.stdin!.write('recovery\n');
        await waitForLog(/owner: holding the keys for recovery/);
    });

    it('reports the battery it was given (battery=N) once it is in recovery', async () => {
        await waitForLog(/owner: holding the keys for recovery/);
        let level = '';
        for (let attempt = 0; attempt < 30 && level === ''; attempt++) {
            level = await run(process.execPath, ['bin/revive.js', 'adb', 'shell', 'cat', '/sys/class/power_supply/battery/capacity', '--usbip', ready.usbip], { cwd: ROOT, timeout: 60_000 }).then(
                (done) => done.stdout.trim(),
                () => '',
            );
            if (level === '') await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        expect(level).toBe('60');
    }, 120_000);

    it('refuses an unknown fault before serving', async () => {
        const refused = await run(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'download', '--fault', 'explode=1'], { cwd: ROOT, timeout: 60_000 }).then(
            () => ({ code: 0, err: '' }),
            (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, err: error.stderr ?? '' }),
        );
        expect(refused.code).toBe(2);
        expect(refused.err).toMatch(/there is no fault called explode/);
    });
});

describe('virtual-phone serve with a refused flash and a stall', () => {
    let phone: ChildProcess;
    let address = '';
    let log = '';

    beforeAll(async () => {
        phone = spawn(process.execPath, ['bin/revive.js', 'virtual-phone', 'serve', '--model', 'ks01ltexx', '--mode', 'download', '--usbip-port', '0', '--state-dir', join(dir, 'phone2'), '--fault', 'fail-next=flash', '--fault', 'stall-after-bytes=400000', '--person', 'stdin'], {
            cwd: ROOT,
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        phone.stderr!.on('data', (chunk: Buffer) => void (log += chunk.toString()));
        const line = await new Promise<{ usbip: string; faults: string[] }>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('virtual-phone serve printed no ready line within 60 s')), 60_000);
            createInterface({ input: phone.stdout! }).once('line', (text) => {
                clearTimeout(timer);
                resolve(JSON.parse(text) as { usbip: string; faults: string[] });
            });
            phone.once('exit', (code) => reject(new Error(`virtual-phone serve exited early with ${code}: ${log}`)));
        });
        expect(line.faults).toEqual(['fail-next=flash', 'stall-after-bytes=400000']);
        address = line.usbip;
    }, 90_000);

    afterAll(async () => {
        if (phone.exitCode !== null) return;
        const exited = new Promise((resolve) => phone.once('exit', resolve));
        phone.kill('SIGINT');
        await exited;
    });

    const flash = async (): Promise<{ code: number; err: string }> => {
        const image = join(dir, 'recovery2.img');
        await writeFile(image, Buffer.alloc(2 * 1024 * 1024, 9));
        // The stall shows once download mode leaves the flash unanswered: the real 15-30 s unless
        // REVIVE_ODIN_ANSWER_MS sets it; the virtual phone answers in milliseconds, 5 s keep the margin.
        const env = { ...process.env, REVIVE_ODIN_ANSWER_MS: '5000' };
        return run(process.execPath, ['bin/revive.js', 'odin', 'flash', '--RECOVERY', image, '--no-reboot', '--usbip', address], { cwd: ROOT, timeout: 120_000, env }).then(
            () => ({ code: 0, err: '' }),
            (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, err: error.stderr ?? '' }),
        );
    };

    it('refuses the next flash once (fail-next=flash), then stalls the one after (stall-after-bytes)', async () => {
        const refused = await flash();
        expect(refused.code).not.toBe(0);
        await waitFor(() => log, /download: FAIL flash refused \(injected fault\)/);
        const stalled = await flash();
        expect(stalled.code).not.toBe(0);
        expect(stalled.err).toMatch(/time|answer|respond|stall/i);
    }, 180_000);

});
