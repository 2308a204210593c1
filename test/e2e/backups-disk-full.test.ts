/**
 * The computer's disk fills during a backup in the app (English with the mouse, German with the keyboard): the backend runs in a
 * private mount namespace (`unshare -rm`, no root) whose backups folder is a 2 MiB tmpfs, and a
 * phone with 16 MiB in internal storage is backed up from the app. The page says the disk is full
 * and what to do; no archive (finished or `.partial`) is left in the folder; nothing was written
 * to the phone (its write counters). Photographed and scanned by axe.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualFs } from '../../native/virtual/adbd-fs.js';
import { CHROMIUM, ROOT, ensureRendererBuilt, type E2e } from './harness.js';
import { Person } from './person.js';

const PASSPHRASE = 'harbour violet seventeen lanterns';

interface ChildState {
    mode: string;
    writeCounts: Record<string, number>;
    backups: string[];
}

let dir: string;
let child: ChildProcessWithoutNullStreams;
let lines: Interface;
let browser: Browser;
let started: { port: number; token: string; stateDir: string };

async function nextLine(): Promise<string> {
    const it = lines[Symbol.asyncIterator]();
    const next = await it.next();
    if (next.done) throw new Error('the backend in its namespace ended');
    return next.value as string;
}

async function childState(): Promise<ChildState> {
    child.stdin.write('state\n');
    for (;;) {
        const line = await nextLine();
        if (line.startsWith('{')) return JSON.parse(line) as ChildState;
    }
}

beforeAll(async () => {
    const probe = spawnSync('unshare', ['-rm', 'true']);
    if (probe.status !== 0) throw new Error(`This test needs unprivileged mount namespaces (unshare -rm, util-linux): ${probe.stderr.toString()}`);
    ensureRendererBuilt();
    dir = mkdtempSync(join(tmpdir(), 'revive-e2e-disk-full-'));
    const home = join(dir, 'home');
    mkdirSync(join(home, 'backups'), { recursive: true, mode: 0o700 });
    child = spawn(
        'unshare',
        ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=2m,mode=0700 tmpfs "$1/backups" && exec node --import tsx "$2" "$1" "$3"', 'sh', home, join(ROOT, 'test', 'e2e', 'full-disk-backend.mts'), join(ROOT, 'dist', 'renderer')],
        { cwd: ROOT, env: { ...process.env, REVIVE_HOME: home } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    lines = createInterface({ input: child.stdout });
    try {
        for (;;) {
            const line = await nextLine();
            if (line.startsWith('{')) {
                started = JSON.parse(line) as typeof started;
                break;
            }
        }
    } catch (error) {
        throw new Error(`The backend in its namespace did not start:\n${stderr}`, { cause: error });
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
}, 180_000);

afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
        child.stdin.write('quit\n');
        await new Promise((done) => {
            const timer = setTimeout(() => {
                child.kill();
                done(undefined);
            }, 20_000);
            child.once('exit', () => {
                clearTimeout(timer);
                done(undefined);
            });
        });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the computer’s disk fills during a backup in the app', () => {
    async function diskFills(language: 'en' | 'de', input: 'mouse' | 'keyboard'): Promise<void> {
        const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true, reducedMotion: 'reduce' });
        const page = await context.newPage();
        // Person needs only the page and the language of an E2e.
        const e2e = { page, url: (language: 'en' | 'de') => `http://127.0.0.1:${started.port}/?lang=${language}#token=${started.token}` } as unknown as E2e;
        const person = new Person(e2e, language, input, 'backups-disk-full');
        const { t } = person;
        const film = new VirtualFs(started.stateDir).hostPath('/data/media/0/Movies/trip.mp4');
        mkdirSync(join(film, '..'), { recursive: true });
        writeFileSync(film, randomBytes(16 * 1024 * 1024));
        const before = await childState();
        expect(before.backups).toEqual([]);

        await page.goto(e2e.url(language));
        await person.press(person.button('devices.backUp'));
        await page.getByRole('heading', { level: 1, name: t('backups.flow.title').replace('{{name}}', 'Samsung Galaxy S4 LTE-A') }).waitFor();
        await person.typeInto(page.getByLabel(t('backups.flow.passphrase.label'), { exact: true }), PASSPHRASE);
        await person.typeInto(page.getByLabel(t('backups.flow.passphrase.repeat'), { exact: true }), PASSPHRASE);
        await person.press(person.button('backups.flow.start'));
        const errorHeading = page.locator('.error-box h2');
        await errorHeading.waitFor({ timeout: 240_000 });
        const main = await page.locator('main').innerText();
        expect(await errorHeading.innerText(), main).toBe(t('errors.backup-disk-full.title'));
        expect(main).toContain(t('errors.backup-disk-full.nextStep'));
        expect(main).not.toContain('revive ');
        expect(main).not.toContain('ENOSPC');
        await person.focusOn('.error-box h2');
        await person.shot('disk-full');

        const after = await childState();
        expect(after.backups).toEqual([]);
        expect(after.writeCounts).toEqual(before.writeCounts);
        expect(person.findings).toEqual([]);
        await context.close();
    }

    it('in English with the mouse: says so and what to do, leaves no archive, writes nothing to the phone', async () => {
        await diskFills('en', 'mouse');
    }, 400_000);

    it('in German with the keyboard, from the phone left in TWRP', async () => {
        await diskFills('de', 'keyboard');
    }, 400_000);
});
