/// <reference types="vite/client" />
import type { ReviveApi } from './api/contract-types.js';

declare global {
    interface Window {
        /** Set by the Electron preload; absent in a browser (the bridge client provides it there). */
        readonly revive?: ReviveApi;
    }
}
