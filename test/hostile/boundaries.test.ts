/**
 * Hostile input at the file and device boundaries: LZ4 frames, tar and .tar.md5 archives, sparse
 * images (flashed into the virtual phone: a refused image writes nothing), flashable zips, and
 * replies from a USB/IP server (device lists, the import, URB replies) and a fastboot device that
 * send damaged or endless data.
 */
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastbootClient } from '../../native/fastboot/client.js';
import { writeDemoRom } from '../../native/integrity/demo-packages.js';
import { inspectZip } from '../../native/integrity/zip-inspect.js';
import { inspectFirmware, memberStream } from '../../native/odin/firmware.js';
import { decodeLz4 } from '../../native/odin/lz4.js';
import { ChunkType, encodeChunkHeader, encodeSparseHeader, isSparseMagic } from '../../native/sparse/format.js';
import { validateSparseFile } from '../../native/sparse/validate.js';
import { connectFastbootTcp } from '../../native/tcp/fastboot-tcp.js';
import { WebUsbTransport } from '../../native/usb/webusb-transport.js';
import { UsbIpClient } from '../../native/usbip/client.js';
import { encodeOpHeader, encodeRepDevlist, OpCode } from '../../native/usbip/protocol.js';
import { UsbIpServer } from '../../native/usbip/server.js';
import { UsbError } from '../../native/usb/transport.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { bootloaderPhone } from '../native/fastboot/phones.js';
import { compressible, lz4Frame, tarBytes, withMd5Trailer } from '../native/odin/firmware-fixtures.js';
import { bounded, expectClearRefusal, mutated, property, SEED, tried } from './harness.js';

let dir: string;
let file = 0;
const nextPath = (name: string): string => join(dir, `${file++}-${name}`);

beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'revive-hostile-'));
});
afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    console.info(`hostile boundaries: ${tried.count} inputs, seed ${SEED}`);
});

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    yield bytes;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
    let total = 0;
    for await (const part of stream) total += part.length;
    return total;
}

describe('hostile files', () => {
    it('LZ4: damaged frames (with and without checksums) decode or are refused', async () => {
        const data = compressible(200_000, 3);
        const plain = lz4Frame(data);
        const raw = nextPath('data.bin');
        writeFileSync(raw, data);
        const summed = new Uint8Array(execFileSync('lz4', ['-q', '-c', '-BX', raw]));
        await property(fc.oneof(mutated(plain), mutated(summed)), async (frame) => {
            const outcome = await bounded(() => drain(decodeLz4(once(frame), 'hostile.lz4')));
            if ('error' in outcome) expectClearRefusal(outcome.error);
        }, 40);
    });

    it('tar and .tar.md5: damaged archives are indexed with streams of the stated size, or refused', async () => {
        const members = [
            { name: 'recovery.img', data: compressible(20_000, 4) },
            { name: 'boot.img.lz4', data: lz4Frame(compressible(30_000, 5)) },
        ];
        const tar = await tarBytes(members);
        const md5 = withMd5Trailer(tar, 'AP.tar');
        await property(fc.oneof(mutated(tar).map((b) => ['AP.tar', b] as const), mutated(md5).map((b) => ['AP.tar.md5', b] as const)), async ([name, bytes]) => {
            const path = nextPath(name);
            writeFileSync(path, bytes);
            const outcome = await bounded(async () => {
                const archive = await inspectFirmware(path);
                for (const member of archive.members) expect(await drain(memberStream(archive, member))).toBe(member.size);
            });
            if ('error' in outcome) expectClearRefusal(outcome.error);
        }, 40);
    });

    it('flashable zips and their updater-script: damaged zips are inspected or refused', async () => {
        const rom = nextPath('rom.zip');
        await writeDemoRom(rom, { devices: ['ks01ltexx'], androidVersion: '8.1.0', payloadBytes: 20_000 });
        const valid = new Uint8Array(readFileSync(rom));
        await property(mutated(valid), async (bytes) => {
            const path = nextPath('hostile.zip');
            writeFileSync(path, bytes);
            const outcome = await bounded(() => inspectZip(path));
            if ('error' in outcome) expectClearRefusal(outcome.error);
        }, 30);
    });
});

