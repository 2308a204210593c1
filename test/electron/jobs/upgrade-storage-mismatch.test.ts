/**
 * The copy of internal storage before an unlock that wipes the phone (Pixel 3a, Nexus 6) is checked
 * file by file against the phone's own `sha256sum`. A photo an app is still writing while it is
 * copied (the virtual phone's change-after-pull fault) makes the two disagree: the job stops there,
 * naming the file, before the unlock question; nothing is written to the phone, and no archive
 * that could pass for the whole copy is left on the computer.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReviveError } from '../../../native/jobs/errors.js';
import { readJournal } from '../../../native/jobs/journal.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { ownerAction } from '../../../native/virtual/fault-words.js';
import { phoneState, totalWrites, upgradeBench, upgradeVirtual, type UpgradeBench } from './helpers.js';

const PHOTOS: Record<string, string> = { 'DCIM/Camera/IMG_0001.jpg': 'a photo of the cat', 'DCIM/Camera/IMG_0002.jpg': 'a photo of the dog', 'Download/ticket.pdf': 'a ticket' };
const STILL_WRITTEN = 'DCIM/Camera/IMG_0002.jpg';

const benches: ReadonlyArray<readonly [string, UpgradeBench]> = ['sargo', 'shamu'].map((codename) => [codename, upgradeBench(requireRecipe(codename), { prefix: `revive-storage-mismatch-${codename}-`, romBytes: 256 * 1024 })] as const);

describe('a photo that changes while it is copied before an unlock that wipes the phone', () => {
    it.each(benches)('%s: stops with storage-copy-mismatch before the unlock; the phone untouched, no archive left', async (codename, bench) => {
        const recipe = requireRecipe(codename);
        const phone = await bench.phone('phone');
        const storage = join(phone.stateDir, 'fs', 'data', 'media', '0');
        for (const [path, text] of Object.entries(PHOTOS)) {
            mkdirSync(join(storage, path, '..'), { recursive: true });
            writeFileSync(join(storage, ...path.split('/')), text);
        }
        // As a shop would type it on the phone's stdin: the camera is still writing this photo.
        ownerAction(phone, `change-after-pull=/sdcard/${STILL_WRITTEN}`);
        const backupTo = join(bench.dir, 'backups');
        const questions: string[] = [];
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, {
                home: bench.home,
                backupTo,
                answer: (request) => {
                    questions.push(request.id);
                    return true;
                },
            });
            expect(result.report).toBeUndefined();
            expect(result.error).toBeInstanceOf(ReviveError);
            const error = result.error as ReviveError;
            expect(error.code).toBe('storage-copy-mismatch');
            expect(error.details?.['name']).toBe(STILL_WRITTEN);
            const failed = result.events.at(-1);
            // Nothing was changed, so the job is started again rather than continued, and its words say so.
            expect(failed).toMatchObject({ type: 'failed', step: 'save-storage', error: { code: 'storage-copy-mismatch' }, resumable: false });
            expect(error.nextStep).toMatch(/start the upgrade again/);
            expect(error.nextStep).not.toMatch(/continue/);
            expect(readJournal(failed?.type === 'failed' ? join(bench.home, 'jobs', `${failed.jobId}.jsonl`) : '').at(-1)).toMatchObject({ t: 'end', outcome: 'failed' });
            // Never asked to unlock: the phone is as it was, every photo still on it.
            expect(questions).not.toContain('unlock');
            expect(phoneState(phone.stateDir).bootloaderLocked).toBe(true);
            expect(phone.mode).toBe('android');
            expect(totalWrites(phone)).toBe(0);
            for (const path of Object.keys(PHOTOS)) expect(existsSync(join(storage, ...path.split('/'))), path).toBe(true);
            // Nothing on the computer is named as a finished copy, and no half-written file is left either.
            expect(existsSync(backupTo) ? readdirSync(backupTo) : []).toEqual([]);
        } finally {
            await phone.close();
        }
    });
});
