/**
 * fastboot over TCP into a phone that is slower than the computer: the endpoint stops reading the
 * socket while the phone has a backlog, as a real bootloader's receive window would, instead of
 * keeping a whole download in memory.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeFrameHeader, HANDSHAKE } from '../../../../native/tcp/fastboot-frames.js';
import { createPipePair } from '../../../../native/virtual/pipe.js';
import { startFastbootTcpEndpoint } from '../../../../native/virtual/tcp/fastboot-endpoint.js';

const MiB = 1024 * 1024;

describe('virtual fastboot TCP endpoint', () => {
    it('holds the computer back while the phone has not taken what came', { timeout: 60_000 }, async () => {
        const pair = createPipePair();
        // A phone that takes nothing yet, as one busy writing a slow disk.
        const endpoint = await startFastbootTcpEndpoint({ mode: 'bootloader', openProtocolConnection: () => pair.host }, 0);
        const socket = connect(endpoint.port, '127.0.0.1');
        try {
            await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
            socket.write(HANDSHAKE);
            const frame = Buffer.concat([encodeFrameHeader(MiB), new Uint8Array(MiB)]);
            // 64 MiB offered as fast as the socket takes it; a reader that never stops would take all of it.
            const writing = (async () => {
                for (let i = 0; i < 64; i++) if (!socket.write(frame)) await new Promise((resolve) => socket.once('drain', resolve));
            })();
            await new Promise((resolve) => setTimeout(resolve, 1000));
            expect(pair.host.backlog).toBeGreaterThan(0);
            expect(pair.host.backlog).toBeLessThanOrEqual(8 * MiB + MiB);
            // Once the phone takes what waits, the endpoint reads on, to the last byte.
            let taken = 0;
            while (taken < 64 * MiB) taken += (await pair.device.receive()).length;
            await writing;
            expect(taken).toBe(64 * MiB);
        } finally {
            socket.destroy();
            pair.host.close();
            await endpoint.close();
        }
    });
});
