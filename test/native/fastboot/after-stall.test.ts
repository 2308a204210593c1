/**
 * A phone that answers late: the reply to a command that timed out arrives while the next command
 * waits, and must never be taken for that command's answer. The bootloader here is a TCP double
 * that holds the first reply back until the second command arrives, then sends both.
 */
import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FastbootClient } from '../../../native/fastboot/client.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import { connectFastbootTcp } from '../../../native/tcp/fastboot-tcp.js';

function frame(text: string): Buffer {
    const body = Buffer.from(text, 'latin1');
    const header = Buffer.alloc(8);
    header.writeBigUInt64BE(BigInt(body.length));
    return Buffer.concat([header, body]);
}

/** Answers nothing to the first command; when the second arrives, sends the first's late OKAY, then the second's. */
async function lateBootloader(): Promise<{ port: number; commands: string[]; close: () => Promise<void> }> {
    const commands: string[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        let handshaken = false;
        let buffered = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
            buffered = Buffer.concat([buffered, chunk]);
            if (!handshaken) {
                if (buffered.length < 4) return;
                buffered = buffered.subarray(4);
                handshaken = true;
                socket.write('FB01');
            }
            while (buffered.length >= 8) {
                const length = Number(buffered.readBigUInt64BE(0));
                if (buffered.length < 8 + length) return;
                commands.push(buffered.subarray(8, 8 + length).toString('latin1'));
                buffered = buffered.subarray(8 + length);
                if (commands.length === 2) socket.write(Buffer.concat([frame('OKAYlate-answer-to-the-first'), frame('OKAYanswer-to-the-second')]));
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        port: (server.address() as { port: number }).port,
        commands,
        close: async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
});

describe('fastboot after a command timed out', () => {
    it('closes the connection: the late OKAY is never read as the next command\'s answer', async () => {
        const phone = await lateBootloader();
        cleanup = phone.close;
        const client = await FastbootClient.open(await connectFastbootTcp('127.0.0.1', phone.port, { timeoutMs: 10_000 }), { timeoutMs: 300 });
        const first = await client.getVar('product').catch((error: unknown) => error);
        expect(first).toBeInstanceOf(ReviveError);
        expect((first as ReviveError).code).toBe('fastboot-timeout');
        const second = await client.getVar('max-download-size').catch((error: unknown) => error);
        expect(second).toBeInstanceOf(ReviveError);
        expect((second as ReviveError).code).toBe('fastboot-connection-dropped');
        expect((second as ReviveError).message).toContain('max-download-size');
        expect((second as ReviveError).message).toContain('an earlier exchange with the phone broke off');
        // The second command never went out on the dropped connection.
        expect(phone.commands).toEqual(['getvar:product']);
        await client.close();
    }, 30_000);
});
