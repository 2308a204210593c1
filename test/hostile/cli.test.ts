/**
 * Hostile command lines: any mix of the commands' words, options and odd values ends, within a
 * bounded time, in a result or a clear message with an exit status; never a stack trace. Device
 * commands point at nothing that answers (closed ports, no USB), so no phone is touched.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../electron/cli.js';
import { bounded, property, SEED, tried } from './harness.js';

let home: string;
let previous: string | undefined;
beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'revive-hostile-cli-'));
    previous = process.env['REVIVE_HOME'];
    process.env['REVIVE_HOME'] = home;
});
afterAll(() => {
    if (previous === undefined) delete process.env['REVIVE_HOME'];
    else process.env['REVIVE_HOME'] = previous;
    rmSync(home, { recursive: true, force: true });
    console.info(`hostile command lines: ${tried.count} inputs, seed ${SEED}`);
});

// Commands that finish by themselves; `virtual-phone serve`, `devices --watch`, `demo` and `upgrade`
// run until stopped or for long by design and are tested elsewhere.
const COMMANDS = [['pit', 'print'], ['odin', 'flash'], ['odin', 'print-pit'], ['odin', 'reboot'], ['fastboot', 'getvar'], ['fastboot', 'flash'], ['fastboot', 'erase'], ['fastboot', 'set-active'], ['adb', 'shell'], ['adb', 'devices'], ['help'], ['nosuch']];
const WORDS = ['--tar', '--RECOVERY', '--BOOT', '--pit', '--repartition', '--no-reboot', '--resume', '--slot', 'a', 'b', 'all', 'c', '-s', 'tcp:127.0.0.1:1', 'usbip:127.0.0.1:1', 'tcp:host:notaport', 'usbip:', '--usbip', '127.0.0.1:1', '--virtual', 'nosuchphone', '/dev/zero', '/proc', '/nonexistent/file', '', '--', '-', '--=x', '--RECOVERY=', 'boot', 'product', '\u0000', 'é', '../../..'];

describe('hostile command lines', () => {
    it('every command line ends with an exit status and a message, never a stack trace', async () => {
        await property(fc.tuple(fc.constantFrom(...COMMANDS), fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 12 })), { maxLength: 6 })), async ([command, rest]) => {
            let err = '';
            const outcome = await bounded(() => main([...command, ...rest], { out: () => undefined, err: (t) => void (err += t), interactive: false, signal: new AbortController().signal }), 20_000);
            expect('value' in outcome, String('error' in outcome ? outcome.error : '')).toBe(true);
            if (!('value' in outcome)) return;
            expect([0, 1, 2]).toContain(outcome.value);
            if (outcome.value !== 0) expect(err.length).toBeGreaterThan(10);
            expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
            expect(err).not.toMatch(/TypeError|RangeError|undefined|NaN|\[object Object\]/);
        }, 60);
    });
});

describe('device words for adb', () => {
    it('adb -s tcp:host:notaport is refused as malformed, never looked for on local USB', async () => {
        for (const words of [['-s', 'tcp:host:notaport'], ['-s', 'usbip:host:99999'], ['-s', 'usb:1-4']]) {
            let err = '';
            const status = await main(['adb', 'shell', ...words, 'echo', 'hi'], { out: () => undefined, err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
            expect(status, err).not.toBe(0);
            expect(err).toContain(words[1]);
            expect(err).not.toMatch(/getDevices|\/sys\/bus|Check the cable/);
        }
    });
});
