/** "Not in … yet?": every mode a job waits for has its title and reasons, in English and German. */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODE_HINT_REASONS } from '../../../renderer/src/components/ModeHint.js';
import en from '../../../renderer/locales/en/translation.json' with { type: 'json' };
import de from '../../../renderer/locales/de/translation.json' with { type: 'json' };

const i18n = i18next.createInstance();
beforeAll(async () => {
    await i18n.init({ resources: { en: { translation: en }, de: { translation: de } }, lng: 'en', fallbackLng: false });
});

describe('the mode hint', () => {
    it('has words for every mode an instruction waits for, with the cable among the reasons where a cable matters', () => {
        for (const mode of ['download', 'bootloader', 'recovery', 'sideload', 'android'] as const) {
            const reasons = MODE_HINT_REASONS[mode] ?? [];
            expect(reasons.length, mode).toBeGreaterThanOrEqual(2);
            expect(reasons).toContain('cable');
            for (const lng of ['en', 'de']) {
                expect(i18n.exists(`run.modeHint.title.${mode}`, { lng }), `${lng} title ${mode}`).toBe(true);
                for (const reason of reasons) expect(i18n.exists(`run.modeHint.reasons.${reason}`, { lng }), `${lng} ${reason}`).toBe(true);
            }
        }
        expect(MODE_HINT_REASONS.download).toEqual(expect.arrayContaining(['offFirst', 'downloadKeys', 'driverSamsung', 'battery']));
        expect(MODE_HINT_REASONS.bootloader).toEqual(expect.arrayContaining(['bootloaderKeys', 'driverGoogle']));
    });
});
