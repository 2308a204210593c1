/**
 * Hostile input to the pure parsers: PIT, Odin replies, fastboot responses and TCP frames, USB/IP
 * headers, checksum lists, updater-script and properties, recovery images (header, ramdisk, cpio),
 * recipe JSON, and the bridge/IPC messages.
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BridgeCall, commands, isCommandName, parseRequest } from '../../electron/api/contract.js';
import { decodeResponse, FastbootProtocolError, parseNumericVariable, parseVariableLine } from '../../native/fastboot/protocol.js';
import { parseChecksumList } from '../../native/integrity/checksums.js';
import { demoBootImage } from '../../native/integrity/demo-packages.js';
import { checkRecoveryHeader, openRecoveryImage, readRecoveryTarget } from '../../native/integrity/recovery-image.js';
import { parseAssertedDevices, parseProperties } from '../../native/integrity/zip-inspect.js';
import { parseRecipe } from '../../native/manifests/load.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { decodeCommand as decodeOdinCommand, decodeReply, OdinPacketError } from '../../native/odin/packets.js';
import { formatPit, parsePit, serializePit } from '../../native/pit/index.js';
import { FrameDecoder, parseHandshake } from '../../native/tcp/fastboot-frames.js';
import { decodeDeviceInfo, decodeOpHeader, decodeUrbHeader, DEVICE_INFO_SIZE, OP_HEADER_SIZE, URB_HEADER_SIZE } from '../../native/usbip/protocol.js';
import { resourcePath } from '../../native/resources.js';
import { bounded, expectClearRefusal, mutated, property, SEED, tried } from './harness.js';

afterAll(() => {
    // The suite's share of generated inputs, visible in the log of every run.
    console.info(`hostile parsers: ${tried.count} inputs, seed ${SEED}`);
});

const PIT = new Uint8Array(readFileSync(resourcePath('pit', 'gtaxllte.pit')));

describe('hostile input to the parsers', () => {
    it('PIT: mutated and random tables parse to a table that prints and re-serialises, or a clear refusal', async () => {
        await property(fc.oneof(mutated(PIT), fc.uint8Array({ maxLength: 2000 })), (bytes) => {
            try {
                const pit = parsePit(bytes, 'hostile.pit');
                expect(typeof formatPit(pit)).toBe('string');
                expect(serializePit(pit).length).toBeGreaterThan(0);
            } catch (error) {
                expectClearRefusal(error);
            }
        }, 60);
    });

    it('Odin: any 8-byte reply and any command packet decodes or is refused as a protocol error', async () => {
        await property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
            const reply = decodeReply(bytes);
            expect(Number.isInteger(reply.value)).toBe(true);
        }, 20);
        await property(fc.uint8Array({ minLength: 0, maxLength: 1100 }), (bytes) => {
            try {
                decodeOdinCommand(bytes);
            } catch (error) {
                expectClearRefusal(error, [OdinPacketError]);
            }
        }, 20);
    });

    it('fastboot: any response bytes and variable lines decode or are refused as protocol errors; TCP frames never crash the decoder', async () => {
        await property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('OKAY', 'FAIL', 'DATA', 'INFO', 'TEXT').chain((p) => fc.string({ maxLength: 80 }).map((s) => new TextEncoder().encode(p + s)))), (bytes) => {
            try {
                decodeResponse(bytes);
            } catch (error) {
                expectClearRefusal(error, [FastbootProtocolError]);
            }
        }, 40);
        await property(fc.string({ maxLength: 120 }), (line) => {
            parseVariableLine(line);
            const n = parseNumericVariable(line, { bareHex: true });
            if (n !== undefined) expect(Number.isFinite(n)).toBe(true);
        }, 20);
        await property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (pieces) => {
            const decoder = new FrameDecoder();
            try {
                if (pieces[0]) parseHandshake(pieces[0]);
                for (const piece of pieces) decoder.push(piece);
            } catch (error) {
                expectClearRefusal(error, [FastbootProtocolError, Error]);
                expect((error as Error).message).not.toMatch(/undefined|NaN/);
            }
        }, 20);
    });

    it('USB/IP: any header bytes of the right length decode or are refused', async () => {
        await property(fc.tuple(fc.uint8Array({ minLength: OP_HEADER_SIZE, maxLength: OP_HEADER_SIZE }), fc.uint8Array({ minLength: DEVICE_INFO_SIZE, maxLength: DEVICE_INFO_SIZE }), fc.uint8Array({ minLength: URB_HEADER_SIZE, maxLength: URB_HEADER_SIZE })), ([op, info, urb]) => {
            decodeOpHeader(Buffer.from(op));
            const device = decodeDeviceInfo(Buffer.from(info));
            expect(typeof device.busid).toBe('string');
            try {
                decodeUrbHeader(Buffer.from(urb));
            } catch (error) {
                expectClearRefusal(error, [Error]);
                expect((error as Error).message).toMatch(/USB\/IP|URB|command/i);
            }
        }, 30);
    });

    it('checksum lists, updater-scripts and properties: any text gives a digest or none, never a crash', async () => {
        const hex = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
        const line = fc.oneof(fc.string({ maxLength: 100 }), hex.map((h) => `${h}  rom.zip`), hex.map((h) => `SHA256 (rom.zip) = ${h}`), hex);
        await property(fc.array(line, { maxLength: 12 }).map((lines) => lines.join('\n')), (text) => {
            const digest = parseChecksumList(text, 'rom.zip');
            if (digest !== undefined) expect(digest).toMatch(/^[0-9a-f]{64}$/);
        }, 40);
        await property(fc.string({ maxLength: 400 }), (text) => {
            expect(Array.isArray(parseAssertedDevices(text))).toBe(true);
            expect(typeof parseProperties(text)).toBe('object');
        }, 30);
    });

    it('recipe JSON: any JSON, and a real recipe with fields changed, is a valid recipe or a refusal naming the file', async () => {
        const base = requireRecipe('ks01ltexx') as unknown as Record<string, unknown>;
        const changed = fc.tuple(fc.constantFrom(...Object.keys(base)), fc.jsonValue()).map(([key, value]) => ({ ...base, [key]: value }));
        await property(fc.oneof(fc.jsonValue(), changed), (json) => {
            try {
                parseRecipe(json, 'hostile.json');
            } catch (error) {
                expectClearRefusal(error);
                expect((error as Error).message).toContain('hostile.json');
            }
        }, 50);
    });

    it("recovery images: a damaged header, ramdisk, compression or cpio reads a device, says it cannot, or is a clear refusal, in bounded time", async () => {
        const dir = mkdtempSync(join(tmpdir(), 'revive-hostile-bootimg-'));
        try {
            const small = { kernelBytes: 3000, pageSize: 2048 } as const;
            const images = [
                demoBootImage({ ...small, device: 'ks01lte' }),
                demoBootImage({ ...small, device: 'shamu', compression: 'lz4-legacy', headerVersion: 2 }),
                demoBootImage({ kernelBytes: 3000, device: 'sargo', compression: 'none', headerVersion: 3 }),
            ].map((image) => new Uint8Array(image.subarray(0, Math.min(image.length, 150_000))));
            let n = 0;
            await property(fc.oneof(...images.map((image) => mutated(image)), fc.uint8Array({ maxLength: 5000 })), async (bytes) => {
                const path = join(dir, `${n++}.img`);
                writeFileSync(path, bytes);
                const outcome = await bounded(async () => {
                    const image = await openRecoveryImage(path);
                    const check = await checkRecoveryHeader(image, 64 * 1024 * 1024);
                    return check.ok ? readRecoveryTarget(image, check.facts) : check;
                });
                if ('error' in outcome) expectClearRefusal(outcome.error);
                else if ('kind' in outcome.value && outcome.value.kind === 'devices') expect(outcome.value.devices.length).toBeGreaterThan(0);
                rmSync(path);
            }, 60);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('bridge and IPC messages: any value is a valid call or a clear refusal', async () => {
        const names = Object.keys(commands);
        await property(fc.tuple(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 20 })), fc.anything()), ([command, request]) => {
            BridgeCall.safeParse({ token: 't', id: 1, command, request });
            if (!isCommandName(command)) return;
            const result = parseRequest(command, request);
            if (!result.ok) {
                // A refusal is a code with the facts its words need (what was wrong, and where).
                expect(result.error.code).toBe('bad-request');
                expect(String(result.error.facts?.['problems']).length).toBeGreaterThan(5);
            }
        }, 50);
    });
});
