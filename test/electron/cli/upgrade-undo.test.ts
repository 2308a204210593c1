/**
 * An upgrade can be undone: `revive upgrade --backup-to DIR --passphrase-file F` writes its backup
 * through the backup engine into one age archive, and `revive restore` of that archive gives back
 * every partition and file of the virtual Galaxy S4 as it was before the upgrade, and its fingerprint.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { phoneSnapshot } from '../../support/phone-snapshot.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { tempHome } from '../../support/temp-home.js';
import { filledPhone } from '../../support/backup-phones.js';

const PASS = 'juniper kettle orbit seventeen';
const temp = tempHome('revive-upgrade-undo-');
let demo: DemoPackages;

beforeAll(async () => {
    writeFileSync(join(temp.dir, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
    demo = await generateDemoPackages(join(temp.dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 256 * 1024 });
});

const snapshot = phoneSnapshot;

describe('undoing an upgrade of a virtual Galaxy S4 with revive restore', () => {
    it('gives back every partition and file as before the upgrade, and the fingerprint', async () => {
        const stateDir = join(temp.dir, 'phone');
        await filledPhone('ks01ltexx', stateDir, 'android');
        const before = snapshot(stateDir);

        const backups = join(temp.dir, 'backups');
        const upgraded = await runCli(['upgrade', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--recovery', demo.recovery, '--rom', demo.rom, '--backup-to', backups, '--passphrase-file', join(temp.dir, 'pass.txt'), '--yes', '--home', temp.home]);
        expect(upgraded.code, upgraded.err + upgraded.out).toBe(0);
        // The full backup (beside it, internal storage copied from Android before anything, in an archive of its own).
        const archive = readdirSync(backups).find((name) => name.endsWith('.tar.age') && !name.endsWith('-storage.tar.age')) ?? '';
        expect(statSync(join(backups, archive.replace(/\.tar\.age$/, '-storage.tar.age'))).mode & 0o777).toBe(0o600);
        expect(statSync(join(backups, archive)).mode & 0o777).toBe(0o600);
        // A passphrase was given: no key file is made.
        expect(readdirSync(backups).filter((name) => name.endsWith('.key'))).toEqual([]);
        const after = snapshot(stateDir);
        expect(after.fingerprint).not.toBe(before.fingerprint);

        // The person starts TWRP (it stays in recovery after the upgrade) and restores.
        const inTwrp = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir, mode: 'recovery', owner: 'accept', enumerationDelayMs: 20 });
        await inTwrp.close();
        const restored = await runCli(['restore', join(backups, archive), '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--passphrase-file', join(temp.dir, 'pass.txt'), '--yes', '--json', '--wait', '120']);
        expect(restored.code, restored.err).toBe(0);
        // With --json the wait for Android to come back is a `log` line, bounded by --wait; the result is the last line.
        const lines = restored.out.trim().split('\n').map((line) => JSON.parse(line) as { type?: string; note?: { code: string; facts: Record<string, unknown> }; fingerprint?: string; fingerprintChecked?: boolean });
        expect(lines.filter((l) => l.type === 'log').map((l) => l.note)).toEqual([{ code: 'waiting-for-phone', facts: { seconds: 120, mode: 'android' } }]);
        expect(lines.at(-1)).toMatchObject({ fingerprint: before.fingerprint, fingerprintChecked: true });
        const undone = snapshot(stateDir);
        expect(undone.fingerprint).toBe(before.fingerprint);
        // TWRP stays in the recovery partition: the backup is taken from it, after it was written.
        const { 'RECOVERY.img': recoveryNow, ...partitions } = undone.partitions;
        const { 'RECOVERY.img': recoveryBefore, ...partitionsBefore } = before.partitions;
        expect(recoveryNow).not.toBe(recoveryBefore);
        expect(partitions).toEqual(partitionsBefore);
        expect(undone.files).toEqual(before.files);
    });
});
