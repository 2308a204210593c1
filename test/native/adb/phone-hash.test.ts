/**
 * A push checked on the phone's copy while it arrives (native/adb/phone-hash.ts): the phone hashes
 * stretch by stretch during the transfer, so no whole-file sha256sum is needed after it; a byte
 * damaged on its way is still caught.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdbPhone } from '../../../native/adb/phone.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';
import { useVirtualAdb } from '../../support/virtual-adb.js';
import { corruptingAdbd } from './corrupting-adbd.js';

const MiB = 1024 * 1024;
// Small stretches, so a few MiB make several lines; the margin covers the sync writer's queues.
const layout = { stretchBlocks: 1, marginBytes: 6 * MiB };

const rig = useVirtualAdb('phone-hash');

let current: VirtualPhone | undefined;

async function connect(android?: ModeProtocol): Promise<AdbPhone> {
    current = await rig.phone('android', android ? { protocols: { android } } : {});
    return rig.adb(current);
}

const stored = (name: string): Promise<Buffer> => readFile(join(rig.dir, 'phone', 'fs', 'data', 'media', '0', name));

describe("the phone's copy hashed while it arrives", () => {
    it('needs no sha256sum of the whole file after the transfer', async () => {
        // The plain `'sha256sum' '/sdcard/…'` after the transfer reaches the phone misspelt ("not
        // found"): only the hash made during the transfer can say the copy was checked.
        const cable = corruptingAdbd("'sha256sum' '", 'to-phone');
        const phoneAdb = await connect(cable.protocol);
        const bytes = randomBytes(12 * MiB + 12345);
        await writeFile(join(rig.dir, 'image.bin'), bytes);
        const outcome = await phoneAdb.push(join(rig.dir, 'image.bin'), '/sdcard/image.bin', {}, { verifyOnPhone: true, phoneHashLayout: layout });
        expect(outcome.checkedOn).toBe('phone');
        expect(outcome.bytes).toBe(bytes.length);
        expect((await stored('image.bin')).equals(bytes)).toBe(true);
        expect(cable.hits).toBe(0);
        // A file of whole blocks, and an empty one, end where the last line says.
        for (const size of [2 * MiB, 0]) {
            await writeFile(join(rig.dir, 'even.bin'), randomBytes(size));
            expect((await phoneAdb.push(join(rig.dir, 'even.bin'), '/sdcard/even.bin', {}, { verifyOnPhone: true, phoneHashLayout: layout })).checkedOn).toBe('phone');
        }
    });

    it('catches a byte changed on its way, in the middle of the file or in its last stretch', async () => {
        for (const at of [2 * MiB + 777, 12 * MiB + 100]) {
            const marker = `REVIVE-DAMAGE-${at}`;
            const cable = corruptingAdbd(marker, 'to-phone');
            const phoneAdb = await connect(cable.protocol);
            const bytes = randomBytes(12 * MiB + 4096);
            bytes.write(marker, at, 'latin1');
            await writeFile(join(rig.dir, 'image.bin'), bytes);
            const push = phoneAdb.push(join(rig.dir, 'image.bin'), '/sdcard/image.bin', {}, { verifyOnPhone: true, phoneHashLayout: layout });
            const error = (await push.catch((e: unknown) => e)) as ReviveError;
            expect(error).toBeInstanceOf(ReviveError);
            expect(error.code).toBe('push-mismatch');
            expect(cable.hits).toBeGreaterThan(0);
            expect((await stored('image.bin')).equals(bytes)).toBe(false);
            // The next round starts on a fresh phone; the helper closes only the last one.
            await phoneAdb.close();
            await current?.close();
            await rm(join(rig.dir, 'phone'), { recursive: true, force: true });
        }
    });
});
