/**
 * A virtual Galaxy S4 with Samsung's stock recovery: a backup or a restore needs TWRP, which the job
 * writes to the recovery partition (Odin, download mode) only after the person agreed, and then
 * starts straight away by the recovery key combination. While the KNOX fuse is intact the job knows
 * the recovery is Samsung's before restarting anything; once it is blown, the stock recovery shows
 * itself by its silence (no adb) after `reboot recovery`, and a refusal then puts the phone back into
 * Android. Without the TWRP image, or with a "no", nothing is written to the phone.
 * Backup → upgrade (stock recovery back) → restore is asserted from the phone's state. Over adb
 * TCP, where download mode cannot be reached, the job refuses before the question (use a cable);
 * with the fuse blown only the restart shows the stock recovery, which is on no network: the
 * refusal then says whether the phone is back in Android or still waits in that recovery's menu.
 * Over USB a "no" with nobody at the phone to leave that menu says so too.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { openRecoveryImage } from '../../../native/integrity/recovery-image.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { filledPhone, upgradeAway } from '../../support/backup-phones.js';
import { phoneSnapshot, type PhoneSnapshot } from '../../support/phone-snapshot.js';
import { main } from '../../../electron/cli.js';
import { runCli, type CliRun } from '../../support/run-cli.js';

const PASS = 'juniper kettle orbit seventeen';
let dir: string;
let demo: DemoPackages;
let stateDir: string;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-stock-recovery-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    writeFileSync(join(dir, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 64 * 1024 });
    stateDir = join(dir, 's4');
    await filledPhone('ks01ltexx', stateDir, 'android');
    await withStockRecovery();
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

const state = (): { mode: string; extra: Record<string, unknown> } => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { mode: string; extra: Record<string, unknown> };
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Samsung's firmware as it leaves the factory (or as an upgrade to stock puts it back): its own recovery, the phone in Android. */
async function withStockRecovery(): Promise<void> {
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
    await phone.partitions.write('RECOVERY', 0, Buffer.from('SEANDROIDENFORCE stock recovery'));
    phone.state.extra['recovery'] = 'stock';
    await phone.saveState();
    await phone.close();
}

/** The TWRP image's bytes as they land in the recovery partition (the image itself, or the recovery.img of an Odin tar). */
async function twrpBytesSha(): Promise<string> {
    const opened = await openRecoveryImage(demo.recovery, {});
    const chunks: Buffer[] = [];
    for await (const chunk of opened.bytes()) chunks.push(Buffer.from(chunk as Uint8Array));
    return sha(Buffer.concat(chunks));
}

function unchanged(before: PhoneSnapshot, after: PhoneSnapshot): void {
    expect(after.writeCounts).toEqual(before.writeCounts);
    expect(after.partitions).toEqual(before.partitions);
    expect(after.files).toEqual(before.files);
}

const backupArgs = (to: string, json = true): string[] => ['backup', 'create', '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--to', join(dir, to), '--passphrase-file', join(dir, 'pass.txt'), ...(json ? ['--json'] : [])];
/** A run that meets the silent stock recovery waits REVIVE_TWRP_ANSWER_MS (the real minute unless set), bounded by --wait. */
const SHORT_WAIT = ['--wait', '15'];
// Samsung's recovery never answers adb, however long it is given: a virtual phone's TWRP would
// answer within milliseconds, so 3 s of silence tell it here as the real minute does on a real phone.
process.env['REVIVE_TWRP_ANSWER_MS'] = '3000';

