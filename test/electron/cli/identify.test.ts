/** `revive identify`: the phone on a port shows itself (About phone in Android), and nothing else changes. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';
import { UsbIpServer } from '../../../native/usbip/server.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { tempHome } from '../../support/temp-home.js';

tempHome('revive-identify-');

describe('revive identify', () => {
    it('makes only the phone on that port open its About phone screen, and says where a phone in download mode is', async () => {
        const phones = [
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', enumerationDelayMs: 20 }),
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', enumerationDelayMs: 20 }),
            await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'download', enumerationDelayMs: 20 }),
        ];
        const server = await UsbIpServer.start({ port: 0 });
        phones.forEach((phone, i) => server.export(phone, `1-${i + 1}`));
        try {
            const shown = await runCli(['identify', '--device', `usbip:${server.address}/1-2`]);
            expect(shown.code, shown.err).toBe(0);
            expect(shown.out).toMatch(new RegExp(`on usbip:${server.address}/1-2 now shows its About phone screen`));
            expect(phones.map((p) => p.state.extra['screen'])).toEqual([undefined, 'about-phone', undefined]);
            expect(phones[1]!.mode).toBe('android');
            const download = await runCli(['identify', '--device', `usbip:${server.address}/1-3`, '--json']);
            expect(download.code, download.err).toBe(0);
            expect(JSON.parse(download.out)).toMatchObject({ mode: 'download', shows: null, port: `usbip:${server.address}/1-3` });
        } finally {
            await server.close();
            for (const phone of phones) await phone.close();
        }
    }, 120_000);
});
