/**
 * Pixel 3a: unlocking wipes the phone, so internal storage is copied and checked before the unlock
 * question — through the backup engine, into one encrypted storage-only archive locked with the
 * upgrade's passphrase, which Debian's age opens (`age -d … | tar x`) and revive verifies.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSteps, planFacts } from '../../../electron/jobs/upgrade.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { ageOnTerminal } from '../../support/age-terminal.js';
import { phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('sargo');

const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-sargo-', romBytes: 512 * 1024 });

const PASSPHRASE = 'juniper kettle orbit seventeen';
const LOCK = { kind: 'scrypt', passphrase: PASSPHRASE } as const;

const PHOTOS: Record<string, string> = { 'DCIM/Camera/IMG_0001.jpg': 'a photo of the cat', 'Download/ticket.pdf': 'a ticket', 'Documents/notes/list.txt': 'milk, bread' };

describe('the upgrade on a virtual Pixel 3a, whose unlock erases it', () => {
    it('plans the copy of internal storage before the unlock, and skips it without a backup', () => {
        const ids = planSteps(planFacts(recipe, { files: { recovery: 'r', rom: 'z' } })).map((s) => s.id);
        expect(ids.indexOf('save-storage')).toBeGreaterThan(ids.indexOf('gate'));
        expect(ids.indexOf('save-storage')).toBeLessThan(ids.indexOf('unlock'));
    });

    it('has every photo on the computer, checked, before it asks to unlock; the unlock then wipes the phone', async () => {
        const stateDir = join(bench.dir, 'phone');
        for (const [path, text] of Object.entries(PHOTOS)) {
            const host = join(stateDir, 'fs', 'data', 'media', '0', ...path.split('/'));
            mkdirSync(join(host, '..'), { recursive: true });
            writeFileSync(host, text);
        }
        const phone = await VirtualPhone.create({ codename: 'sargo', mode: 'android', stateDir, owner: 'accept', enumerationDelayMs: 20 });
        const home = bench.home;
        const atUnlock: Array<{ facts: Record<string, string | number>; detail: string; archive: string; opened: Record<string, string | undefined>; manifest: string }> = [];
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, {
                home,
                backupKeys: { recipients: [LOCK], verifyWith: [LOCK] },
                answer: (request) => {
                    if (request.id === 'unlock') {
                        // Opened without Revive while the phone still holds everything: age -d with the passphrase typed at its prompt, then tar x.
                        const archive = String(request.facts?.['archive'] ?? '');
                        const out = join(bench.dir, 'opened');
                        mkdirSync(out, { recursive: true });
                        ageOnTerminal(['-d', '-o', join(out, 'storage.tar'), archive], [PASSPHRASE]);
                        execFileSync('tar', ['-xf', join(out, 'storage.tar'), '-C', out]);
                        const opened: Record<string, string | undefined> = {};
                        for (const path of Object.keys(PHOTOS)) {
                            const local = join(out, 'storage', ...path.split('/'));
                            opened[path] = existsSync(local) ? readFileSync(local, 'utf8') : undefined;
                        }
                        atUnlock.push({ facts: { ...(request.facts ?? {}) }, detail: request.detail, archive, opened, manifest: readFileSync(join(out, 'manifest.json'), 'utf8') });
                    }
                    return true;
                },
            });
            expect(result.error).toBeUndefined();
            expect(atUnlock).toHaveLength(1);
            expect(atUnlock[0]?.opened).toEqual(PHOTOS);
            expect(atUnlock[0]?.facts).toMatchObject({ copied: 'yes', files: 3 });
            expect(atUnlock[0]?.detail).toMatch(/App data .* cannot be copied/);
            // One archive in the backup folder (named with the date, the model and the serial), 0600 in a 0700 folder; nothing beside it opens it.
            const archive = atUnlock[0]?.archive ?? '';
            const folder = join(archive, '..');
            expect(folder).toMatch(new RegExp(`backups/\\d{8}-\\d{4}-G020A-${phone.serial}$`));
            expect(archive).toMatch(new RegExp(`/sargo-${phone.serial}-[\\dT-]+-storage\\.tar\\.age$`));
            expect(statSync(archive).mode & 0o777).toBe(0o600);
            expect(statSync(folder).mode & 0o777).toBe(0o700);
            expect(readdirSync(folder).filter((name) => !name.endsWith('.tar.age'))).toEqual([]);
            // The same manifest as revive backup create --storage-only: every file with the SHA-256 the phone has.
            const manifest = JSON.parse(atUnlock[0]?.manifest ?? '{}') as { format: string; device: { codename: string }; parts: Array<{ path: string; kind: string; sha256: string }> };
            expect(manifest.format).toBe('revive-backup/1');
            expect(manifest.device.codename).toBe('sargo');
            expect(manifest.parts.map((p) => [p.path, p.kind, p.sha256]).sort()).toEqual(Object.entries(PHOTOS).map(([path, text]) => [`storage/${path}`, 'storage', createHash('sha256').update(text).digest('hex')]).sort());
            // revive verify opens it with the passphrase, as any backup; the report and the journal name it.
            expect((await verifyArchive(archive, [LOCK])).parts).toHaveLength(3);
            const named = result.report?.backup.kind === 'verified' ? result.report.backup.files.map((f) => f.name) : [];
            expect(named).toContain(archive.split('/').at(-1));
            const step = result.report?.steps.find((st) => st.id === 'save-storage');
            expect(step?.detail).toContain(archive);
            // The unlock erased the phone's internal storage, as on the real phone.
            expect(existsSync(join(stateDir, 'fs', 'data', 'media', '0', 'DCIM'))).toBe(false);
            expect(phoneState(stateDir).bootloaderLocked).toBe(false);
            const order = result.events.filter((e) => e.type === 'step' && e.status === 'finished').map((e) => (e.type === 'step' ? e.step : ''));
            expect(order.indexOf('save-storage')).toBeLessThan(order.indexOf('unlock'));
        } finally {
            await phone.close();
        }
    });
});
