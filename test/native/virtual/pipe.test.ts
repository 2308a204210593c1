/**
 * The pipe's backlog: what the computer delivered that the phone has not taken yet, so that a
 * carrier without flow control of its own can hold the computer back as a device would.
 */
import { describe, expect, it } from 'vitest';
import { createPipePair } from '../../../native/virtual/pipe.js';

const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    return done;
};

describe('pipe backlog', () => {
    it('counts delivered bytes until the device takes them, and wakes a waiter once low enough', async () => {
        const { device, host } = createPipePair();
        host.deliver(new Uint8Array(300));
        host.deliver(new Uint8Array(200));
        host.deliver(new Uint8Array(0));
        expect(host.backlog).toBe(500);
        const low = host.backlogAtMost(200);
        expect(await settled(low)).toBe(false);
        expect((await device.receive()).length).toBe(300);
        expect(host.backlog).toBe(200);
        expect(await settled(low)).toBe(true);
        expect(await settled(host.backlogAtMost(200))).toBe(true);
        expect(await settled(host.backlogAtMost(0))).toBe(false);
    });

    it('lets a waiter go when the pipe closes with bytes still waiting', async () => {
        const { host } = createPipePair();
        host.deliver(new Uint8Array(1000));
        const low = host.backlogAtMost(0);
        expect(await settled(low)).toBe(false);
        host.close('unplugged');
        expect(await settled(low)).toBe(true);
    });
});
