/** The home screen's way into the panels. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { PANELS } from '../../panels-store.js';
import { goTo } from '../../store.js';

/** The home screen's way into the panels. */
export function AfterUpgrade(): ReactNode {
    const { t } = useTranslation();
    return (
        <section className="after-upgrade" aria-labelledby="after-heading">
            <h2 id="after-heading">{t('panels.sectionTitle')}</h2>
            <p className="hint">{t('panels.sectionLead')}</p>
            <ul className="panel-cards">
                {PANELS.map((panel) => (
                    <li key={panel} className="panel-card">
                        <h3>{t(`panels.${panel}.title`)}</h3>
                        <p>{t(`panels.${panel}.card`)}</p>
                        <button type="button" className="button secondary" onClick={() => goTo(panel)} aria-label={t('panels.openLabel', { panel: t(`panels.${panel}.title`) })}>
                            {t('panels.open')}
                        </button>
                    </li>
                ))}
            </ul>
        </section>
    );
}
