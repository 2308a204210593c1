import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../native/jobs/events.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeBench } from './helpers.js';
import { runCli } from '../../support/run-cli.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-cli-upgrade-', romBytes: 256 * 1024 });

const cli = runCli;

/** The backup's passphrase, in a file as --passphrase-file reads it (never on argv). */
const passFile = (): string => {
    const path = join(bench.dir, 'pass.txt');
    if (!existsSync(path)) writeFileSync(path, 'juniper kettle orbit seventeen\n', { mode: 0o600 });
    return path;
};

/** Every file below `dir`, relative. */
const filesBelow = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

describe('revive upgrade and revive bench.demo', () => {
    it('upgrades virtual:ks01ltexx with --json and exits 0 once the new system answered', async () => {
        const stateDir = join(bench.dir, 'phone');
        const result = await cli([
            'upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir,
            '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--gapps', bench.demo.gapps, '--su', bench.demo.su,
            '--backup-to', join(bench.dir, 'backup'), '--passphrase-file', passFile(), '--yes', '--json', '--home', bench.home,
        ]);
        // stdout is the JSON events; stderr holds only the passphrase's strength rating.
        expect(result.err).toMatch(/^Passphrase strength: [\w-]+ \(\d\/4\)\n( {2}- .*\n)*$/);
        expect(result.code, result.out.slice(-1500)).toBe(0);
        const events = result.out.trim().split('\n').map((line) => JSON.parse(line) as JobEvent);
        expect(events[0]?.type).toBe('started');
        expect(events.at(-1)?.type).toBe('done');
        expect(events.some((e) => e.type === 'progress')).toBe(true);
        const state = phoneState(stateDir);
        expect(state.mode).toBe('android');
        expect(state.installed).toHaveLength(3);
    });

    it('exits non-zero with the reason when the gate refuses, and without --yes does not erase', async () => {
        const rom = join(bench.dir, 'lineage-15.1-20180915-UNOFFICIAL-ks01ltexx.zip');
        await copyFile(bench.demo.rom, rom);
        const refused = await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', join(bench.dir, 'phone2'), '--recovery', bench.demo.recovery, '--rom', rom, '--passphrase-file', passFile(), '--home', bench.home]);
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/not the file it claims to be/);
        expect(refused.err).toMatch(/What to do: Do not use this file/);

        const stateDir = join(bench.dir, 'phone3');
        const unanswered = await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--gapps', bench.demo.gapps, '--su', bench.demo.su, '--backup-to', join(bench.dir, 'backup3'), '--passphrase-file', passFile(), '--home', bench.home]);
        expect(unanswered.code).toBe(1);
        expect(unanswered.err).toMatch(/Run with --yes/);
        expect(phoneState(stateDir).installed).toEqual([]);
    });

    it('refuses a backup with nothing to lock it, off a terminal, before touching the phone; no key is written anywhere', async () => {
        const stateDir = join(bench.dir, 'phone-unlocked');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        await phone.close();
        const before = phoneState(stateDir);
        const home = join(bench.dir, 'home-unlocked');
        const backupTo = join(bench.dir, 'backup-unlocked');
        for (const extra of [['--yes', '--json'], []]) {
            const refused = await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--backup-to', backupTo, '--home', home, ...extra]);
            expect(refused.code).toBe(1);
            expect(refused.err).toMatch(/Neither was given, and there is no terminal to ask for a passphrase, so nothing was done to the phone/);
            expect(refused.err).toMatch(/Add --passphrase-file F .* or --recipient age1…/);
            expect(refused.out).toBe('');
        }
        // The phone as it was: same mode, not one write to a partition; no job, no backup folder, no key.
        expect(phoneState(stateDir)).toEqual(before);
        expect(existsSync(backupTo)).toBe(false);
        expect(existsSync(join(home, 'jobs'))).toBe(false);
        expect(filesBelow(bench.dir).filter((f) => f.endsWith('.key'))).toEqual([]);
    });

    it('refuses usage mistakes with exit status 2', async () => {
        expect((await cli(['upgrade', '--rom', bench.demo.rom])).code).toBe(2);
        expect((await cli(['upgrade', '--device', 'virtual:ks01ltexx', '--recovery', bench.demo.recovery, '--rom', bench.demo.rom, '--no-backup', '--backup-to', bench.dir])).code).toBe(2);
    });

    it('revive bench.demo runs the whole upgrade and prints the report', async () => {
        const result = await cli(['demo', '--dir', join(bench.dir, 'demo'), '--rom-mib', '1']);
        expect(result.code, `${result.err}\n${result.out.slice(-1500)}`).toBe(0);
        expect(result.out).toMatch(/Done\. The Samsung Galaxy S4 LTE-A now runs Android 8\.1\.0/);
        expect(result.out).toMatch(/DEMO/);
        expect(phoneState(join(bench.dir, 'demo', 'phone')).installed).toHaveLength(3);
        // The demo's backup is locked for a key that lived only in the process: none is left anywhere.
        expect(readdirSync(join(bench.dir, 'demo', 'backup')).filter((f) => f.endsWith('.tar.age')).sort()).toEqual([expect.stringMatching(/-storage\.tar\.age$/), expect.stringMatching(/\d\.tar\.age$/)]);
        expect(filesBelow(join(bench.dir, 'demo')).filter((f) => f.endsWith('.key'))).toEqual([]);
    });
});
