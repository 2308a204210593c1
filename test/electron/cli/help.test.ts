/**
 * Help as power users ask for it: `--help`/`-h` after any command, a group's word alone or with
 * `--help`, `revive help GROUP`; and any command's option mistake answered with its usage, never
 * with the words for a failed phone.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli.js';

async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const status = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
    return { status, out, err };
}

describe('revive help', () => {
    it('prints a command\'s usage for --help or -h, anywhere among its options, and runs nothing', async () => {
        for (const argv of [['adb', 'push', '--help'], ['fastboot', 'flash', 'boot', '/nonexistent.img', '-h'], ['virtual-phone', 'serve', '--help'], ['devices', '-h']]) {
            const { status, out, err } = await run(...argv);
            expect(status, err).toBe(0);
            expect(out).toContain(`Usage: revive ${argv[0]} ${argv[0] === 'devices' ? '' : argv[1]}`.trimEnd());
            expect(err).toBe('');
        }
    });

    it('lists a group\'s commands for `revive GROUP --help` and `revive help GROUP`', async () => {
        for (const argv of [['fastboot', '--help'], ['help', 'fastboot'], ['backup', '-h']]) {
            const { status, out } = await run(...argv);
            expect(status).toBe(0);
            const group = argv[0] === 'help' ? argv[1] : argv[0];
            expect(out).toContain(`Usage: revive ${group} <command>`);
            expect(out).toMatch(new RegExp(`^  ${group} \\S+ +\\S`, 'm'));
            expect(out).not.toContain('pit print');
        }
    });

    it('answers a group word without a command, or with a wrong one, with the group\'s commands and status 2', async () => {
        for (const argv of [['fastboot'], ['fastboot', 'flsah']]) {
            const { status, out, err } = await run(...argv);
            expect(status).toBe(2);
            expect(out).toBe('');
            expect(err).toContain('fastboot flash');
        }
    });

    it('takes --help after `--` as a value, not as a request for help', async () => {
        const { status, err } = await run('backup', 'create', '--device', 'virtual:shamu', '--', '--help');
        expect(status).toBe(2);
        expect(err).toContain('Usage: revive backup create');
    });

    it('words an unknown option of every command as a usage mistake, not as a failed phone', async () => {
        for (const argv of [['devices', '--bogus'], ['virtual-phone', 'serve', '--bogus'], ['identify', '--bogus'], ['shop', 'purge', '--bogus']]) {
            const { status, err } = await run(...argv);
            expect(status, argv.join(' ')).toBe(2);
            expect(err).toContain(`revive ${argv.slice(0, -1).join(' ')}: Unknown option '--bogus'`);
            expect(err).not.toContain('Check the cable');
        }
    });
});
