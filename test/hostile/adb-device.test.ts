/**
 * A hostile phone on the adb side: its adbd answers the computer's CNXN (over in-process USB and
 * over TCP) with damaged packets — bad magic, wrong checksums, lying or oversize lengths, unknown
 * commands, truncated headers, CNXN with absurd version or max-data, AUTH loops, OKAY/WRTE/CLSE for
 * streams that do not exist — or with nothing at all. The adb protocol is @yume-chan/adb's; what is
 * pinned here is Revive's edge: every connection and command ends, within a bounded time, in a
 * clear refusal (no unhandled rejection, no hang, no crash).
 *
 * Stream ids in the damaged packets are never the small ids the computer's first streams get: a
 * phone that accepts a command and then says nothing is a long-running command, not damage.
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AdbKeyStore } from '../../native/adb/credentials.js';
import { connectAdb, type AdbTarget } from '../../native/adb/phone.js';
import { AdbCmd, byteSum } from '../../native/virtual/adbd-wire.js';
import type { ModeProtocol } from '../../native/virtual/mode-protocol.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { startAdbTcpEndpoint, type AdbTcpEndpoint } from '../../native/virtual/tcp/adb-endpoint.js';
import { bounded, expectClearRefusal, property, SEED, tried } from './harness.js';

interface HostilePacket {
    readonly command: number;
    readonly arg0: number;
    readonly arg1: number;
    readonly payload: Uint8Array;
    /** What the header's length field says instead of the truth (undefined: the truth). */
    readonly claimedLength: number | undefined;
    readonly badChecksum: boolean;
    readonly badMagic: boolean;
}

/** One answer: the transfers the phone sends after one of the computer's packets. */
type Answer = readonly Uint8Array[];

function encode(packet: HostilePacket): Uint8Array[] {
    const header = new Uint8Array(24);
    const view = new DataView(header.buffer);
    view.setUint32(0, packet.command >>> 0, true);
    view.setUint32(4, packet.arg0 >>> 0, true);
    view.setUint32(8, packet.arg1 >>> 0, true);
    view.setUint32(12, (packet.claimedLength ?? packet.payload.length) >>> 0, true);
    view.setUint32(16, (byteSum(packet.payload) + (packet.badChecksum ? 1 : 0)) >>> 0, true);
    view.setUint32(20, ((packet.command ^ 0xffffffff) ^ (packet.badMagic ? 0x10 : 0)) >>> 0, true);
    // As adbd does: the header and the payload are separate USB transfers.
    return packet.payload.length > 0 ? [header, packet.payload] : [header];
}

const commands = [AdbCmd.CNXN, AdbCmd.AUTH, AdbCmd.OPEN, AdbCmd.OKAY, AdbCmd.CLSE, AdbCmd.WRTE, AdbCmd.STLS];
/** Never 1…3 (the computer's first stream ids), so damage never completes a command by luck. */
const streamId = fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.integer({ min: 0x10000, max: 0xfffffff0 }));
const banner = fc.oneof(
    fc.constant('device::ro.product.name=x;ro.product.model=y;ro.product.device=z;features=shell_v2'),
    fc.string({ maxLength: 80 }),
    fc.constant(''),
);
const text = new TextEncoder();

const packet: fc.Arbitrary<HostilePacket> = fc.record({
    command: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...commands) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffffffff }) }),
    arg0: fc.oneof(fc.constantFrom(0, 1, 2, 3, 0x01000000, 0x01000001), streamId),
    arg1: fc.oneof(fc.constantFrom(0, 1, 4095, 4096, 0x100000, 0xffffffff), streamId),
    payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), banner.map((b) => text.encode(b))),
    claimedLength: fc.option(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(0x100001, 0x7fffffff, 0xffffffff)), { freq: 4 }),
    badChecksum: fc.boolean(),
    badMagic: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/** A CNXN the computer accepts, with an absurd max-data or version now and then. */
