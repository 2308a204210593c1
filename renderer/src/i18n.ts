/** i18next with every text in renderer/locales/{en,de}/translation.json. */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en/translation.json' with { type: 'json' };
import de from '../locales/de/translation.json' with { type: 'json' };

export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

const STORAGE_KEY = 'revive.language';

export function initialLanguage(search: string, saved: string | null, browser: readonly string[]): Language {
    const fromUrl = new URLSearchParams(search).get('lang');
    for (const candidate of [fromUrl, saved, ...browser.map((l) => l.slice(0, 2))]) {
        if (candidate && (LANGUAGES as readonly string[]).includes(candidate)) return candidate as Language;
    }
    return 'en';
}

export async function initI18n(): Promise<void> {
    let saved: string | null;
    try {
        saved = localStorage.getItem(STORAGE_KEY);
    } catch {
        saved = null;
    }
    await i18next.use(initReactI18next).init({
        resources: { en: { translation: en }, de: { translation: de } },
        lng: initialLanguage(location.search, saved, navigator.languages),
        fallbackLng: 'en',
        // Step ids contain ':' (install:rom); keys are nested with '.' only.
        nsSeparator: false,
        interpolation: { escapeValue: false },
        returnNull: false,
    });
    document.documentElement.lang = i18next.language;
}

export async function changeLanguage(language: Language): Promise<void> {
    await i18next.changeLanguage(language);
    document.documentElement.lang = language;
    try {
        localStorage.setItem(STORAGE_KEY, language);
    } catch {
        // Private windows may refuse storage; the choice then lasts for this page only.
    }
}