describe('a Galaxy S4 with its stock recovery', () => {
    it('without the TWRP image: a plain refusal, nothing written', async () => {
        const before = phoneSnapshot(stateDir);
        const run = await runCli(backupArgs('none'));
        expect(run.code).toBe(1);
        expect(run.err).toMatch(/still has Samsung's own recovery.*not given the TWRP image/s);
        expect(run.err).toContain('--recovery FILE');
        // Decided before any restart (the KNOX fuse is intact): the phone never left Android, nothing was waited for.
        expect(run.out).not.toContain('waiting-for-phone');
        unchanged(before, phoneSnapshot(stateDir));
        expect(state()).toMatchObject({ mode: 'android', extra: { recovery: 'stock' } });
    });

    it('the question answered no (nobody at a terminal, no --yes): nothing written', async () => {
        const before = phoneSnapshot(stateDir);
        const run = await runCli([...backupArgs('declined'), '--recovery', demo.recovery]);
        expect(run.code).toBe(1);
        expect(run.err).toContain('Write TWRP to the RECOVERY partition?');
        expect(run.err).toMatch(/Nothing else on the phone changes: photos, apps and their data stay/);
        expect(run.err).toMatch(/chose not to write TWRP to the RECOVERY partition/);
        expect(run.out).not.toContain('waiting-for-phone');
        unchanged(before, phoneSnapshot(stateDir));
        expect(state()).toMatchObject({ mode: 'android', extra: { recovery: 'stock' } });
    });

    it('with a yes: TWRP is written to RECOVERY and started; backup → upgrade → restore gives every byte back', async () => {
        const before = phoneSnapshot(stateDir);
        const made = await runCli([...backupArgs('backups'), '--recovery', demo.recovery, '--yes']);
        expect(made.code, made.err).toBe(0);
        const backup = JSON.parse(made.out.trim().split('\n').at(-1) ?? '{}') as { path: string; twrpWay: string };
        expect(backup.twrpWay).toBe('odin-flash');
        const twrp = await twrpBytesSha();
        let now = phoneSnapshot(stateDir);
        // Only the recovery partition changed: it holds TWRP, which ran (so Android keeps it from now on).
        expect(now.partitions['RECOVERY.img']).toBe(twrp);
        expect({ ...now.partitions, 'RECOVERY.img': '' }).toEqual({ ...before.partitions, 'RECOVERY.img': '' });
        expect(now.files).toEqual(before.files);
        expect(Object.keys(now.writeCounts).filter((k) => now.writeCounts[k] !== before.writeCounts[k])).toEqual(['RECOVERY']);
        // Writing TWRP blew the KNOX fuse for good: from now on only a restart can show what the recovery is.
        expect(state()).toMatchObject({ mode: 'android', extra: { recovery: 'twrp', knox: 'tripped' } });

        // An upgrade gone wrong that put Samsung's stock firmware back: another system and its own recovery.
        await upgradeAway('ks01ltexx', stateDir);
        await withStockRecovery();
        expect(phoneSnapshot(stateDir).fingerprint).not.toBe(before.fingerprint);
        const restored = await runCli(['restore', backup.path, '--device', 'virtual:ks01ltexx', '--virtual-state', stateDir, '--passphrase-file', join(dir, 'pass.txt'), '--recovery', demo.recovery, '--yes', ...SHORT_WAIT]);
        expect(restored.code, restored.err).toBe(0);
        // The person is told, with the phone's key combinations, to go to download mode and then straight into TWRP.
        const err = restored.err;
        // The fuse is blown: the phone was restarted into its recovery, which answered nothing.
        expect(err).toMatch(/The phone left for its recovery, but no TWRP answered within 3 s/);
        expect(err.indexOf('no TWRP answered')).toBeLessThan(err.indexOf('Write TWRP to the RECOVERY partition?'));
        expect(err).toContain('Write TWRP to the RECOVERY partition?');
        expect(err).toMatch(/Now the phone must go into download mode\. Switch the phone off\. Hold Volume Down, Home and Power/);
        expect(err).toMatch(/Now start TWRP straight away, without letting the old system start\. Hold Volume Up, Home and Power/);
        expect(err.indexOf('> Check every part of the backup')).toBeLessThan(err.indexOf('Write TWRP to the RECOVERY partition?'));
        expect(err).toContain('written to the recovery partition (the person agreed) and started');
        expect(restored.out).toContain(`The phone started and reports the backed-up system: ${before.fingerprint}`);
        now = phoneSnapshot(stateDir);
        expect(now.fingerprint).toBe(before.fingerprint);
        expect(now.partitions['RECOVERY.img']).toBe(twrp);
        // EFS comes back only with --with-efs (the upgrade overwrote it); everything else is as backed up.
        expect({ ...now.partitions, 'RECOVERY.img': '', 'EFS.img': '' }).toEqual({ ...before.partitions, 'RECOVERY.img': '', 'EFS.img': '' });
        const { ['data/media/0/new-phone.txt']: added, ...files } = now.files;
        expect(added).toBeDefined();
        expect(files).toEqual(before.files);
        expect(state().extra['recovery']).toBe('twrp');
    }, 300_000);

    it('once the fuse is blown, a "no" after the restart puts the phone back into Android, nothing written', async () => {
        await withStockRecovery();
        expect(state().extra['knox']).toBe('tripped');
        const before = phoneSnapshot(stateDir);
        const run = await runCli([...backupArgs('declined-after-restart', false), '--recovery', demo.recovery, ...SHORT_WAIT]);
        expect(run.code).toBe(1);
        expect(run.err).toMatch(/no TWRP answered within 3 s/);
        expect(run.err).toContain('Write TWRP to the RECOVERY partition?');
        // The person is led out of the stock recovery by its own menu; the virtual owner does it.
        expect(run.err).toContain("move to 'reboot system now' with the volume keys and press Power");
        expect(run.err).toMatch(/chose not to write TWRP to the RECOVERY partition/);
        expect(run.err).not.toContain("still in its recovery's menu");
        unchanged(before, phoneSnapshot(stateDir));
        expect(state()).toMatchObject({ mode: 'android', extra: { recovery: 'stock' } });
    }, 180_000);

    it('over USB with the fuse blown and nobody at the phone, a "no" after the restart says it waits in its stock recovery menu and how to leave it; nothing written', async () => {
        const usbState = join(dir, 's4-usb-blown');
        await filledPhone('ks01ltexx', usbState, 'android');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir: usbState, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
        // On USB/IP nobody presses the phone's keys: the instruction to leave the recovery menu goes unanswered.
        const server = await UsbIpServer.start({ port: 0 });
        server.export(phone, '1-1');
        try {
            phone.state.extra['recovery'] = 'stock';
            phone.state.extra['knox'] = 'tripped';
            const writes = (): Record<string, number> => Object.fromEntries(phone.partitions.names().map((n) => [n, phone.partitions.writeCount(n)]));
            const before = writes();
            // No --yes and no terminal: the question is answered no.
            const run = await runCli(['backup', 'create', '--device', `usbip:${server.address}/1-1`, '--to', join(dir, 'usb-blown-backups'), '--passphrase-file', join(dir, 'pass.txt'), '--recovery', demo.recovery, ...SHORT_WAIT]);
            expect(run.code).toBe(1);
            expect(run.err).toMatch(/no TWRP answered within 3 s/);
            expect(run.err).toContain('Write TWRP to the RECOVERY partition?');
            expect(run.err).toContain("move to 'reboot system now' with the volume keys and press Power");
            expect(run.err).toContain("You chose not to write TWRP to the RECOVERY partition, so the phone cannot be backed up or restored now. The phone is still in its recovery's menu (Samsung's own recovery, which shows nothing on USB) and stays there until someone at the phone leaves it.");
            expect(run.err).toMatch(/What to do: Nothing was written to the phone\. At the phone, choose 'reboot system now' in the recovery menu \(the volume keys move, Power chooses\)\. Then start again/);
            expect(writes()).toEqual(before);
            // Where the refusal says it is: in its recovery, on no bus.
            expect(phone.mode).toBe('recovery');
            expect(phone.openProtocolConnection()).toBeUndefined();
            expect(phone.state.extra).toMatchObject({ recovery: 'stock', knox: 'tripped' });
        } finally {
            await server.close();
            await phone.close();
        }
    }, 180_000);

    it('over adb TCP with the fuse intact: refused before the question and any restart, saying to use a USB cable; nothing written', async () => {
        const tcpState = join(dir, 's4-tcp');
        await filledPhone('ks01ltexx', tcpState, 'android');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir: tcpState, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
        const endpoint = await startAdbTcpEndpoint(phone, 0);
        try {
            phone.state.extra['recovery'] = 'stock';
            const writes = (): Record<string, number> => Object.fromEntries(phone.partitions.names().map((n) => [n, phone.partitions.writeCount(n)]));
            const before = writes();
            const device = `tcp:127.0.0.1:${endpoint.port}`;
            // --yes: a question would be answered yes, and the refusal used to come only then (at the restart into download mode).
            const run = await runCli(['backup', 'create', '--device', device, '--to', join(dir, 'tcp-backups'), '--passphrase-file', join(dir, 'pass.txt'), '--recovery', demo.recovery, '--yes', ...SHORT_WAIT]);
            expect(run.code).toBe(1);
            expect(run.err).toContain(`Over TCP (${device}) Revive reaches the phone only while it runs Android or TWRP; this step needs it in download mode`);
            expect(run.err).toMatch(/What to do: Connect the phone with a USB cable/);
            expect(run.err).not.toContain('Write TWRP to the RECOVERY partition?');
            expect(run.out).not.toContain('waiting-for-phone');
            expect(writes()).toEqual(before);
            expect(phone.mode).toBe('android');
            expect(phone.state.extra['recovery']).toBe('stock');
        } finally {
            await endpoint.close();
            await phone.close();
        }
    }, 180_000);

    /** A Galaxy S4 served over adb TCP alone, its recovery Samsung's own and its KNOX fuse blown (TWRP was written once, then the stock firmware put back). */
    async function blownFuseOverTcp(name: string): Promise<{ phone: VirtualPhone; device: string; writes: () => Record<string, number>; close: () => Promise<void> }> {
        const tcpState = join(dir, name);
        await filledPhone('ks01ltexx', tcpState, 'android');
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', stateDir: tcpState, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
        const endpoint = await startAdbTcpEndpoint(phone, 0);
        phone.state.extra['recovery'] = 'stock';
        phone.state.extra['knox'] = 'tripped';
        const writes = (): Record<string, number> => Object.fromEntries(phone.partitions.names().map((n) => [n, phone.partitions.writeCount(n)]));
        const close = async (): Promise<void> => {
            await endpoint.close();
            await phone.close();
        };
        return { phone, device: `tcp:127.0.0.1:${endpoint.port}`, writes, close };
    }

    const tcpBackupArgs = (device: string, to: string, wait = SHORT_WAIT): string[] => ['backup', 'create', '--device', device, '--to', join(dir, to), '--passphrase-file', join(dir, 'pass.txt'), '--recovery', demo.recovery, '--yes', ...wait];

    it('over adb TCP with the fuse blown and nobody at the phone: the refusal says it waits in its stock recovery menu and how to leave it; nothing written', async () => {
        const { phone, device, writes, close } = await blownFuseOverTcp('s4-tcp-blown');
        try {
            const before = writes();
            // Nobody leads the phone out of its recovery: the job waits all of --wait for a person before it
            // refuses. 6 s (above the 3 s of silence) is plenty for a virtual phone that moves in milliseconds.
            const run = await runCli(tcpBackupArgs(device, 'tcp-blown-backups', ['--wait', '6']));
            expect(run.code).toBe(1);
            // The blown fuse says nothing of the recovery (TWRP would answer over TCP): only the restart shows it.
            expect(run.err).toMatch(/no TWRP answered within 3 s/);
            expect(run.err).toContain("move to 'reboot system now' with the volume keys and press Power");
            expect(run.err).toContain(`Over TCP (${device}) Revive cannot reach the phone there, nor write TWRP: that needs download mode, which only a USB cable reaches`);
            expect(run.err).toContain("The phone is still in that recovery's menu and stays there until someone at the phone leaves it. Nothing was written to it.");
            expect(run.err).toMatch(/What to do: At the phone, choose 'reboot system now' in the recovery menu.*Then connect the phone with a USB cable/);
            expect(run.err).not.toContain('Write TWRP to the RECOVERY partition?');
            expect(writes()).toEqual(before);
            // Where the refusal says it is: in its recovery, on no bus (nothing answers over TCP).
            expect(phone.mode).toBe('recovery');
            expect(phone.openProtocolConnection()).toBeUndefined();
            expect(phone.state.extra).toMatchObject({ recovery: 'stock', knox: 'tripped' });
        } finally {
            await close();
        }
    }, 180_000);

    it('over adb TCP with the fuse blown and a person who leads the phone out of its recovery: refused with the phone back in Android; nothing written', async () => {
        const { phone, device, writes, close } = await blownFuseOverTcp('s4-tcp-blown-back');
        try {
            const before = writes();
            let out = '';
            let err = '';
            let led = false;
            // The person at the phone does what the instruction says, once it says it: "reboot system now" from the recovery menu.
            const onErr = (text: string): void => {
                err += text;
                if (!led && err.includes("move to 'reboot system now'")) {
                    led = true;
                    phone.pressKeys('android');
                }
            };
            const code = await main(tcpBackupArgs(device, 'tcp-blown-back-backups'), { out: (t) => void (out += t), err: onErr, interactive: false, signal: new AbortController().signal });
            const run: CliRun = { code, out, err };
            expect(led).toBe(true);
            expect(run.code).toBe(1);
            expect(run.err).toMatch(/no TWRP answered within 3 s/);
            expect(run.err).toContain(`Over TCP (${device}) Revive cannot write TWRP there: that needs download mode, which only a USB cable reaches. The phone is back in Android; nothing was written to it.`);
            expect(run.err).toMatch(/What to do: Connect the phone with a USB cable.*Revive then offers to write TWRP in download mode/);
            expect(run.err).not.toContain('Write TWRP to the RECOVERY partition?');
            expect(writes()).toEqual(before);
            expect(phone.mode).toBe('android');
            expect(phone.state.extra).toMatchObject({ recovery: 'stock', knox: 'tripped' });
        } finally {
            await close();
        }
    }, 180_000);
});
