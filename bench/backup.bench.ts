/**
 * Backup: 2 GiB of TWRP backup (data, split into .win000/.win001 as TWRP does past 1.5 GiB) copied
 * from the virtual phone over adb TCP into one encrypted archive (tar + age to an X25519 recipient,
 * the engine's copy path: adb sync → tar → ChaCha20-Poly1305 → disk), against Debian's `adb pull`
 * of the same TWRP folder, unencrypted, in the same run. `npx tsx bench/backup.bench.ts` runs it alone.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connectAdb } from '../native/adb/phone.js';
import { TWRP_BACKUP_ROOT, Twrp } from '../native/adb/twrp.js';
import { generateIdentity, parseRecipient } from '../native/backup/age/index.js';
import { BackupArchiveWriter } from '../native/backup/archive-writer.js';
import { deviceFacts } from '../native/backup/phone-backup.js';
import { listTree, readPhoneFile, withSync } from '../native/backup/phone-files.js';
import { startAdbRig } from './adb-rig.js';
import type { BenchResult } from './types.js';

const exec = promisify(execFile);
const GiB = 1024 * 1024 * 1024;

export async function run(): Promise<BenchResult[]> {
    const rig = await startAdbRig('backup', 'recovery');
    const { dir, phone, serial, keyStore, adb } = rig;
    try {
        const block = 4 * 1024 * 1024;
        for (let offset = 0; offset < 2 * GiB; offset += block) await phone.partitions.write('USERDATA', offset, randomBytes(block));
        const ours = await connectAdb({ host: '127.0.0.1', port: rig.port }, { keyStore });
        await new Twrp(ours).backup('D', 'bench');
        const remoteDir = `${TWRP_BACKUP_ROOT}/${phone.serial}/bench`;
        const facts = await deviceFacts(ours, phone.recipe);
        await exec('sync');

        const identity = generateIdentity();
        let started = performance.now();
        const archive = await BackupArchiveWriter.write({ folder: join(dir, 'ours'), fileName: 'bench.tar.age', recipients: [{ kind: 'x25519', publicKey: parseRecipient(identity.recipient) }] }, facts, (writer) =>
            withSync(ours, { activity: 'backup-copy' }, async (sync) => {
                for (const file of await listTree(sync, remoteDir)) await writer.addPart('twrp', file.rel, file.sizeBytes, readPhoneFile(sync, file.path));
            }),
        );
        const oursSeconds = (performance.now() - started) / 1000;
        const peakRssMB = process.resourceUsage().maxRSS / 1024;
        await ours.close();
        await rm(archive.path, { force: true });

        await adb(['connect', serial]);
        await adb(['-s', serial, 'wait-for-recovery']);
        started = performance.now();
        await adb(['-s', serial, 'pull', remoteDir, join(dir, 'pulled')]);
        const refSeconds = (performance.now() - started) / 1000;
        return [
            {
                name: 'backup: 2 GiB TWRP folder over TCP from the virtual phone into an encrypted archive',
                ours: { seconds: oursSeconds, peakRssMB },
                reference: { tool: 'adb 29 (Debian) pull, unencrypted', seconds: refSeconds },
                notes: `archive ${(archive.sizeBytes / GiB).toFixed(2)} GiB; the virtual phone runs in our process and reads from disk; peak RSS is the whole process (the phone's own tar of 2 GiB included)`,
            },
        ];
    } finally {
        await rig.close();
    }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    for (const result of await run()) console.log(JSON.stringify(result));
}