describe('hostile sparse images flashed into the virtual phone', () => {
    let phone: VirtualPhone;
    let client: FastbootClient;
    beforeAll(async () => {
        phone = await bootloaderPhone('shamu', { owner: 'accept' });
        const device = await phone.waitForDevice({ mode: 'bootloader', timeoutMs: 5000 });
        client = await FastbootClient.open(await WebUsbTransport.open(device, { class: 0xff, subclass: 0x42, protocol: 0x03 }), { timeoutMs: 10_000 });
        await client.unlock();
    });
    afterAll(async () => {
        await client?.close().catch(() => undefined);
        await phone?.close();
    });

    it('a damaged sparse image is refused with nothing written, or flashed whole', async () => {
        const BLOCK = 4096;
        const parts: Uint8Array[] = [encodeSparseHeader({ blockSize: BLOCK, totalBlocks: 6, totalChunks: 4, imageChecksum: 0 })];
        parts.push(encodeChunkHeader({ type: ChunkType.raw, blocks: 2, totalBytes: 12 + 2 * BLOCK }), compressible(2 * BLOCK, 6));
        parts.push(encodeChunkHeader({ type: ChunkType.fill, blocks: 2, totalBytes: 16 }), new Uint8Array([1, 2, 3, 4]));
        parts.push(encodeChunkHeader({ type: ChunkType.dontCare, blocks: 1, totalBytes: 12 }));
        parts.push(encodeChunkHeader({ type: ChunkType.raw, blocks: 1, totalBytes: 12 + BLOCK }), compressible(BLOCK, 7));
        const valid = Buffer.concat(parts);
        await property(mutated(valid), async (bytes) => {
            const path = nextPath('hostile.simg');
            writeFileSync(path, bytes);
            const before = phone.partitions.writeCount('boot');
            const checked = await bounded(() => validateSparseFile(path));
            const outcome = await bounded(() => client.flash('boot', { path }));
            if ('error' in outcome) {
                expectClearRefusal(outcome.error);
                // Refused by our check: the phone got nothing.
                if ('error' in checked) expect(phone.partitions.writeCount('boot')).toBe(before);
            } else if (isSparseMagic(bytes)) {
                // Flashed: our whole-image check had accepted it (bytes without the magic are a raw image).
                expect('value' in checked).toBe(true);
            }
        }, 30);
    });
});

