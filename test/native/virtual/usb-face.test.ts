/**
 * The virtual phone's USB face, bulk OUT into a device that is slower than the computer: a transfer
 * completes only while the device holds at most DEVICE_BACKLOG_LIMIT of what came (a real device
 * NAKs while its buffer is full), so a download cannot pile up in memory.
 */
import { describe, expect, it } from 'vitest';
import { requireRecipe } from '../../../native/manifests/load.js';
import { faceDescriptors } from '../../../native/virtual/face-descriptors.js';
import { createPipePair, DEVICE_BACKLOG_LIMIT } from '../../../native/virtual/pipe.js';
import { UsbFace, type FaceHooks } from '../../../native/virtual/usb-face.js';

const MiB = 1024 * 1024;
const hooks: FaceHooks = {
    beforeBulkOut: (length) => ({ deliver: length, unplug: false, hang: false }),
    beforeBulkIn: (length) => ({ deliver: length, unplug: false }),
    isHung: () => false,
    unplug: () => undefined,
    log: () => undefined,
};

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
    let done = false;
    void promise.then(
        () => (done = true),
        () => (done = true),
    );
    await new Promise((resolve) => setImmediate(resolve));
    return done;
};

function face(): { face: UsbFace; pair: ReturnType<typeof createPipePair>; out: number } {
    const descriptors = faceDescriptors(requireRecipe('shamu'), 'bootloader', 'TEST0001');
    const pair = createPipePair();
    return { face: new UsbFace('bootloader', descriptors, pair.host, hooks), pair, out: descriptors.bulkOut };
}

describe('USB face bulk OUT', () => {
    it('holds a transfer back while the device has more than its buffer waiting, and lets it go once the device takes', async () => {
        const { face: usb, pair, out } = face();
        const transfers = DEVICE_BACKLOG_LIMIT / MiB;
        for (let i = 0; i < transfers; i++) expect(await usb.transferOut(out, new Uint8Array(MiB))).toEqual({ status: 'ok', bytesWritten: MiB });
        const held = usb.transferOut(out, new Uint8Array(MiB));
        expect(await settled(held)).toBe(false);
        expect(pair.host.backlog).toBe(DEVICE_BACKLOG_LIMIT + MiB);
        await pair.device.receive();
        expect(await settled(held)).toBe(true);
        expect(await held).toEqual({ status: 'ok', bytesWritten: MiB });
    });

    it('ends a held transfer when the computer cancels it, or when the device goes', async () => {
        const { face: usb, pair, out } = face();
        for (let i = 0; i <= DEVICE_BACKLOG_LIMIT / MiB; i++) void usb.transferOut(out, new Uint8Array(MiB)).catch(() => undefined);
        const controller = new AbortController();
        const cancelled = usb.transferOut(out, new Uint8Array(MiB), controller.signal);
        controller.abort();
        await expect(cancelled).rejects.toMatchObject({ code: 'aborted' });
        const unplugged = usb.transferOut(out, new Uint8Array(MiB));
        usb.detach('unplugged');
        await expect(unplugged).rejects.toMatchObject({ code: 'disconnected' });
        expect(pair.host.backlog).toBeGreaterThan(DEVICE_BACKLOG_LIMIT);
    });
});
