/** The whole backup's count: one step, one total announced first, parts adding up, an unannounced size joining the total. */
import { describe, expect, it } from 'vitest';
import type { ProgressFacts } from '../../../native/jobs/progress.js';
import { WholeBackupProgress } from '../../../native/backup/whole-progress.js';

describe('WholeBackupProgress', () => {
    it('counts every part toward one total under one step, the part named as item', async () => {
        const told: ProgressFacts[] = [];
        const whole = new WholeBackupProgress({ onProgress: (f) => told.push(f) }, 300);
        whole.start();
        await whole.part('twrp/boot.emmc.win', 100, async (ctx) => {
            ctx.onProgress?.({ step: 'backup:twrp/boot.emmc.win', bytesDone: 40, bytesTotal: 100 });
            ctx.onProgress?.({ step: 'backup:twrp/boot.emmc.win', bytesDone: 100, bytesTotal: 100 });
        });
        await whole.part('storage/a.jpg', 200, async (ctx) => ctx.onProgress?.({ step: 'pull:a.jpg', bytesDone: 50, bytesTotal: 200 }));
        expect(told.map((f) => [f.step, f.item, f.bytesDone, f.bytesTotal])).toEqual([
            ['backup', undefined, 0, 300],
            ['backup', 'twrp/boot.emmc.win', 40, 300],
            ['backup', 'twrp/boot.emmc.win', 100, 300],
            ['backup', 'twrp/boot.emmc.win', 100, 300],
            ['backup', 'storage/a.jpg', 150, 300],
            // A part counts as its announced size once it ends.
            ['backup', 'storage/a.jpg', 300, 300],
        ]);
    });

    it('a part whose size was not announced joins the total as its bytes arrive; done never passes the total', async () => {
        const told: ProgressFacts[] = [];
        const whole = new WholeBackupProgress({ onProgress: (f) => told.push(f) }, 100);
        await whole.part('raw/efs.emmc.win', 0, async (ctx) => {
            ctx.onProgress?.({ step: 'pull:efs', bytesDone: 30, bytesTotal: 0 });
            ctx.onProgress?.({ step: 'pull:efs', bytesDone: 60, bytesTotal: 0 });
        });
        expect(told.map((f) => [f.bytesDone, f.bytesTotal])).toEqual([
            [30, 130],
            [60, 160],
            [60, 160],
        ]);
        expect(told.every((f) => f.bytesDone <= f.bytesTotal)).toBe(true);
        expect(whole.doneBytes).toBe(60);
    });

    it('a part that fails adds nothing to what is done', async () => {
        const whole = new WholeBackupProgress({}, 100);
        await expect(whole.part('twrp/x', 100, () => Promise.reject(new Error('unplugged')))).rejects.toThrow('unplugged');
        expect(whole.doneBytes).toBe(0);
    });
});