/** A server that answers every connection with `reply` and then keeps it open (or closes it). */
async function hostileServer(respond: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => sockets.delete(socket));
        respond(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        port: (server.address() as { port: number }).port,
        close: async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

describe('hostile devices', () => {
    it('a USB/IP server answering with damaged device lists: the list is read or refused, within the timeout', async () => {
        const entry = { device: { path: '/sys/x', busid: '1-1', busnum: 1, devnum: 2, speed: 3, vendorId: 0x04e8, productId: 0x685d, bcdDevice: 0x100, deviceClass: 2, deviceSubclass: 0, deviceProtocol: 0, configurationValue: 1, numConfigurations: 1, numInterfaces: 1 }, interfaces: [{ interfaceClass: 0x0a, interfaceSubclass: 0, interfaceProtocol: 0 }] };
        const valid = new Uint8Array(encodeRepDevlist([entry]));
        await property(fc.tuple(fc.oneof(mutated(valid), fc.uint8Array({ maxLength: 400 }), fc.constant(new Uint8Array(encodeOpHeader({ version: 0x111, code: OpCode.repDevlist, status: 0 })))), fc.boolean()), async ([reply, keepOpen]) => {
            const server = await hostileServer((socket) => {
                socket.once('data', () => {
                    socket.write(reply);
                    if (!keepOpen) socket.end();
                });
            });
            try {
                const outcome = await bounded(() => new UsbIpClient({ host: '127.0.0.1', port: server.port }, { timeoutMs: 500 }).list());
                if ('error' in outcome) expectClearRefusal(outcome.error);
            } finally {
                await server.close();
            }
        }, 20);
    });

    it('a fastboot device answering with damaged or endless replies: getvar gives a value or a clear error, within its timeout', async () => {
        const reply = fc.oneof(fc.uint8Array({ maxLength: 100 }), fc.constantFrom('OKAY', 'FAIL', 'INFO', 'DATA').chain((p) => fc.string({ maxLength: 40 }).map((s) => new TextEncoder().encode(p + s))));
        await property(fc.tuple(fc.array(reply, { maxLength: 3 }), fc.boolean(), fc.boolean()), async ([replies, framed, keepOpen]) => {
            const server = await hostileServer((socket) => {
                socket.once('data', () => {
                    socket.write('FB01');
                    socket.once('data', () => {
                        for (const body of replies) {
                            if (framed) {
                                const header = Buffer.alloc(8);
                                header.writeBigUInt64BE(BigInt(body.length));
                                socket.write(header);
                            }
                            socket.write(body);
                        }
                        if (!keepOpen) socket.end();
                    });
                });
            });
            try {
                const outcome = await bounded(async () => {
                    const fastboot = await FastbootClient.open(await connectFastbootTcp('127.0.0.1', server.port, { timeoutMs: 2000 }), { timeoutMs: 500 });
                    try {
                        return await fastboot.getVar('product');
                    } finally {
                        await fastboot.close().catch(() => undefined);
                    }
                });
                if ('error' in outcome) expectClearRefusal(outcome.error);
            } finally {
                await server.close();
            }
        }, 20);
    });

    it('a USB/IP server whose import reply and URB replies are damaged: the phone is read, or refused, within the timeout', async () => {
        const phone = await VirtualPhone.create({ codename: 'shamu', mode: 'bootloader', stateDir: nextPath('usbip-phone'), enumerationDelayMs: 10 });
        const real = await UsbIpServer.start();
        const busid = real.export(phone);
        // Between client and server: bytes from the server are damaged at the given stream offsets.
        let damage: ReadonlyArray<readonly [number, number]> = [];
        const proxy = await hostileServer((client) => {
            const changes = [...damage];
            let offset = 0;
            const upstream = connect(real.port, '127.0.0.1');
            upstream.on('error', () => client.destroy());
            client.on('close', () => upstream.destroy());
            upstream.on('close', () => client.destroy());
            client.on('data', (chunk: Buffer) => upstream.write(chunk));
            upstream.on('data', (chunk: Buffer) => {
                const copy = Buffer.from(chunk);
                for (const [at, xor] of changes) if (at >= offset && at < offset + copy.length) copy[at - offset] = copy[at - offset]! ^ xor;
                offset += copy.length;
                client.write(copy);
            });
        });
        try {
            // The import reply is 8 + 312 bytes; the descriptor and fastboot replies follow.
            await property(fc.array(fc.tuple(fc.nat({ max: 1200 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), async (changes) => {
                damage = changes;
                const outcome = await bounded(async () => {
                    const device = await new UsbIpClient({ host: '127.0.0.1', port: proxy.port }, { timeoutMs: 1000 }).import(busid);
                    try {
                        let transport;
                        try {
                            transport = await WebUsbTransport.open(device, { class: 0xff, subclass: 0x42, protocol: 0x03 });
                        } catch (error) {
                            // Opening names what went wrong in USB terms; the commands turn it into their message.
                            if (error instanceof UsbError) return undefined;
                            throw error;
                        }
                        const fastboot = await FastbootClient.open(transport, { timeoutMs: 1000 });
                        try {
                            return await fastboot.getVar('product');
                        } finally {
                            await fastboot.close().catch(() => undefined);
                        }
                    } finally {
                        await device.forget().catch(() => undefined);
                    }
                }, 20_000);
                if ('error' in outcome) expectClearRefusal(outcome.error);
            }, 30);
        } finally {
            await proxy.close();
            await real.close();
            await phone.close();
        }
    }, 300_000);
});
