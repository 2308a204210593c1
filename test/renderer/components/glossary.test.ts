/** Every recipe's glossary: the words its upgrade uses, each explained in one sentence in both languages. */
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { toRecipeView } from '../../../electron/app/recipes.js';
import { loadRecipes } from '../../../native/manifests/load.js';
import { glossaryTerms } from '../../../renderer/src/components/Glossary.js';
import en from '../../../renderer/locales/en/translation.json' with { type: 'json' };
import de from '../../../renderer/locales/de/translation.json' with { type: 'json' };

const i18n = i18next.createInstance();
beforeAll(async () => {
    await i18n.init({ resources: { en: { translation: en }, de: { translation: de } }, lng: 'en', fallbackLng: false, interpolation: { escapeValue: false } });
});

describe('the glossary', () => {
    it('follows the recipe: Odin words for Samsung (with KNOX), bootloader words for fastboot phones', () => {
        const terms = (id: string): string[] => glossaryTerms(toRecipeView(loadRecipes().find((r) => r.id === id)!));
        expect(terms('ks01ltexx')).toEqual(expect.arrayContaining(['downloadMode', 'odin', 'twrp', 'sideload', 'knox', 'codename', 'gapps', 'root']));
        expect(terms('ks01ltexx')).not.toContain('fastboot');
        expect(terms('sargo')).toEqual(expect.arrayContaining(['bootloader', 'fastboot', 'twrp', 'sideload', 'codename']));
        expect(terms('sargo')).not.toContain('knox');
    });

    it('explains every word of every recipe in one sentence, English and German, the codename next to the name', async () => {
        for (const recipe of loadRecipes()) {
            const view = toRecipeView(recipe);
            for (const lng of ['en', 'de']) {
                const t = i18n.getFixedT(lng);
                for (const term of glossaryTerms(view)) {
                    for (const part of ['word', 'meaning']) expect(i18n.exists(`glossary.terms.${term}.${part}`, { lng }), `${lng} ${term}.${part}`).toBe(true);
                    const meaning = t(`glossary.terms.${term}.meaning`, { codename: view.id, name: view.name });
                    expect(meaning.match(/[.!?](\s|$)/g), `${lng} ${term}: one sentence`).toHaveLength(1);
                    expect(meaning).not.toMatch(/\{\{/);
                }
                expect(t('glossary.terms.codename.meaning', { codename: view.id, name: view.name })).toContain(`${view.id}`);
                expect(t('glossary.terms.codename.meaning', { codename: view.id, name: view.name })).toContain(view.name);
            }
        }
    });
});
