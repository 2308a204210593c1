/** The files step agrees with the gate (issue 13): a typed checksum never overrides a file the recipe knows by name. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { VerifiedFile } from '../../../electron/api/contract.js';

let dir: string;
let backend: Backend;

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-verify-file-'));
    backend = createBackend({ home: join(dir, 'home'), localUsb: false });
});
afterAll(async () => {
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
});

describe('verifyFile', () => {
    it('refuses a tampered file named like a known one, even with its own checksum typed in', async () => {
        // The recipe pins addonsu-15.1-arm-signed.zip; this one has that name but other bytes.
        const path = join(dir, 'addonsu-15.1-arm-signed.zip');
        const bytes = randomBytes(4096);
        await writeFile(path, bytes);
        const typed = createHash('sha256').update(bytes).digest('hex');
        const result = await backend.call('verifyFile', { file: await backend.uploads.grant(path), role: 'su', recipeId: 'ks01ltexx', verificationId: 'v-su', expectedSha256: typed });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const verified = result.value as VerifiedFile;
        expect(verified.ok).toBe(false);
        expect(verified.problem?.code).toBe('checksum-mismatch');
        // Held to the recipe's checksum, whatever was typed: the page words it from this fact.
        expect(verified.problem?.facts?.['variant']).toBe('recipe');
    });

    it('grants tokens only for regular files (Electron main asks for dropped or picked files)', async () => {
        await expect(backend.uploads.grant('/dev/zero')).rejects.toMatchObject({ code: 'not-a-file' });
        await expect(backend.uploads.grant(dir)).rejects.toMatchObject({ code: 'not-a-file' });
        await expect(backend.uploads.grant('relative/path.zip')).rejects.toMatchObject({ code: 'not-a-file' });
    });

    it('can be cancelled while it hashes', async () => {
        const path = join(dir, 'big-rom.zip');
        await writeFile(path, Buffer.alloc(96 * 1024 * 1024));
        let started!: () => void;
        const hashing = new Promise<void>((resolve) => (started = resolve));
        const unsubscribe = backend.subscribe((event, payload) => {
            if (event === 'verifyProgress' && (payload as { verificationId: string; bytesDone: number }).verificationId === 'v-big') started();
        });
        const verifying = backend.call('verifyFile', { file: await backend.uploads.grant(path), role: 'rom', recipeId: 'ks01ltexx', verificationId: 'v-big', expectedSha256: '0'.repeat(64) });
        await hashing;
        const cancel = await backend.call('cancelVerification', { verificationId: 'v-big' });
        unsubscribe();
        expect(cancel).toMatchObject({ ok: true, value: { cancelling: true } });
        expect(await verifying).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    });
});
