/**
 * "What do these words mean?": each technical word this phone's upgrade uses (download mode, Odin,
 * bootloader, fastboot, TWRP, sideload, LineageOS, Gapps, root, KNOX, codename, USB debugging),
 * explained once in a sentence. A native disclosure (details/summary), so it opens with the
 * keyboard and screen readers announce it as expandable; the words it lists follow the recipe.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecipeView } from '../api/contract-types.js';

/** The words a person meets on the way, in the order they meet them. */
export function glossaryTerms(recipe: RecipeView): string[] {
    const roles = new Set(recipe.files.map((f) => f.role));
    return [
        'codename',
        'usbDebugging',
        ...(recipe.method === 'odin' ? ['downloadMode', 'odin'] : ['bootloader', 'fastboot']),
        'twrp',
        'sideload',
        'lineageos',
        ...(roles.has('gapps') ? ['gapps'] : []),
        ...(roles.has('su') ? ['root'] : []),
        ...(recipe.manufacturer === 'Samsung' ? ['knox'] : []),
    ];
}

export function Glossary({ recipe }: { recipe: RecipeView }): ReactNode {
    const { t } = useTranslation();
    const codename = recipe.id;
    return (
        <details className="glossary">
            <summary>{t('glossary.title')}</summary>
            <dl>
                {glossaryTerms(recipe).map((term) => (
                    <div key={term}>
                        <dt>{t(`glossary.terms.${term}.word`)}</dt>
                        <dd>{t(`glossary.terms.${term}.meaning`, { codename, name: recipe.name })}</dd>
                    </div>
                ))}
            </dl>
        </details>
    );
}
