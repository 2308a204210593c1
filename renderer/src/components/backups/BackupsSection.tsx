/** The home screen's way to the backups on this computer. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { openBackupsList, useBackups } from '../../backups-store.js';

export function BackupsSection(): ReactNode {
    const { t } = useTranslation();
    const count = useBackups((s) => s.backups.length);
    return (
        <section className="panel backups-section" aria-labelledby="backups-section-heading">
            <h2 id="backups-section-heading">{t('backups.home.title')}</h2>
            <p>{count === 0 ? t('backups.home.none') : t('backups.home.count', { count })}</p>
            <p className="hint">{t('backups.home.hint')}</p>
            <div className="actions end">
                <button type="button" className="button secondary" onClick={openBackupsList}>
                    {t('backups.home.open')}
                </button>
            </div>
        </section>
    );
}
