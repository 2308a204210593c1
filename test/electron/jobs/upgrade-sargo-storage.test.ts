/** Pixel 3a: unlocking wipes the phone, so internal storage is copied and checked before the unlock question. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planSteps, planFacts } from '../../../electron/jobs/upgrade.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { phoneState, upgradeBench, upgradeVirtual } from './helpers.js';

const recipe = requireRecipe('sargo');

const bench = upgradeBench(recipe, { prefix: 'revive-upgrade-sargo-', romBytes: 512 * 1024 });

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
        const atUnlock: Array<{ facts: Record<string, string | number>; detail: string; copies: Record<string, string | undefined> }> = [];
        try {
            const result = await upgradeVirtual(phone, recipe, { recovery: bench.demo.recovery, rom: bench.demo.rom, gapps: bench.demo.gapps, su: bench.demo.su }, {
                home,
                answer: (request) => {
                    if (request.id === 'unlock') {
                        const directory = String(request.facts?.['directory'] ?? '');
                        const copies: Record<string, string | undefined> = {};
                        for (const path of Object.keys(PHOTOS)) {
                            const local = join(directory, ...path.split('/'));
                            copies[path] = existsSync(local) ? readFileSync(local, 'utf8') : undefined;
                        }
                        atUnlock.push({ facts: { ...(request.facts ?? {}) }, detail: request.detail, copies });
                    }
                    return true;
                },
            });
            expect(result.error).toBeUndefined();
            expect(atUnlock).toHaveLength(1);
            expect(atUnlock[0]?.copies).toEqual(PHOTOS);
            expect(atUnlock[0]?.facts).toMatchObject({ copied: 'yes', files: 3 });
            expect(atUnlock[0]?.detail).toMatch(/App data .* cannot be copied/);
            // The folder is named with the date, the model and the serial; SHA256SUMS lists each file.
            const directory = String(atUnlock[0]?.facts['directory']);
            expect(directory).toMatch(new RegExp(`backups/\\d{8}-\\d{4}-G020A-${phone.serial}/internal-storage$`));
            const sums = readFileSync(join(directory, 'SHA256SUMS'), 'utf8');
            for (const [path, text] of Object.entries(PHOTOS)) expect(sums).toContain(`${createHash('sha256').update(text).digest('hex')}  ${path}`);
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
