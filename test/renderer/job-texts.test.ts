/**
 * The upgrade job speaks English; the page words every step, question and instruction the job can
 * emit in the person's language, and keeps the job's own text only for ids it does not know.
 */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload, RecipeView } from '../../electron/api/contract.js';
import { toRecipeView } from '../../electron/app/recipes.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { CONFIRM_IDS, INSTRUCTION_IDS, upgradeSteps } from '../../electron/jobs/upgrade/steps.js';
import { confirmTexts, instructionText, stepDescription } from '../../renderer/src/components/RunStep.js';
import en from '../../renderer/locales/en/translation.json' with { type: 'json' };
import de from '../../renderer/locales/de/translation.json' with { type: 'json' };

const i18n = i18next.createInstance();
const exists = (key: string): boolean => i18n.exists(key);

beforeAll(async () => {
    await i18n.init({ resources: { en: { translation: en }, de: { translation: de } }, lng: 'de', fallbackLng: false, nsSeparator: false, interpolation: { escapeValue: false } });
});

describe('the upgrade job in the page\'s language', () => {
    const s4: RecipeView = toRecipeView(requireRecipe('ks01ltexx'));
    const pixel: RecipeView = toRecipeView(requireRecipe('sargo'));

    it('has German and English words for every step, question and instruction id the job emits', () => {
        const steps = upgradeSteps(requireRecipe('sargo')).map((step) => step.id).filter((id) => !id.startsWith('install:'));
        const confirms = Object.values(CONFIRM_IDS);
        const instructions = Object.values(INSTRUCTION_IDS);
        expect(steps).toContain('flash-recovery');
        expect(confirms).toEqual(expect.arrayContaining(['battery', 'no-backup', 'erase', 'unlock', 'oem-unlock-toggle']));
        expect(instructions).toEqual(expect.arrayContaining(['connect', 'confirm-unlock']));
        for (const language of ['en', 'de']) {
            const t = i18n.getFixedT(language);
            for (const id of [...steps, 'install-rom', 'install-gapps', 'install-su']) expect(t(`job.steps.${id}`, { defaultValue: '' }), `${language} step ${id}`).not.toBe('');
            for (const id of steps) expect(i18n.exists(`job.descriptions.${id}`, { lng: language }), `${language} description ${id}`).toBe(true);
            for (const id of confirms) expect(i18n.exists(`job.confirms.${id}.question`, { lng: language }), `${language} confirm ${id}`).toBe(true);
            for (const id of instructions) expect(i18n.exists(`job.instructions.${id}`, { lng: language }), `${language} instruction ${id}`).toBe(true);
        }
    });

    it('words a question with the recipe\'s facts and the person\'s backup choice', () => {
        const t = i18n.getFixedT('de');
        const base = { jobId: 'j', danger: true, question: 'Q?', detail: 'D', confirmLabel: 'Y', cancelLabel: 'N', facts: {} };
        const battery = confirmTexts(t, exists, { ...base, id: 'battery' } as EventPayload<'jobConfirm'>, s4);
        expect(battery.question).toBe(`Ist der Akku des Handys zu mindestens ${s4.minBatteryPercent} % geladen?`);
        expect(confirmTexts(t, exists, { ...base, id: 'erase', facts: { twrpBackup: 'none', storageFiles: 0 } } as EventPayload<'jobConfirm'>, s4).detail).toContain('ohne Sicherung');
        // What the question says about backups follows the facts the job sent, not the choice made before the start.
        const erased = confirmTexts(t, exists, { ...base, id: 'erase', facts: { twrpBackup: 'verified', directory: '/b', storageFiles: 3 } } as EventPayload<'jobConfirm'>, s4).detail;
        expect(erased).toContain('/b');
        expect(erased).toContain('(3 Dateien)');
        const copied = confirmTexts(t, exists, { ...base, id: 'unlock', facts: { copied: 'yes', files: 2, archive: '/c/sargo-storage.tar.age' } } as EventPayload<'jobConfirm'>, pixel).detail;
        expect(copied).toMatch(/^Ihr interner Speicher liegt geprüft auf dem Computer, Datei für Datei: 2 Dateien in der verschlüsselten Sicherung \/c\/sargo-storage\.tar\.age\. App-Daten/);
        expect(confirmTexts(t, exists, { ...base, id: 'unlock', facts: { copied: 'no' } } as EventPayload<'jobConfirm'>, pixel).detail).toMatch(/^Vom Handy wurde nichts kopiert/);
        expect(confirmTexts(t, exists, { ...base, id: 'unlock', facts: {} } as EventPayload<'jobConfirm'>, pixel).question).toBe('Das Entsperren löscht alles auf dem Handy. Weitermachen?');
        expect(confirmTexts(t, exists, { ...base, id: 'unlock', facts: {} } as EventPayload<'jobConfirm'>, pixel).detail).toContain('OEM-Entsperrung');
        // An id the page does not know keeps the job's words.
        expect(confirmTexts(t, exists, { ...base, id: 'something-new' } as EventPayload<'jobConfirm'>, s4)).toEqual({ question: 'Q?', detail: 'D', confirm: 'Y', cancel: 'N' });
    });

    it('words instructions and step descriptions, falling back to the job for unknown ids', () => {
        const t = i18n.getFixedT('de');
        const instruction = (id: string, picture: string | null): EventPayload<'jobInstruction'> => ({ jobId: 'j', id, text: 'JOB TEXT', picture, buttons: [], waitingFor: null, virtualPhone: true });
        expect(instructionText(t, exists, instruction('connect', null), s4)).toBe(`Verbinden Sie das ${s4.name} per USB-Kabel mit diesem Computer und schalten Sie es ein.`);
        expect(instructionText(t, exists, instruction('enter-download', 'samsung-download.svg'), s4)).toMatch(/^Jetzt muss das Handy in den Download-Modus\. Schalten Sie das Handy aus\./);
        expect(instructionText(t, exists, instruction('enter-recovery', 'pixel-recovery.svg'), pixel)).toContain('Recovery mode');
        expect(instructionText(t, exists, instruction('wiggle-cable', null), s4)).toBe('JOB TEXT');
        const step = (id: string) => ({ id, title: 'T', status: 'running' as const, description: 'JOB WORDS' });
        expect(stepDescription(t, exists, step('flash-recovery'), { recipe: s4, files: {}, keepBackup: true })).toBe('TWRP wird über Odin (Download-Modus) in den Bereich RECOVERY geschrieben.');
        expect(stepDescription(t, exists, step('install:rom'), { recipe: s4, files: { rom: { name: 'lineage.zip' } }, keepBackup: true })).toBe('lineage.zip wird an TWRP gesendet (ADB-Sideload).');
        expect(stepDescription(t, exists, step('polish'), { recipe: s4, files: {}, keepBackup: true })).toBe('JOB WORDS');
    });
});
