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
});
