import { afterEach, describe, expect, it } from 'vitest';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';

/** Answers each host transfer with "ok:<bytes>", so a test sees which read got which reply. */
const echo: ModeProtocol = {
    async serve(pipe) {
        for (;;) {
            const data = await pipe.receive();
            if (data.length > 0) pipe.send(new TextEncoder().encode(`ok:${new TextDecoder().decode(data)}`));
        }
    },
};

const phones: VirtualPhone[] = [];
afterEach(async () => {
    for (const phone of phones.splice(0)) await phone.close();
});

async function openFastbootFace(): Promise<USBDevice> {
    const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', protocols: { bootloader: echo } });
    phones.push(phone);
    const device = await phone.waitForDevice({ timeoutMs: 2000 });
    await device.open();
    await device.selectConfiguration(1);
    await device.claimInterface(0);
    return device;
}

describe('the virtual USBDevice behaves as WebUSB does', () => {
    it('close() ends a pending transfer, so the next user of the device gets its own reply', async () => {
        const device = await openFastbootFace();
        const pending = device.transferIn(1, 64);
        await device.close();
        await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

        await device.open();
        await device.claimInterface(0);
        await device.transferOut(1, new TextEncoder().encode('second'));
        const reply = await device.transferIn(1, 64);
        expect(new TextDecoder().decode(reply.data)).toBe('ok:second');
    });

    it('hands out data that owns its whole buffer, and keeps a copy of what the host sent', async () => {
        const device = await openFastbootFace();
        const buffer = new TextEncoder().encode('abc');
        await device.transferOut(1, buffer);
        buffer.fill(0x7a);
        const reply = await device.transferIn(1, 64);
        expect(reply.data?.byteOffset).toBe(0);
        expect(reply.data?.buffer.byteLength).toBe(reply.data?.byteLength);
        expect(new TextDecoder().decode(reply.data)).toBe('ok:abc');
    });
});
