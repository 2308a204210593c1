/**
 * "The phone now": what the job has actually done to the phone, read from its journal (verified
 * steps, and the notes a step writes just before it starts changing the phone), never guessed
 * from which step was running. The CLI prints the English sentence; the page words the facts.
 */
import type { JournalEntry } from '../../../native/jobs/journal.js';
import type { PhoneMode } from '../../../native/manifests/schema.js';
import { STEP_IDS } from './ids.js';
import { MODE_WORDS } from './modes.js';

/** A change to the phone the journal proves, in the order it happened. */
export type PhoneChange = 'unlocked' | 'unlocked-wiped' | 'recovery-written' | 'erased' | `installed:${string}` | 'new-system';

export interface PhoneNow {
    readonly changes: readonly PhoneChange[];
    /** A change that began but was not verified: `unlock`, `recovery`, `wipe` or `install:<role>`. */
    readonly interrupted: string | null;
    /** Where the phone is now; null when it is not connected. */
    readonly mode: PhoneMode | null;
}

export function phoneNow(entries: readonly JournalEntry[], mode: PhoneMode | undefined): PhoneNow {
    const changes: PhoneChange[] = [];
    let interrupted: string | null = null;
    for (const entry of entries) {
        if (entry.t === 'note' && entry.key.startsWith('touch:')) interrupted = entry.key.slice('touch:'.length);
        if (entry.t !== 'step' || entry.status !== 'verified') continue;
        const data = entry.data ?? {};
        let change: PhoneChange | undefined;
        if (entry.step === STEP_IDS.unlock && interrupted === 'unlock') change = data['wiped'] === true ? 'unlocked-wiped' : 'unlocked';
        else if (entry.step === STEP_IDS.flashRecovery && interrupted === 'recovery') change = 'recovery-written';
        else if (entry.step === STEP_IDS.wipe) change = 'erased';
        else if (entry.step.startsWith('install:')) change = `installed:${entry.step.slice('install:'.length)}`;
        else if (entry.step === STEP_IDS.verify && changes.some((c) => c === 'installed:rom')) change = 'new-system';
        if (change && !changes.includes(change)) changes.push(change);
        // A verified step ends what it had begun.
        if (entry.step === STEP_IDS.unlock || entry.step === STEP_IDS.flashRecovery || entry.step === STEP_IDS.wipe || entry.step.startsWith('install:')) interrupted = null;
    }
    return { changes, interrupted, mode: mode ?? null };
}

const INTERRUPTED_WORDS: Readonly<Record<string, string>> = {
    unlock: 'The unlock was interrupted: the bootloader may be unlocked and the phone erased.',
    recovery: 'Writing TWRP was interrupted: the recovery area may be incomplete; the old system still starts.',
    wipe: 'Erasing was interrupted: the old system may be partly erased.',
};

/** The English sentence (CLI, logs). */
export function describePhoneNow(now: PhoneNow): string {
    const parts: string[] = [];
    const installed = now.changes.filter((c) => c.startsWith('installed:')).map((c) => c.slice('installed:'.length));
    if (now.changes.length === 0 && !now.interrupted) parts.push('Nothing on the phone was changed.');
    if (now.changes.includes('unlocked-wiped')) parts.push('The bootloader is unlocked, which erased the phone.');
    else if (now.changes.includes('unlocked')) parts.push('The bootloader is unlocked.');
    if (now.changes.includes('recovery-written')) parts.push('TWRP is in the recovery area.');
    if (now.changes.includes('erased')) parts.push(installed.includes('rom') ? 'The old system was erased.' : 'The old system is erased and no new one is installed yet: continue the upgrade to install it.');
    if (installed.length > 0) parts.push(`Installed: ${installed.join(', ')}.`);
    if (now.interrupted) parts.push(INTERRUPTED_WORDS[now.interrupted] ?? `Installing ${now.interrupted.replace('install:', '')} was interrupted.`);
    else if (!now.changes.includes('erased') && !now.changes.includes('unlocked-wiped')) parts.push('The old system and your data are untouched.');
    parts.push(now.mode ? `It is in ${MODE_WORDS[now.mode]}.` : 'It is not connected.');
    return parts.join(' ');
}
