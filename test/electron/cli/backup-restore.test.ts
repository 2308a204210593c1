/**
 * Acceptance on virtual phones, through the CLI: fill the phone (system, data, internal storage,
 * EFS/persist), back it up encrypted, "upgrade" it (everything replaced, EFS/persist overwritten,
 * another fingerprint), restore with --with-efs → every partition and file byte-identical and the
 * same fingerprint. Refusals (wrong passphrase, a cut-short archive, one flipped byte, another
 * model, EFS without its confirmation or with the wrong codename typed) write nothing to the phone.
 */
import { execSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { phoneSnapshot } from '../../support/phone-snapshot.js';
import { filledPhone, statePartition, upgradeAway } from '../../support/backup-phones.js';
import { formatIdentityFile, generateIdentity } from '../../../native/backup/age/index.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { tempHome } from '../../support/temp-home.js';

const temp = tempHome('revive-backup-cli-');
const PASS = 'juniper kettle orbit seventeen';

beforeAll(() => {
    writeFileSync(join(temp.dir, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
    writeFileSync(join(temp.dir, 'wrong.txt'), 'not the passphrase at all\n', { mode: 0o600 });
});

/** The mode the virtual phone was left in (state.json). */
const modeOf = (stateDir: string): string => (JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { mode: string }).mode;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const snapshot = phoneSnapshot;

async function backupOf(codename: string, stateDir: string, to: string): Promise<string> {
    const made = await runCli(['backup', 'create', '--device', `virtual:${codename}`, '--virtual-state', stateDir, '--to', to, '--passphrase-file', join(temp.dir, 'pass.txt'), '--json']);
    expect(made.code, made.err).toBe(0);
    return (JSON.parse(made.out) as { path: string }).path;
}

describe.each(['ks01ltexx', 'shamu'])('round trip on a virtual %s', (codename) => {
    it('backup → upgrade → restore gives back every partition, file and the fingerprint', async () => {
        const stateDir = join(temp.dir, `${codename}-phone`);
        await filledPhone(codename, stateDir);
        const before = snapshot(stateDir);
        const archive = await backupOf(codename, stateDir, join(temp.dir, `${codename}-backups`));
        expect(statSync(archive).mode & 0o777).toBe(0o600);
        expect(statSync(join(temp.dir, `${codename}-backups`)).mode & 0o777).toBe(0o700);
        // The backup left the phone as it was (TWRP's copy removed again).
        expect(snapshot(stateDir).files).toEqual(before.files);

        const verified = await runCli(['backup', 'verify', archive, '--passphrase-file', join(temp.dir, 'pass.txt'), '--json']);
        expect(verified.code, verified.err).toBe(0);
        const parts = (JSON.parse(verified.out) as { parts: { path: string }[] }).parts.map((p) => p.path);
        expect(parts).toEqual(expect.arrayContaining(['storage/DCIM/Camera/IMG_2026.jpg', 'storage/Download/ticket.pdf', `raw/${codename === 'shamu' ? 'persist' : 'efs'}.emmc.win`]));
        // TWRP's data backup leaves internal storage out: it is only under storage/.
        expect(parts.filter((p) => p.startsWith('twrp/data.'))).toHaveLength(2);

        await upgradeAway(codename, stateDir);
        expect(snapshot(stateDir).fingerprint).not.toBe(before.fingerprint);
        // The phone runs its new Android: the restore brings it to TWRP itself (adb reboot recovery).
        expect(modeOf(stateDir)).toBe('android');
        expect(snapshot(stateDir).partitions[`${statePartition(codename).name}.img`]).not.toBe(before.partitions[`${statePartition(codename).name}.img`]);
        const restored = await runCli(['restore', archive, '--device', `virtual:${codename}`, '--virtual-state', stateDir, '--passphrase-file', join(temp.dir, 'pass.txt'), '--with-efs', '--yes']);
        expect(restored.code, restored.err).toBe(0);
        expect(restored.err).toContain('TWRP 3.7.0_9-0: restarted into from Android.');
        // Every part was checked before the phone was even restarted.
        expect(restored.err.indexOf('> Check every part of the backup')).toBeLessThan(restored.err.indexOf('> Start TWRP'));
        expect(restored.out).toContain(`reports the backed-up system: ${before.fingerprint}`);
        expect(restored.out).toContain(`${statePartition(codename).twrpName}: written and read back from the phone`);
        const after = snapshot(stateDir);
        expect(after.fingerprint).toBe(before.fingerprint);
        expect(after.androidVersion).toBe(before.androidVersion);
        expect(after.partitions).toEqual(before.partitions);
        // The upgrade's new file in internal storage stays (restore adds, it does not delete storage).
        const { ['data/media/0/new-phone.txt']: added, ...files } = after.files;
        expect(added).toBeDefined();
        expect(files).toEqual(before.files);
    });
});

describe('refusals write nothing to the phone', () => {
    let archive: string;
    let stateDir: string;
    beforeAll(async () => {
        stateDir = join(temp.dir, 'refuse-phone');
        await filledPhone('ks01ltexx', stateDir);
        archive = await backupOf('ks01ltexx', stateDir, join(temp.dir, 'refuse-backups'));
    });

    /** Refused from Android: the archive is checked before the phone is restarted, so it is not even restarted. */
    async function refusedRestore(file: string, passFile = join(temp.dir, 'pass.txt'), onto = stateDir, codename = 'ks01ltexx', extra: readonly string[] = []): Promise<string> {
        const phone = await VirtualPhone.create({ codename, stateDir: onto, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
        await phone.close();
        const before = snapshot(onto);
        const result = await runCli(['restore', file, '--device', `virtual:${codename}`, '--virtual-state', onto, '--passphrase-file', passFile, '--yes', ...extra]);
        expect(result.code).toBe(1);
        expect(result.err).not.toContain('> Start TWRP');
        expect(modeOf(onto)).toBe('android');
        const after = snapshot(onto);
        expect(after.writeCounts).toEqual(before.writeCounts);
        expect(after.files).toEqual(before.files);
        expect(after.partitions).toEqual(before.partitions);
        return result.err;
    }

    it('a wrong passphrase', async () => {
        expect(await refusedRestore(archive, join(temp.dir, 'wrong.txt'))).toMatch(/passphrase does not open this backup/);
    });

    it('a cut-short archive, naming the part', async () => {
        const cut = join(temp.dir, 'cut.tar.age');
        writeFileSync(cut, readFileSync(archive).subarray(0, Math.floor(statSync(archive).size * 0.6)));
        expect(await refusedRestore(cut)).toMatch(/damaged in (twrp|raw|storage)\/\S+: .*cut short/);
    });

    it('one flipped byte, naming the part', async () => {
        const flipped = join(temp.dir, 'flipped.tar.age');
        const bytes = readFileSync(archive);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 1;
        writeFileSync(flipped, bytes);
        expect(await refusedRestore(flipped)).toMatch(/damaged in (twrp|raw|storage)\/\S+: .*bytes were changed/);
    });

    it('a backup of another model', async () => {
        const nexus = join(temp.dir, 'nexus-phone');
        await filledPhone('shamu', nexus);
        const other = await backupOf('shamu', nexus, join(temp.dir, 'nexus-backups'));
        // Both phones by the names people know them by (the backend names them from its recipes), not by model numbers.
        expect(await refusedRestore(other)).toContain('made on a Google Nexus 6 (shamu); this phone is a Samsung Galaxy S4 LTE-A (ks01ltexx). Nothing was written');
    });

    it('EFS named without --with-efs', async () => {
        expect(await refusedRestore(archive, undefined, undefined, undefined, ['--only', 'efs'])).toMatch(/efs can only be restored with --with-efs: .*Nothing was written/);
    });

    /** `revive restore … --with-efs` without --yes at a terminal (util-linux `script` makes the pseudo-terminal), `typed` typed at its prompt. */
    function restoreAtTerminal(typed: string, only: string): { status: number | null; output: string } {
        if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) throw new Error('This test needs script (apt-get install -y util-linux).');
        const words = ['node', 'bin/revive.js', 'restore', archive, '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--passphrase-file', join(temp.dir, 'pass.txt'), '--with-efs', '--only', only];
        const command = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
        const run = spawnSync('script', ['-qec', command, '/dev/null'], { input: `${typed}\n`, encoding: 'utf8', timeout: 300_000, env: { ...process.env, REVIVE_HOME: temp.home } });
        return { status: run.status, output: `${run.stdout}${run.stderr}` };
    }

    it('EFS at a terminal: the wrong codename typed writes nothing; the right one writes EFS and reads it back', async () => {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir, mode: 'recovery', owner: 'accept', enumerationDelayMs: 20 });
        const efs = await phone.partitions.read('EFS', 0, await phone.partitions.storedLength('EFS'));
        await phone.partitions.write('EFS', 0, randomBytes(efs.length));
        await phone.close();
        const before = snapshot(stateDir);

        const wrong = restoreAtTerminal('yes', 'efs');
        expect(wrong.output).toContain('Also write the EFS and modem partitions?');
        expect(wrong.output).toMatch(/Type ks01ltexx to write efs to this phone/);
        expect(wrong.output).toMatch(/not the phone's codename.*Nothing was written to the phone/s);
        expect(wrong.status).toBe(1);
        expect(snapshot(stateDir).writeCounts).toEqual(before.writeCounts);
        expect(snapshot(stateDir).partitions).toEqual(before.partitions);

        const right = restoreAtTerminal('ks01ltexx', 'efs');
        expect(right.output).toContain('efs: written and read back from the phone');
        expect(right.status).toBe(0);
        const after = snapshot(stateDir);
        expect(after.partitions['EFS.img']).toBe(sha(efs));
        // Only EFS was written: the other partitions and the files are as they were.
        expect({ ...after.partitions, 'EFS.img': '' }).toEqual({ ...before.partitions, 'EFS.img': '' });
        expect(after.files).toEqual(before.files);
        expect(Object.keys(after.writeCounts).filter((k) => after.writeCounts[k] !== before.writeCounts[k])).toEqual(['EFS']);
    });

    it('Debian age opens a backup made for a key: age -d -i | tar t', async () => {
        if (spawnSync('sh', ['-c', 'command -v age']).status !== 0) throw new Error('This test needs age (apt-get install -y age).');
        const identity = generateIdentity();
        writeFileSync(join(temp.dir, 'shop.key'), formatIdentityFile(identity), { mode: 0o600 });
        const made = await runCli(['backup', 'create', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--to', join(temp.dir, 'shop'), '--recipient', identity.recipient, '--identity', join(temp.dir, 'shop.key'), '--json']);
        expect(made.code, made.err).toBe(0);
        const listing = execSync(`age -d -i "${join(temp.dir, 'shop.key')}" "${(JSON.parse(made.out) as { path: string }).path}" | tar t`, { encoding: 'utf8' }).split('\n');
        expect(listing[0]).toBe('device.json');
        expect(listing).toEqual(expect.arrayContaining(['twrp/boot.emmc.win', 'twrp/boot.emmc.win.sha2', 'raw/efs.emmc.win', 'storage/DCIM/Camera/IMG_2026.jpg', 'manifest.json']));
    });
});

describe('a full disk on the computer during a backup', () => {
    it('ends in a clear error, removes the partial archive, and leaves the phone untouched', async () => {
        if (spawnSync('unshare', ['-rm', 'true']).status !== 0) throw new Error('This test needs unprivileged mount namespaces (unshare -rm, util-linux).');
        const stateDir = join(temp.dir, 'full-phone');
        await filledPhone('ks01ltexx', stateDir);
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        await phone.partitions.write('SYSTEM', 0, randomBytes(3 * 1024 * 1024));
        await phone.close();
        const before = snapshot(stateDir);
        const small = join(temp.dir, 'small-disk');
        mkdirSync(small);
        // The CLI as a person runs it, with its backup folder on a 2 MiB tmpfs only it can see.
        const run = spawnSync(
            'unshare',
            ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=2m tmpfs "$1" && node bin/revive.js backup create --device virtual:ks01ltexx --virtual-state "$2" --to "$1/backups" --passphrase-file "$3"; echo "left: $(ls -A "$1/backups")"', 'sh', small, stateDir, join(temp.dir, 'pass.txt')],
            { encoding: 'utf8', timeout: 300_000, env: { ...process.env, REVIVE_HOME: temp.home } },
        );
        expect(run.stderr).toMatch(/disk is full.*unfinished file was removed; nothing on the phone was changed/);
        expect(run.stdout.trim()).toBe('left:');
        const after = snapshot(stateDir);
        expect(after.files).toEqual(before.files);
        expect(after.partitions).toEqual(before.partitions);
        expect(after.writeCounts).toEqual(before.writeCounts);
    });
});
