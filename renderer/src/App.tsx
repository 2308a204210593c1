/** The window: header with language choice, the current screen, and the error box. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { changeLanguage, LANGUAGES, type Language } from './i18n.js';
import { dismissError, useUi } from './store.js';
import { ErrorBox } from './components/common.js';
import { DeviceList } from './components/DeviceList.js';
import { FilesStep, RecipeStep, ReviewStep } from './components/Wizard.js';
import { RunStep } from './components/RunStep.js';
import { CounterScreen } from './components/CounterScreen.js';
import { AppsPanel } from './components/panels/AppsPanel.js';
import { FirewallPanel } from './components/panels/FirewallPanel.js';
import { KeysPanel } from './components/panels/KeysPanel.js';
import { VpnPanel } from './components/panels/VpnPanel.js';
import { BackupFlowScreen } from './components/backups/BackupFlow.js';
import { BackupsListScreen } from './components/backups/BackupsList.js';
import { RestoreScreen } from './components/backups/RestoreScreen.js';

function Screen(): ReactNode {
    const screen = useUi((s) => s.screen);
    switch (screen) {
        case 'home':
            return <DeviceList />;
        case 'recipe':
            return <RecipeStep />;
        case 'files':
            return <FilesStep />;
        case 'review':
            return <ReviewStep />;
        case 'run':
            return <RunStep />;
        case 'keys':
            return <KeysPanel />;
        case 'vpn':
            return <VpnPanel />;
        case 'firewall':
            return <FirewallPanel />;
        case 'apps':
            return <AppsPanel />;
        case 'backups':
            return <BackupsListScreen />;
        case 'backup':
            return <BackupFlowScreen />;
        case 'restore':
            return <RestoreScreen />;
        case 'counter':
            return <CounterScreen />;
    }
}

export function App(): ReactNode {
    const { t, i18n } = useTranslation();
    const error = useUi((s) => s.error);
    const screen = useUi((s) => s.screen);
    return (
        <>
            <a className="skip-link" href="#main">
                {t('app.skip')}
            </a>
            <header className="app-header">
                <div className="brand">
                    <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                        <rect x="7" y="2" width="18" height="28" rx="4" fill="#1f6f5c" />
                        <rect x="10" y="6" width="12" height="18" rx="1.5" fill="#e8f5ef" />
                        <path d="M13 16l2.5 2.5L20 13" stroke="#1f6f5c" strokeWidth="2.2" fill="none" strokeLinecap="round" strokeLinejoin="round" />
                    </svg>
                    <span className="brand-name">{t('app.name')}</span>
                    <span className="brand-tagline">{t('app.tagline')}</span>
                </div>
                <label className="language">
                    <span>{t('app.language')}</span>
                    <select value={i18n.language} onChange={(e) => void changeLanguage(e.target.value as Language)}>
                        {LANGUAGES.map((language) => (
                            <option key={language} value={language}>
                                {t(`app.languages.${language}`)}
                            </option>
                        ))}
                    </select>
                </label>
            </header>
            <main id="main" className={`screen-${screen}`}>
                {error ? <ErrorBox error={error} onDismiss={dismissError} /> : null}
                <Screen />
            </main>
        </>
    );
}
