/**
 * Virtual phones for the backup and restore tests: one filled with real content everywhere a backup
 * must reach (system, data, internal storage, EFS/persist), and what an upgrade gone wrong does to it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRecipe } from '../../native/manifests/load.js';
import type { PhoneMode } from '../../native/manifests/schema.js';
import { VirtualPhone } from '../../native/virtual/phone.js';

/** A phone in TWRP with real content everywhere a backup must reach. */
export async function filledPhone(codename: string, stateDir: string, mode: PhoneMode = 'recovery'): Promise<void> {
    const phone = await VirtualPhone.create({ codename, mode, stateDir, owner: 'accept', enumerationDelayMs: 20 });
    const recipe = requireRecipe(codename);
    const named = (twrpName: string): string => recipe.partitions.find((p) => p.twrpName === twrpName)?.name ?? twrpName;
    await phone.partitions.write(named('boot'), 0, randomBytes(256 * 1024));
    await phone.partitions.write(named('system'), 0, randomBytes(700 * 1024));
    await phone.partitions.write(named('data'), 4096, randomBytes(300 * 1024));
    await phone.partitions.write(statePartition(codename).name, 0, randomBytes(64 * 1024));
    const fs = (p: string): string => join(stateDir, 'fs', p);
    mkdirSync(fs('system/app/Phone'), { recursive: true });
    writeFileSync(fs('system/build.prop'), `ro.build.fingerprint=${phone.state.buildFingerprint}\n`);
    writeFileSync(fs('system/app/Phone/Phone.apk'), randomBytes(40_000));
    mkdirSync(fs('data/data/org.example.notes'), { recursive: true });
    writeFileSync(fs('data/data/org.example.notes/notes.db'), randomBytes(30_000));
    mkdirSync(fs('data/media/0/DCIM/Camera'), { recursive: true });
    writeFileSync(fs('data/media/0/DCIM/Camera/IMG_2026.jpg'), randomBytes(120_000));
    mkdirSync(fs('data/media/0/Download'), { recursive: true });
    writeFileSync(fs('data/media/0/Download/ticket.pdf'), randomBytes(9_000));
    await phone.saveState();
    await phone.close();
}

/** The phone's raw state partition (EFS on the S4, persist on the Nexus 6). */
export const statePartition = (codename: string): { name: string; twrpName: string } => {
    const part = requireRecipe(codename).partitions.find((p) => p.twrpName === 'efs' || p.twrpName === 'persist');
    if (!part?.twrpName) throw new Error(`${codename} has no state partition`);
    return { name: part.name, twrpName: part.twrpName };
};

/**
 * What an upgrade gone wrong does to the phone: new system, empty data and storage, another
 * fingerprint, and its state partition (EFS/persist) overwritten in full — a partition keeps its size —
 * the phone left running its new Android.
 */
export async function upgradeAway(codename: string, stateDir: string): Promise<void> {
    // The upgrade ends in the new Android.
    const phone = await VirtualPhone.create({ codename, stateDir, mode: 'android', owner: 'accept', enumerationDelayMs: 20 });
    const recipe = requireRecipe(codename);
    for (const p of recipe.partitions.filter((q) => ['boot', 'system', 'data'].includes(q.twrpName ?? ''))) {
        await phone.partitions.erase(p.name);
        await phone.partitions.write(p.name, 0, randomBytes(64 * 1024));
    }
    const state = statePartition(codename).name;
    await phone.partitions.write(state, 0, randomBytes(await phone.partitions.storedLength(state)));
    rmSync(join(stateDir, 'fs', 'system'), { recursive: true, force: true });
    rmSync(join(stateDir, 'fs', 'data'), { recursive: true, force: true });
    mkdirSync(join(stateDir, 'fs', 'data', 'media', '0'), { recursive: true });
    writeFileSync(join(stateDir, 'fs', 'data', 'media', '0', 'new-phone.txt'), 'hello');
    phone.state.buildFingerprint = `lineage/lineage_${codename}/${codename}:8.1.0/OPM7.181205.001/1:userdebug/test-keys`;
    phone.state.androidVersion = '8.1.0';
    // An upgrade unlocked the bootloader on the way (fastboot phones).
    phone.state.bootloaderLocked = false;
    await phone.saveState();
    await phone.close();
}

