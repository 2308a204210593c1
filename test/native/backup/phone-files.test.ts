/**
 * Reading files over adb TCP with the payload memory reused: a consumer that copies (hashes) each
 * chunk before it asks for the next gets every file byte for byte, files one after another on one
 * sync session, while the packets' memory is filled again rather than made anew for each.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdbKeyStore } from '../../../native/adb/credentials.js';
import { connectAdb } from '../../../native/adb/phone.js';
import { listTree, readPhoneFile, withSync } from '../../../native/backup/phone-files.js';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../../../native/virtual/tcp/adb-endpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'revive-phone-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('files read over adb TCP', () => {
    it('hands on every byte of each file while the payload memory is reused', { timeout: 120_000 }, async () => {
        const stateDir = join(dir, 'phone');
        const folder = join(stateDir, 'fs', 'data', 'media', '0', 'Movies');
        mkdirSync(folder, { recursive: true });
        const files = new Map([
            ['a.mp4', randomBytes(40 * 1024 * 1024 + 12345)],
            ['b.txt', randomBytes(777)],
            ['c.mp4', randomBytes(9 * 1024 * 1024)],
        ]);
        for (const [name, bytes] of files) writeFileSync(join(folder, name), bytes);
        const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode: 'recovery', owner: 'accept', stateDir });
        const endpoint = await startAdbTcpEndpoint(phone, 0);
        try {
            const adb = await connectAdb({ host: '127.0.0.1', port: endpoint.port }, { keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }) });
            try {
                const memories = new Set<ArrayBufferLike>();
                let chunks = 0;
                const read = await withSync(adb, { activity: 'backup-copy' }, async (sync) => {
                    const got = new Map<string, string>();
                    for (const file of await listTree(sync, '/data/media/0/Movies')) {
                        const hash = createHash('sha256');
                        for await (const chunk of readPhoneFile(sync, file.path)) {
                            hash.update(chunk);
                            memories.add(chunk.buffer);
                            chunks++;
                        }
                        got.set(file.rel, hash.digest('hex'));
                    }
                    return got;
                });
                expect(Object.fromEntries(read)).toEqual(Object.fromEntries([...files].map(([name, bytes]) => [name, sha256(bytes)])));
                // 49 MiB in packets of up to 1 MiB: without reuse every packet would be memory of its own.
                expect(chunks).toBeGreaterThan(700);
                expect(memories.size).toBeLessThan(20);
            } finally {
                await adb.close();
            }
        } finally {
            await endpoint.close();
            await phone.close();
        }
    });
});
