/** "The phone now" follows the journal of what was done, never the step that happened to be running. */
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../../native/jobs/journal.js';
import { describePhoneNow, phoneNow } from '../../../electron/jobs/upgrade/phone-now.js';

const at = '2026-01-01T00:00:00.000Z';
const verified = (step: string, data: Record<string, boolean> = {}): JournalEntry => ({ t: 'step', at, run: 1, step, status: 'verified', detail: '', data });
const touch = (what: string): JournalEntry => ({ t: 'note', at, run: 1, key: `touch:${what}`, data: {} });

describe('phoneNow', () => {
    it('says nothing changed while the job only waited', () => {
        const now = phoneNow([verified('identify'), verified('gate'), verified('save-storage')], 'download');
        expect(now).toEqual({ changes: [], interrupted: null, mode: 'download' });
        expect(describePhoneNow(now)).toBe('Nothing on the phone was changed. The old system and your data are untouched. It is in download mode.');
    });

    it('counts an unlock that erased, a written TWRP and an interrupted install', () => {
        const now = phoneNow([touch('unlock'), verified('unlock', { wiped: true }), touch('recovery'), verified('flash-recovery'), touch('wipe'), verified('wipe'), touch('install:rom')], undefined);
        expect(now.changes).toEqual(['unlocked-wiped', 'recovery-written', 'erased']);
        expect(now.interrupted).toBe('install:rom');
        expect(describePhoneNow(now)).toContain('no new one is installed yet');
        expect(describePhoneNow(now)).toContain('It is not connected.');
    });

    it('does not count an unlock the phone already had, or TWRP started from memory', () => {
        const now = phoneNow([verified('unlock'), verified('flash-recovery')], 'recovery');
        expect(now.changes).toEqual([]);
    });
});
