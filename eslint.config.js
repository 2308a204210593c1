// Lint with layer rules. LAYERS below is the one table of which folder may import which; the
// `revive` plugin (tools/lint/plugin.js) enforces it and forbids import cycles everywhere.
import js from '@eslint/js';
import globals from 'globals';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import revive from './tools/lint/plugin.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const uiModules = ['electron', 'react', 'react-dom', 'zustand', 'i18next', 'react-i18next'];
const nodeOnly = ['node:*', 'usb', 'ws'];

/**
 * Which folder may import which (a file belongs to the longest folder that holds it; a folder may
 * always import itself; '*' is anything; 'X (types)' is X through `import type` only), and which
 * packages a folder may not use. Folders not listed (test/, bench/, bin/, scripts/, tools/) are
 * outside the layers.
 */
const LAYERS = {
    // Pure code both the renderer and Node use: formatting, parsing, ratings. No I/O, no platform.
    common: { mayImport: [], forbiddenPackages: [...uiModules, ...nodeOnly], why: 'common/ is pure code the renderer and Node share' },
    // The device layer: phones' protocols on Node, no Electron and no UI.
    native: { mayImport: ['common'], forbiddenPackages: uiModules, why: 'native/ is the device layer: no Electron or UI imports' },
    // The API contract: what the renderer and the backend say to each other.
    'electron/api': { mayImport: ['common'], forbiddenPackages: [], why: '' },
    // The words a person reads, English and German: data, read by the page and (English) by the CLI.
    'renderer/locales': { mayImport: [], forbiddenPackages: [], why: '' },
    // The app's Node side: Electron main, preload, backend, bridge, jobs, CLI.
    electron: { mayImport: ['common', 'native', 'electron/api', 'renderer/locales'], forbiddenPackages: [], why: '' },
    // The UI: talks to the backend only through the contract's types and window.revive.
    renderer: { mayImport: ['common', 'electron/api (types)', 'renderer/locales'], forbiddenPackages: ['electron', ...nodeOnly], why: 'the renderer reaches the backend only through the API contract' },
};

const packageRules = Object.entries(LAYERS)
    .filter(([, layer]) => layer.forbiddenPackages.length > 0)
    .map(([folder, layer]) => ({
        files: [`${folder}/**/*.ts`, `${folder}/**/*.tsx`],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    paths: layer.forbiddenPackages.filter((name) => !name.includes('*')).map((name) => ({ name, message: `${layer.why}.` })),
                    patterns: [{ group: layer.forbiddenPackages.filter((name) => name.includes('*')).concat(layer.forbiddenPackages.includes('react-dom') ? ['react-dom/*'] : []), message: `${layer.why}.` }],
                },
            ],
        },
    }));

export default tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'renderer/dist/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        plugins: { revive },
        rules: {
            '@typescript-eslint/consistent-type-imports': 'error',
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            'max-params': ['warn', 5],
            'revive/layers': ['error', { root, layers: LAYERS }],
            'revive/no-cycle': ['error', { root }],
        },
    },
    ...packageRules,
    {
        files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
        languageOptions: { globals: { ...globals.browser } },
    },
    {
        files: ['bin/**/*.js', 'scripts/**/*.js', 'tools/**/*.js', '*.js'],
        languageOptions: { globals: { ...globals.node } },
    },
);
