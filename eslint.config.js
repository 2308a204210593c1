// Lint with layer rules: native/ is the pure device layer (no Electron, React or UI code),
// and the renderer reaches the backend only through the API contract's types.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const uiModules = ['electron', 'react', 'react-dom', 'react-dom/*', 'zustand', 'i18next', 'react-i18next'];

export default tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', 'test-output/**', 'renderer/dist/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        rules: {
            '@typescript-eslint/consistent-type-imports': 'error',
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
            'max-params': ['warn', 5],
        },
    },
    {
        files: ['native/**/*.ts'],
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    paths: uiModules.map((name) => ({ name, message: 'native/ is the device layer: no Electron or UI imports.' })),
                    patterns: [
                        { group: ['**/electron/**', '**/renderer/**'], message: 'native/ may not import from electron/ or renderer/.' },
                        { group: ['react-dom/*'], message: 'native/ is the device layer: no UI imports.' },
                    ],
                },
            ],
        },
    },
    {
        files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
        languageOptions: { globals: { ...globals.browser } },
        rules: {
            'no-restricted-imports': [
                'error',
                {
                    paths: [{ name: 'electron', message: 'The renderer talks only to the preload API.' }],
                    patterns: [
                        { group: ['**/native/**', 'node:*', 'usb', 'ws'], message: 'The renderer reaches the backend only through the API contract.' },
                        {
                            group: ['**/electron/*', '**/electron/*/**', '!**/electron/api', '!**/electron/api/*'],
                            message: 'The renderer may import only the API contract (electron/api), as types.',
                        },
                        { group: ['**/electron/api/**'], allowTypeImports: true, message: 'Import the API contract as types only (import type).' },
                    ],
                },
            ],
        },
    },
    {
        files: ['bin/**/*.js', 'scripts/**/*.js', '*.js'],
        languageOptions: { globals: { ...globals.node } },
    },
);