const cnxn: fc.Arbitrary<HostilePacket> = fc.record({
    command: fc.constant(AdbCmd.CNXN),
    arg0: fc.constantFrom(0x01000000, 0x01000001, 0, 0xffffffff),
    arg1: fc.constantFrom(4096, 256 * 1024, 1024 * 1024, 0xffffffff, 0, 1, 4095),
    payload: banner.map((b) => text.encode(b)),
    claimedLength: fc.constant(undefined),
    badChecksum: fc.constant(false),
    badMagic: fc.constant(false),
});

/** AUTH TOKEN again and again, whatever the computer signs or offers. */
const authLoop: fc.Arbitrary<Answer[]> = fc.integer({ min: 2, max: 6 }).map((rounds) =>
    Array.from({ length: rounds }, () => encode({ command: AdbCmd.AUTH, arg0: 1, arg1: 0, payload: new Uint8Array(20).fill(7), claimedLength: undefined, badChecksum: false, badMagic: false })),
);

const answer: fc.Arbitrary<Answer> = fc.array(fc.oneof({ weight: 5, arbitrary: packet.map(encode) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => [b]) }), { maxLength: 5 }).map((parts) => parts.flat());

const script: fc.Arbitrary<Answer[]> = fc.oneof(
    // Damage from the first answer on.
    fc.array(answer, { minLength: 1, maxLength: 3 }),
    // A handshake that succeeds, then damage in answer to the command.
    fc.tuple(cnxn, fc.array(answer, { minLength: 1, maxLength: 3 })).map(([hello, rest]) => [encode(hello), ...rest]),
    authLoop,
    // Silence.
    fc.constant<Answer[]>([]),
);

const commandWords = new Set(commands.map((c) => c >>> 0));

/** The phone's adbd, replaced by whatever `current.script` says; one answer per packet from the computer. */
const current: { script: Answer[] } = { script: [] };
const hostileAdbd: ModeProtocol = {
    async serve(pipe, _phone, signal) {
        const answers = [...current.script];
        for (;;) {
            const data = await pipe.receive(signal);
            if (data.length < 4 || !commandWords.has(new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true))) continue;
            // A CNXN starts a new connection over the same USB pipe: its script starts again.
            if (new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) === AdbCmd.CNXN) answers.splice(0, answers.length, ...current.script);
            for (const transfer of answers.shift() ?? []) pipe.send(transfer);
        }
    },
};

let dir: string;
let phone: VirtualPhone;
let endpoint: AdbTcpEndpoint;
let keyStore: AdbKeyStore;

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-hostile-adb-'));
    keyStore = new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null });
    phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'android', owner: 'accept', stateDir: join(dir, 'phone'), enumerationDelayMs: 10, protocols: { android: hostileAdbd } });
    endpoint = await startAdbTcpEndpoint(phone, 0);
});
afterAll(async () => {
    await endpoint?.close();
    await phone?.close();
    rmSync(dir, { recursive: true, force: true });
    console.info(`hostile adb device: ${tried.count} inputs, seed ${SEED}`);
});

async function target(overTcp: boolean): Promise<AdbTarget> {
    if (overTcp) return { host: '127.0.0.1', port: endpoint.port };
    const usbDevice = (await phone.waitForDevice({ mode: 'android', timeoutMs: 10_000 })) as USBDevice;
    return { usbDevice };
}

describe('a hostile adbd', () => {
    it('damaged, absurd or missing answers end the connection or the command with a clear refusal, in bounded time', async () => {
        await property(
            fc.tuple(script, fc.boolean()),
            async ([answers, overTcp]) => {
                current.script = answers;
                const outcome = await bounded(async () => {
                    const adb = await connectAdb(await target(overTcp), { keyStore, handshakeTimeoutMs: 1000, openTimeoutMs: 1000, allowTimeoutMs: 1000 });
                    try {
                        return await adb.shell('getprop ro.product.model');
                    } finally {
                        await adb.close();
                    }
                }, 20_000);
                if ('error' in outcome) expectClearRefusal(outcome.error);
            },
            50,
        );
    }, 600_000);
});
