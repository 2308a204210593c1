/**
 * Backup: 2 GiB of TWRP backup (data, split into .win000/.win001 as TWRP does past 1.5 GiB) copied
 * from the virtual phone over adb TCP into one encrypted archive (tar + age to an X25519 recipient,
 * the engine's copy path: adb sync → tar → SHA-256 per part → ChaCha20-Poly1305 → disk past the
 * page cache, the archive's SHA-256 on a thread of its own, fsync'd before it is named), against
 * Debian's `adb pull` of the same TWRP folder, unencrypted, in the same run. The phone is served by `revive
 * virtual-phone serve` in a process of its own, as a real phone is a device of its own, so both
 * sides are measured as clients of the same phone and our peak RSS is ours alone; the phone's own
 * CPU is shown for both. `npx tsx bench/backup.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AdbKeyStore } from '../native/adb/credentials.js';
import { connectAdb } from '../native/adb/phone.js';
import { TWRP_BACKUP_ROOT, Twrp } from '../native/adb/twrp.js';
import { generateIdentity, parseRecipient } from '../native/backup/age/index.js';
import { BackupArchiveWriter } from '../native/backup/archive-writer.js';
import { deviceFacts } from '../native/backup/phone-backup.js';
import { listTree, readPhoneFile, withSync } from '../native/backup/phone-files.js';
import { requireRecipe } from '../native/manifests/load.js';
import { VirtualPhone } from '../native/virtual/phone.js';
import { debianAdb } from './adb-rig.js';
import { phoneCpuSeconds, serve, stop } from './served-phone.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;

export async function run(): Promise<BenchResult[]> {
    const dir = await mkdtemp(join(tmpdir(), 'revive-bench-backup-'));
    const state = join(dir, 'phone');
    const { env, adb } = await debianAdb(dir);
    try {
        // The phone's data is written before it is served; then it runs in its own process.
        const filling = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', owner: 'accept', stateDir: state });
        const block = 4 * 1024 * 1024;
        for (let offset = 0; offset < 2 * GiB; offset += block) await filling.partitions.write('USERDATA', offset, randomBytes(block));
        await filling.close();
        const served = await serve(['--model', 'ks01ltexx', '--mode', 'recovery', '--state-dir', state, '--adb-port', '0', '--owner', 'accept'], env);
        try {
            const [host = '', port = ''] = (served.endpoints.adb ?? '').split(':');
            const keyStore = new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null });
            const ours = await connectAdb({ host, port: Number(port) }, { keyStore });
            await new Twrp(ours).backup('D', 'bench');
            const remoteDir = `${TWRP_BACKUP_ROOT}/${served.endpoints.serial}/bench`;
            const facts = await deviceFacts(ours, requireRecipe('ks01ltexx'));
            await exec('sync');

            const identity = generateIdentity();
            const loadBefore = loadavg()[0];
            let phoneCpu = phoneCpuSeconds(served);
            let started = performance.now();
            let streamed = 0;
            const cpu = process.cpuUsage();
            const archive = await BackupArchiveWriter.write({ folder: join(dir, 'ours'), fileName: 'bench.tar.age', recipients: [{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }] }, facts, (writer) =>
                withSync(ours, { activity: 'backup-copy' }, async (sync) => {
                    for (const file of await listTree(sync, remoteDir)) await writer.addPart('twrp', file.rel, file.sizeBytes, readPhoneFile(sync, file.path));
                    streamed = performance.now();
                }),
            );
            const oursSeconds = (performance.now() - started) / 1000;
            // The last bytes reach the disk (fsync) before the archive is named: adb pull does not wait for that.
            const finishSeconds = oursSeconds - (streamed - started) / 1000;
            const used = process.cpuUsage(cpu);
            const cpuSeconds = (used.user + used.system) / 1e6;
            const peakRssMB = process.resourceUsage().maxRSS / 1024;
            const oursPhoneCpu = phoneCpuSeconds(served) - phoneCpu;
            await ours.close();
            await rm(archive.path, { force: true });

            const serial = served.endpoints.adb ?? '';
            await adb(['connect', serial]);
            await adb(['-s', serial, 'wait-for-recovery']);
            phoneCpu = phoneCpuSeconds(served);
            started = performance.now();
            await adb(['-s', serial, 'pull', remoteDir, join(dir, 'pulled')]);
            const refSeconds = (performance.now() - started) / 1000;
            const refPhoneCpu = phoneCpuSeconds(served) - phoneCpu;
            await adb(['kill-server']).catch(() => undefined);
            return [
                {
                    name: 'backup: 2 GiB TWRP folder over TCP from the virtual phone into an encrypted archive',
                    ours: { seconds: oursSeconds, peakRssMB },
                    reference: { tool: 'adb 29 (Debian) pull, unencrypted', seconds: refSeconds },
                    notes: `archive ${(archive.sizeBytes / GiB).toFixed(2)} GiB; of our time ${finishSeconds.toFixed(1)} s after the last byte arrived (manifest, fsync, rename); our CPU ${cpuSeconds.toFixed(1)} s (all our threads: reading the phone and sealing, the archive's SHA-256, the writes); the phone runs in its own revive virtual-phone serve process and used ${oursPhoneCpu.toFixed(1)} s CPU for ours, ${refPhoneCpu.toFixed(1)} s for adb pull; load average ${loadBefore?.toFixed(1) ?? '?'} before, ${loadavg()[0]?.toFixed(1) ?? '?'} after, on ${cpus().length} cores`,
                },
            ];
        } finally {
            await stop(served);
        }
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
