/**
 * The English locale file, the one the page uses. A function rather than the object so that the
 * CLI bundle can turn it into text parsed when the first sentence is worded (scripts/build-node.js):
 * as a 216 KB object in the bundle it cost every `revive` command ~10 ms of CPU before it started.
 */
import en from '../renderer/locales/en/translation.json' with { type: 'json' };

export type EnglishLocale = typeof en;

export function englishLocale(): EnglishLocale {
    return en;
}
