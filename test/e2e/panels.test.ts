/**
 * After the upgrade, in Chromium: a VPN profile with its QR code pushed to the virtual phone
 * (checked byte for byte in the phone's own storage), a key pair with the revocation advice, the
 * firewall from the phone's app list, an APK refused for its checksum; each panel axe-scanned and
 * photographed in English and German.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWireGuardKeyPair } from '../../native/panels/wireguard.js';
import { screenshotDir, startE2e, type E2e } from './harness.js';
import { seriousAxeFindings } from './axe.js';
import { translations } from './wizard.js';

type Language = 'en' | 'de';

async function shot(page: Page, language: Language, name: string): Promise<void> {
    await page.screenshot({ path: join(screenshotDir(language), `panels-${name}.png`), fullPage: true });
}

/** Open a panel from the home screen's "After the upgrade" section. */
async function openPanel(page: Page, t: (key: string) => string, panel: 'keys' | 'vpn' | 'firewall' | 'apps'): Promise<void> {
    await page.getByRole('navigation', { name: t('panels.navLabel') }).getByRole('button', { name: t(`panels.${panel}.short`), exact: true }).click();
    await page.getByRole('heading', { level: 1, name: t(`panels.${panel}.title`) }).waitFor();
}

describe('after-the-upgrade panels in Chromium', () => {
    let e2e: E2e;
    const serverKey = generateWireGuardKeyPair().publicKey;

    beforeAll(async () => {
        e2e = await startE2e({ bypassCsp: true });
    });
    afterAll(async () => {
        await e2e?.close();
    });

    async function start(language: Language): Promise<(key: string) => string> {
        const t = translations(language);
        const { page } = e2e;
        await page.goto(e2e.url(language));
        await page.getByRole('heading', { name: t('panels.sectionTitle') }).waitFor();
        if (!e2e.backend.virtualPhone) {
            await page.getByRole('button', { name: t('devices.virtualOffer.start') }).click();
            await page.getByRole('button', { name: t('devices.upgrade') }).waitFor();
        }
        await shot(page, language, 'home');
        await page.getByRole('button', { name: t('panels.openLabel').replace('{{panel}}', t('panels.vpn.title')) }).click();
        await page.getByRole('heading', { level: 1, name: t('panels.vpn.title') }).waitFor();
        return t;
    }

    async function createVpn(t: (key: string) => string): Promise<void> {
        const { page } = e2e;
        await page.getByLabel(t('vpn.fields.serverPublicKey')).fill(serverKey);
        await page.getByLabel(t('vpn.fields.endpoint')).fill('vpn.example.org:51820');
        await page.getByLabel(t('vpn.fields.dns')).fill('10.8.0.1');
        await page.getByRole('button', { name: t('vpn.create') }).click();
        const qr = page.getByRole('img', { name: t('vpn.result.qrAlt').replace('{{name}}', 'home') });
        await qr.waitFor();
        expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
        // The image has really loaded (a broken data URL has no natural size).
        expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
        expect(await page.locator('pre.config-block').innerText()).toContain('[Peer]');
    }

    async function createKeys(t: (key: string) => string): Promise<void> {
        const { page } = e2e;
        await page.getByLabel(t('keys.identities.name').replace('{{n}}', '1')).fill('Ada Lovelace');
        await page.getByLabel(t('keys.identities.email').replace('{{n}}', '1')).fill('ada@example.org');
        await page.getByRole('textbox', { name: t('keys.passphrase.label'), exact: true }).fill('violet harbour seventeen lanterns');
        await page.getByRole('textbox', { name: t('keys.passphrase.repeat') }).fill('violet harbour seventeen lanterns');
        await expect.poll(() => page.locator('.strength strong').innerText()).toBe(t('keys.strength.levels.very-strong'));
        await page.getByRole('button', { name: t('keys.create') }).click();
        await page.getByRole('heading', { name: t('keys.revocation.title') }).waitFor({ timeout: 20_000 });
    }

    it('makes a VPN profile with its QR code and pushes the .conf byte-identical to the virtual phone (English)', async () => {
        const t = await start('en');
        const { page } = e2e;
        expect(await seriousAxeFindings(page)).toEqual([]);
        await createVpn(t);
        await page.getByRole('button', { name: t('vpn.push.send').replace('{{file}}', 'wg-home.conf') }).click();
        await page.getByText('/sdcard/Download/wg-home.conf').waitFor();
        const phone = e2e.backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const onPhone = readFileSync(join(phone.stateDir, 'fs', 'data', 'media', '0', 'Download', 'wg-home.conf'));
        const local = readFileSync(join(e2e.home, 'vpn', 'wg-home.conf'));
        expect(onPhone.equals(local)).toBe(true);
        expect(local.toString()).toContain(`PublicKey = ${serverKey}`);
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'en', 'vpn');
        // Imported: the profile (it holds the private key) is deleted from shared storage again.
        await page.getByRole('button', { name: t('vpn.push.remove') }).click();
        await page.getByText(t('vpn.push.removed')).waitFor();
        expect(existsSync(join(phone.stateDir, 'fs', 'data', 'media', '0', 'Download', 'wg-home.conf'))).toBe(false);
    });

    it('creates a key pair and tells the person to store the revocation certificate apart (English)', async () => {
        const t = translations('en');
        const { page } = e2e;
        await openPanel(page, t, 'keys');
        expect(await seriousAxeFindings(page)).toEqual([]);
        await createKeys(t);
        const advice = page.getByRole('note').filter({ hasText: t('keys.revocation.title') });
        expect(await advice.innerText()).toMatch(/\.rev\.asc declares this key invalid/);
        // The form with the passphrase is gone once the key exists; "Create another key" starts empty.
        expect(await page.getByRole('textbox', { name: t('keys.passphrase.label'), exact: true }).count()).toBe(0);
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'en', 'keys');
    });

    it('sends only the public key unless the secret key is explicitly ticked', async () => {
        const t = translations('en');
        const { page } = e2e;
        await page.getByRole('button', { name: t('keys.push.send') }).click();
        const pushed = page.locator('.pushed');
        await pushed.waitFor();
        expect(await pushed.innerText()).toMatch(/\/sdcard\/OpenKeychain\/[0-9A-F]{16}\.pub\.asc/);
        expect(await pushed.innerText()).not.toContain('.sec.asc');
        await page.getByRole('checkbox', { name: t('keys.push.withSecret') }).check();
        await page.getByRole('button', { name: t('keys.push.sendBoth') }).click();
        await page.locator('.pushed', { hasText: '.sec.asc' }).waitFor();
        await page.getByRole('button', { name: t('keys.another') }).click();
        expect(await page.getByRole('textbox', { name: t('keys.passphrase.label'), exact: true }).inputValue()).toBe('');
    });

    it('builds the firewall from the phone\'s app list, and refuses a modified APK per app (English)', async () => {
        const t = translations('en');
        const { page } = e2e;
        await openPanel(page, t, 'firewall');
        await page.getByRole('button', { name: /Read the apps from/ }).click();
        // The phone answers with its list (each app blocked), or says it listed none.
        await page.getByText(/The phone (listed|did not list)/).waitFor();
        await page.getByLabel(t('firewall.apps.typeLabel')).fill('org.mozilla.focus');
        await page.getByRole('button', { name: t('firewall.apps.add') }).click();
        const focusWifi = page.getByRole('checkbox', { name: 'Allow Wi-Fi for Firefox Focus (org.mozilla.focus)' });
        // The app's everyday name stands above its package name.
        expect(await page.getByRole('rowheader', { name: /org\.mozilla\.focus/ }).innerText()).toMatch(/^Firefox Focus\s+org\.mozilla\.focus/);
        expect(await focusWifi.isChecked()).toBe(true);
        await page.getByRole('checkbox', { name: 'Allow Mobile data for Firefox Focus (org.mozilla.focus)' }).check();
        await page.getByRole('button', { name: 'Make the firewall files (1 app allowed)' }).click();
        await page.getByRole('heading', { name: t('firewall.result.title') }).waitFor();
        const afwall = readFileSync(join(e2e.home, 'firewall', 'afwall-revive-private.json'), 'utf8');
        expect(afwall).toContain('org.mozilla.focus');
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'en', 'firewall');

        await openPanel(page, t, 'apps');
        const apk = join(e2e.home, 'org.mozilla.focus.apk');
        writeFileSync(apk, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(4096, 7)]));
        writeFileSync(`${apk}.sha256`, `${'ab'.repeat(32)}  org.mozilla.focus.apk\n`);
        await page.locator('input[type=file][data-role=apk]').setInputFiles([apk, `${apk}.sha256`]);
        await expect.poll(() => page.getByLabel(/SHA-256 checksum of org.mozilla.focus.apk/).inputValue()).toBe('ab'.repeat(32));
        await page.getByRole('button', { name: 'Check and install 1 app' }).click();
        await page.getByText(t('apps.status.refused')).waitFor();
        expect(await page.getByRole('alert').innerText()).toContain('Nothing was installed');
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'en', 'apps');
    });

    it('shows the panels in German', async () => {
        const t = await start('de');
        const { page } = e2e;
        await createVpn(t);
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'de', 'vpn');
        await openPanel(page, t, 'keys');
        await createKeys(t);
        expect(await page.getByRole('note').innerText()).toContain('Bewahren Sie das Widerrufszertifikat getrennt auf');
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'de', 'keys');
        await openPanel(page, t, 'firewall');
        await page.getByRole('button', { name: /Die Apps vom .* lesen/ }).click();
        await page.getByText(/Das Handy hat/).waitFor();
        await page.getByLabel(t('firewall.apps.typeLabel')).fill('org.mozilla.focus');
        await page.getByRole('button', { name: t('firewall.apps.add') }).click();
        await page.getByRole('checkbox', { name: 'WLAN für Firefox Focus (org.mozilla.focus) erlauben' }).waitFor();
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'de', 'firewall');
        await openPanel(page, t, 'apps');
        expect(await seriousAxeFindings(page)).toEqual([]);
        await shot(page, 'de', 'apps');
    });
});
