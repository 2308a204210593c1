/**
 * Two builds from one config:
 * - default: the renderer (renderer/ → dist/renderer), relative paths so Electron can load it from
 *   disk, no inlined assets so the CSP needs no `data:` scripts or styles;
 * - `--mode preload`: electron/preload.ts as one CommonJS file (dist/electron/preload.cjs), because
 *   a sandboxed preload cannot load other modules.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig(({ mode }) => {
    if (mode === 'preload') {
        return {
            build: {
                outDir: here('./dist/electron'),
                emptyOutDir: false,
                minify: false,
                lib: { entry: here('./electron/preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
                rollupOptions: { external: ['electron'] },
            },
        };
    }
    return {
        root: here('./renderer'),
        base: './',
        publicDir: false,
        build: {
            outDir: here('./dist/renderer'),
            emptyOutDir: true,
            assetsInlineLimit: 0,
            modulePreload: { polyfill: false },
            sourcemap: false,
        },
        oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
    };
});
