/**
 * The counter screen in Chromium with three virtual Galaxy S4s on a USB/IP server: a shop created
 * from the page, tickets typed per lane, "which phone is this?" seen on the phone itself, two
 * upgrades at a time, and the middle phone's cable pulled mid-flash — its lane fails while the
 * others finish. Screenshots in English and German (axe-scanned, no sideways scrolling), and the
 * history searched by ticket.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CounterView, EventPayload } from '../../electron/api/contract.js';
import { UsbIpServer } from '../../native/usbip/server.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { startE2e, type E2e } from './harness.js';
import { layoutProblems } from './person.js';
import { Shots, translations } from './wizard.js';

const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

let dir: string;
let server: UsbIpServer;
let phones: VirtualPhone[] = [];
let e2e: E2e;

async function shot(shots: Shots, page: Page, name: string): Promise<void> {
    await shots.take(name);
    expect(await layoutProblems(page), name).toEqual([]);
}

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-e2e-counter-'));
    // The app's adb key (the phones' "Allow") lives here, never in the real ~/.config/revive.
    process.env['REVIVE_HOME'] = join(dir, 'home');
    server = await UsbIpServer.start({ port: 0 });
    for (const n of [0, 1, 2]) {
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', stateDir: join(dir, `phone${n}`), owner: 'accept', enumerationDelayMs: 30 });
        server.export(phone, `1-${n + 1}`);
        phones.push(phone);
    }
    e2e = await startE2e({ backend: { usbipSources: [`127.0.0.1:${server.port}`], localUsb: false, usbipPollMs: 100, onNotice: () => undefined } });
    // The technician's hands on each phone: when its lane says which keys to hold, they are held on that phone.
    const lanes = new Map<string, number>();
    e2e.backend.subscribe((event, payload) => {
        if (event === 'counterChanged') for (const lane of (payload as CounterView).lanes) lanes.set(lane.jobId, Number(lane.deviceId.slice(-1)) - 1);
        if (event !== 'jobInstruction') return;
        const instruction = payload as EventPayload<'jobInstruction'>;
        const phone = phones[lanes.get(instruction.jobId) ?? -1];
        const mode = instruction.waitingFor;
        if (phone && mode && mode !== 'unknown' && instruction.buttons.length > 0) setTimeout(() => phone.mode !== mode && phone.pressKeys(mode), 400);
    });
});

afterAll(async () => {
    await e2e?.close();
    await server?.close();
    for (const phone of phones) await phone.close();
    phones = [];
    rmSync(dir, { recursive: true, force: true });
});

describe('the counter screen with three phones', () => {
    it('runs three lanes, keeps the failing one to itself, and words it all in English and German', async () => {
        const en = translations('en');
        const de = translations('de');
        const { page, demo } = e2e;
        const shotsEn = new Shots(page, 'en', 'counter');
        const shotsDe = new Shots(page, 'de', 'counter');
        await page.goto(e2e.url('en'));
        await page.getByRole('button', { name: en('counter.offer.open') }).click();
        await page.getByRole('heading', { name: en('counter.title'), level: 1 }).waitFor();
        const lanes = page.locator('li.counter-lane');
        await expect.poll(() => lanes.count(), { timeout: 30_000 }).toBe(3);
        await expect.poll(() => lanes.filter({ hasText: 'Samsung Galaxy S4 LTE-A' }).count(), { timeout: 30_000 }).toBe(3);

        // The shop, made from the page as `revive shop init` makes it.
        const shopDir = join(dir, 'shop');
        await page.getByLabel(en('counter.shop.folder')).fill(shopDir);
        await page.getByLabel(en('counter.shop.name')).fill('Fix-it Corner');
        await page.getByRole('button', { name: en('counter.shop.create') }).click();
        await page.getByText('Receipts are signed by "Fix-it Corner"').waitFor();
        expect(existsSync(join(shopDir, 'shop-key.pem'))).toBe(true);
        await page.getByLabel(en('counter.shop.technician')).fill('Ana Lima');
        await page.getByRole('button', { name: en('counter.shop.saveTechnician') }).click();
        await expect.poll(() => page.getByRole('button', { name: en('counter.shop.saveTechnician') }).isDisabled()).toBe(true);
        await page.getByLabel(en('counter.queue.limit')).selectOption('2');

        for (const role of ['recovery', 'rom', 'gapps', 'su'] as const) {
            await page.locator(`input[type=file][data-role=${role}]`).setInputFiles([demo[role], `${demo[role]}.sha256`]);
        }
        await expect.poll(() => page.locator('li.file-row.verified').count(), { timeout: 30_000 }).toBe(4);
        for (const n of [0, 1, 2]) await lanes.nth(n).getByLabel(en('counter.lane.ticket')).fill(`T-20${n + 1}`);

        // "Which phone is this?" on the second lane: that phone, and only that one, opens its About phone screen.
        await lanes.nth(1).getByRole('button', { name: en('counter.identify.button') }).click();
        await lanes.nth(1).getByText('now shows its About phone screen').waitFor();
        expect(phones.map((p) => p.state.extra['screen'])).toEqual([undefined, 'about-phone', undefined]);
        await shot(shotsEn, page, 'ready');

        // The middle phone's cable comes loose while the new system goes onto it.
        phones[1]!.faults.unplugAfterBytes = 1_500_000;
        for (const n of [0, 1, 2]) await lanes.nth(n).getByRole('button', { name: en('counter.lane.start') }).click();
        await expect.poll(() => lanes.nth(2).locator('.lane-status').innerText()).toBe(en('counter.status.queued'));
        await shot(shotsEn, page, 'running-and-waiting');

        // The questions each job asks, answered lane by lane on the page; German halfway through.
        const dialogs = page.getByRole('alertdialog');
        const ended = (): Promise<number> => lanes.filter({ has: page.locator('.lane-outcome') }).count();
        let german = false;
        const deadline = Date.now() + 240_000;
        while ((await ended()) < 3) {
            if (Date.now() > deadline) throw new Error(`The lanes did not end. Page says:\n${await page.locator('main').innerText()}`);
            if ((await dialogs.count()) > 0) {
                await dialogs.first().getByRole('button').last().click().catch(() => undefined);
                continue;
            }
            if (!german && (await page.getByRole('progressbar').count()) > 0) {
                await page.getByLabel(en('app.language')).selectOption('de');
                await page.getByRole('heading', { name: de('counter.title'), level: 1 }).waitFor();
                await shot(shotsDe, page, 'running');
                german = true;
            }
            await page.waitForTimeout(100);
        }
        const t = german ? de : en;
        await expect.poll(() => lanes.nth(0).locator('.lane-status').innerText(), { timeout: 30_000 }).toBe(t('counter.status.done'));
        expect(await lanes.nth(1).locator('.lane-status').innerText()).toBe(t('counter.status.failed'));
        await expect.poll(() => lanes.nth(2).locator('.lane-status').innerText(), { timeout: 30_000 }).toBe(t('counter.status.done'));
        // The failure is said in its own lane only.
        expect(await lanes.nth(0).locator('.lane-outcome.done').count()).toBe(1);
        expect(await lanes.nth(2).locator('.lane-outcome.done').count()).toBe(1);
        expect(await lanes.nth(1).locator('.lane-outcome.failed').innerText()).toContain(t('run.failed.phoneState'));
        if (german) await shot(shotsDe, page, 'ended');
        await page.getByLabel(german ? de('app.language') : en('app.language')).selectOption('en');
        await page.getByRole('heading', { name: en('counter.title'), level: 1 }).waitFor();
        await shot(shotsEn, page, 'ended');
        // A small shop laptop: the lanes keep whole lines, nothing scrolls sideways.
        await page.setViewportSize({ width: 800, height: 600 });
        await shot(shotsEn, page, 'ended-800x600');
        await page.setViewportSize({ width: 1200, height: 900 });

        // What the phones say themselves: the two good ones have the ROM, the unplugged one nothing.
        const rom = sha256Of(demo.rom);
        expect(phones[0]!.state.installed[0]?.sha256).toBe(rom);
        expect(phones[2]!.state.installed[0]?.sha256).toBe(rom);
        expect(phones[1]!.state.installed).toEqual([]);
        // A receipt per lane, the failed one too.
        for (const n of [0, 1, 2]) await lanes.nth(n).getByText(en('counter.lane.receipt')).waitFor();

        // The history, searched by ticket.
        await page.locator('form.history-form').getByLabel(en('counter.history.ticket')).fill('t-202');
        await page.getByRole('button', { name: en('counter.history.search') }).click();
        const table = page.locator('table.history-table');
        await table.waitFor();
        expect(await table.locator('tbody tr').count()).toBe(1);
        expect(await table.locator('tbody tr').innerText()).toContain(en('counter.result.failed'));
        await shot(shotsEn, page, 'history');
        await page.getByLabel(en('app.language')).selectOption('de');
        await page.getByRole('heading', { name: de('counter.title'), level: 1 }).waitFor();
        await shot(shotsDe, page, 'history');
        expect(german).toBe(true);
    }, 400_000);
});
