/**
 * One backend + bridge + Debian's Chromium per test file, against the virtual phone and the demo
 * packages. Fails loudly when /usr/bin/chromium is missing (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createBackend, type Backend, type BackendOptions } from '../../electron/app/backend.js';
import { startBridge, type Bridge } from '../../electron/bridge/server.js';
import { generateDemoPackages, type DemoPackages } from '../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../native/manifests/load.js';
import type { Recipe } from '../../native/manifests/schema.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
const STATIC = join(ROOT, 'dist', 'renderer');

/** Build the renderer once per run (vitest runs files in parallel: the first builder wins). */
export function ensureRendererBuilt(): void {
    const index = join(STATIC, 'index.html');
    const newest = (dir: string): number => {
        const info = statSync(dir);
        if (!info.isDirectory()) return info.mtimeMs;
        return Math.max(info.mtimeMs, ...spawnSync('find', [dir, '-type', 'f'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((f) => statSync(f).mtimeMs));
    };
    if (existsSync(index) && statSync(index).mtimeMs > newest(join(ROOT, 'renderer'))) return;
    const result = spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`The renderer build failed:\n${result.stderr}`);
}

export interface E2e {
    readonly home: string;
    readonly demo: DemoPackages;
    readonly backend: Backend;
    readonly bridge: Bridge;
    readonly browser: Browser;
    readonly context: BrowserContext;
    readonly page: Page;
    url(language: 'en' | 'de'): string;
    close(): Promise<void>;
}

/** `backend`: more of the backend's options, e.g. USB/IP servers whose virtual phones it lists (several phones at once). */
export async function startE2e(options: { bypassCsp?: boolean; recipes?: (demo: DemoPackages) => Recipe[]; backend?: Omit<BackendOptions, 'home' | 'recipes'> } = {}): Promise<E2e> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the UI tests.`);
    ensureRendererBuilt();
    const home = mkdtempSync(join(tmpdir(), 'revive-e2e-'));
    const demo = await generateDemoPackages(join(home, 'downloads'), requireRecipe('ks01ltexx'));
    const backend = createBackend({ home, waitTimeoutMs: 30_000, ...options.backend, ...(options.recipes ? { recipes: options.recipes(demo) } : {}) });
    const bridge = await startBridge({ backend, staticDir: STATIC });
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: options.bypassCsp ?? false, reducedMotion: 'reduce' });
    const page = await context.newPage();
    return {
        home,
        demo,
        backend,
        bridge,
        browser,
        context,
        page,
        url: (language) => `http://127.0.0.1:${bridge.port}/?lang=${language}#token=${bridge.token}`,
        async close() {
            await browser.close();
            await bridge.close();
            await backend.close();
            rmSync(home, { recursive: true, force: true });
        },
    };
}

export function screenshotDir(language: 'en' | 'de'): string {
    const dir = join(ROOT, 'test-output', 'screenshots', language);
    mkdirSync(dir, { recursive: true });
    return dir;
}
