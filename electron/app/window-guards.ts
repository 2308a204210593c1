/**
 * Electron main's security decisions as pure functions, so tests can check them without the
 * Electron runtime: window options, the CSP, which frames may call the API, and what navigation
 * or permission requests are refused.
 */
import { contentSecurityPolicy } from '../bridge/security.js';

/**
 * Whether a URL is our renderer's: same scheme and host as its index (app://revive/…). Compared
 * by scheme and host, not by origin: a custom scheme's origin is "null" for every URL.
 */
export function isOwnRendererUrl(url: string, rendererIndexUrl: string): boolean {
    try {
        const given = new URL(url);
        const own = new URL(rendererIndexUrl);
        if (own.protocol === 'file:') return given.protocol === 'file:' && given.pathname === own.pathname;
        return given.protocol === own.protocol && given.host === own.host && given.host !== '';
    } catch {
        return false;
    }
}

export interface SenderFrameLike {
    readonly url: string;
    /** The main frame has no parent; sub-frames (iframes) may never call the API. */
    readonly parent: unknown;
}

/** An IPC call is accepted only from our renderer's top frame. */
export function isTrustedSender(frame: SenderFrameLike | null | undefined, rendererIndexUrl: string): boolean {
    if (!frame) return false;
    return frame.parent === null && isOwnRendererUrl(frame.url, rendererIndexUrl);
}

/** Our renderer never navigates away; every navigation is refused. */
export function allowNavigation(_url: string): boolean {
    return false;
}

/** Camera, microphone, notifications, USB chooser in the page…: all denied (USB runs in main). */
export function allowPermission(_permission: string): boolean {
    return false;
}

export const WINDOW_CSP = contentSecurityPolicy();

export function windowOptions(preloadPath: string): {
    width: number;
    height: number;
    minWidth: number;
    minHeight: number;
    show: boolean;
    backgroundColor: string;
    webPreferences: {
        preload: string;
        contextIsolation: true;
        sandbox: true;
        nodeIntegration: false;
        nodeIntegrationInWorker: false;
        nodeIntegrationInSubFrames: false;
        webSecurity: true;
        allowRunningInsecureContent: false;
        webviewTag: false;
        experimentalFeatures: false;
        navigateOnDragDrop: false;
        spellcheck: false;
    };
} {
    return {
        width: 1100,
        height: 820,
        minWidth: 720,
        minHeight: 560,
        show: false,
        backgroundColor: '#f6f7f5',
        webPreferences: {
            preload: preloadPath,
            contextIsolation: true,
            sandbox: true,
            nodeIntegration: false,
            nodeIntegrationInWorker: false,
            nodeIntegrationInSubFrames: false,
            webSecurity: true,
            allowRunningInsecureContent: false,
            webviewTag: false,
            experimentalFeatures: false,
            navigateOnDragDrop: false,
            spellcheck: false,
        },
    };
}
