/** Apps by the names people know them, in both languages; unknown packages keep their package name. */
import { describe, expect, it } from 'vitest';
import { appLabelKey } from '../../renderer/src/app-labels.js';
import en from '../../renderer/locales/en/translation.json' with { type: 'json' };
import de from '../../renderer/locales/de/translation.json' with { type: 'json' };

const labels = { en: en.appLabels as Record<string, string>, de: de.appLabels as Record<string, string> };

describe('app labels', () => {
    it('names the system apps of the virtual phones and the suggested privacy apps, in English and German', () => {
        for (const [pkg, en, de] of [
            ['com.android.vending', 'Google Play Store', 'Google Play Store'],
            ['com.android.settings', 'Settings', 'Einstellungen'],
            ['org.lineageos.jelly', 'Browser (LineageOS)', 'Browser (LineageOS)'],
            ['org.mozilla.focus', 'Firefox Focus', 'Firefox Focus'],
        ] as const) {
            const key = appLabelKey(pkg)?.replace(/^appLabels\./, '') ?? '';
            expect(labels.en[key]).toBe(en);
            expect(labels.de[key]).toBe(de);
        }
        expect(appLabelKey('org.example.unknown')).toBeUndefined();
        expect(Object.keys(labels.de).sort()).toEqual(Object.keys(labels.en).sort());
    });
});
