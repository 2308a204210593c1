import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli.js';

describe('revive adb push', () => {
    it("checks the phone's own copy by its SHA-256", async () => {
        const dir = mkdtempSync(join(tmpdir(), 'revive-adb-push-'));
        const file = join(dir, 'notes.bin');
        const bytes = randomBytes(200_000);
        writeFileSync(file, bytes);
        let out = '';
        const code = await main(['adb', 'push', file, '/sdcard/notes.bin', '--virtual', 'ks01ltexx'], {
            out: (text) => void (out += text),
            err: () => undefined,
            interactive: false,
            signal: new AbortController().signal,
        });
        expect(code).toBe(0);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        expect(out).toContain(`200000 bytes, sha256 ${sha256} (the phone's copy matches)`);
    });

    it("says in its own words that the phone refused the file, with the phone's reason", async () => {
        const dir = mkdtempSync(join(tmpdir(), 'revive-adb-push-'));
        const file = join(dir, 'notes.bin');
        writeFileSync(file, randomBytes(3 * 1024 * 1024));
        let err = '';
        // /sdcard is a folder on the phone: its adbd answers the SEND with FAIL.
        const code = await main(['adb', 'push', file, '/sdcard', '--virtual', 'ks01ltexx'], {
            out: () => undefined,
            err: (text) => void (err += text),
            interactive: false,
            signal: new AbortController().signal,
        });
        expect(code).not.toBe(0);
        expect(err).toContain("The phone refused to store notes.bin as /sdcard: couldn't create file: Is a directory.");
        expect(err).not.toContain('disconnected');
    });
});
