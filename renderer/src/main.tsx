/** Entry: find the API (preload in Electron, the bridge client in a browser), then draw the app. */
import { StrictMode, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { createRoot } from 'react-dom/client';
import type { ReviveApi } from './api/contract-types.js';
import { bridgeToken, createBridgeApi } from './api/bridge-client.js';
import { App } from './App.js';
import { initI18n } from './i18n.js';
import { connect } from './store.js';
import { connectPanels } from './panels-store.js';
import { connectBackups, refreshBackups } from './backups-store.js';
import { connectCounter } from './counter-store.js';
import './styles.css';

function findApi(): ReviveApi | undefined {
    if (window.revive) return window.revive;
    const token = bridgeToken(location.hash);
    if (!token || !location.origin.startsWith('http')) return undefined;
    const api = createBridgeApi({ origin: location.origin, token });
    // The same `window.revive` as under Electron's preload: read-only, one shape for both hosts.
    Object.defineProperty(window, 'revive', { value: api, writable: false, configurable: false });
    return api;
}

async function start(): Promise<void> {
    await initI18n();
    const root = document.getElementById('root');
    if (!root) return;
    const api = findApi();
    createRoot(root).render(<StrictMode>{api ? <App /> : <NoBackend />}</StrictMode>);
    if (api) {
        connectPanels(api);
        connectBackups(api);
        connectCounter(api);
        await connect(api);
        await refreshBackups();
    }
}

/** Opened without the preload and without the bridge's token: say how to open it properly. */
function NoBackend(): ReactNode {
    const { t } = useTranslation();
    return (
        <main id="main">
            <div className="error-box" role="alert">
                <h1>{t('app.noBackend.title')}</h1>
                <p>{t('app.noBackend.text')}</p>
            </div>
        </main>
    );
}

void start();
