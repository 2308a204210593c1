/** `revive virtual-phone serve` and `--virtual-state` end with a clear message instead of a silent exit or a hang. */
import { describe, expect, it } from 'vitest';
import { revive } from '../../support/run-cli.js';

describe('virtual phone command-line mistakes', () => {
    it('virtual-phone serve with no port says why it cannot run (it exited at once with status 13)', async () => {
        const result = await revive('virtual-phone', 'serve', '--model', 'shamu', '--mode', 'bootloader');
        expect(result.code).toBe(2);
        expect(result.err).toMatch(/Give at least one of --usbip-port N, --adb-port N or --fastboot-port N/);
    });

    it('--virtual-state under /proc is refused at once, naming the folder (a recursive mkdir hung there)', async () => {
        const result = await revive('odin', 'print-pit', '--virtual', 'gtaxllte', '--virtual-state', '/proc/revive-nonexistent/state');
        expect(result.code).toBe(1);
        expect(result.err).toMatch(/Cannot use \/proc\/revive-nonexistent\/state as the virtual phone's state folder: \/proc\/revive-nonexistent cannot be created/);
    });
});
