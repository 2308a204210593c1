import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkApks, requireAllVerified } from '../../../native/panels/apps.js';
import { apkBytes, axmlManifest, withSigningBlock, zipBytes } from '../adb/apk-manifest.js';

let dir: string;
let apk: Buffer;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'revive-apks-'));
    apk = await apkBytes('org.mozilla.focus', { 'classes.dex': Buffer.alloc(4096, 7) });
    writeFileSync(join(dir, 'good.apk'), apk);
    writeFileSync(join(dir, 'side.apk'), apk);
    writeFileSync(join(dir, 'side.apk.sha256'), `${sha(apk)}  side.apk\n`);
    writeFileSync(join(dir, 'none.apk'), apk);
    writeFileSync(join(dir, 'text.apk'), 'not a zip');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('APK checks', () => {
    it('accepts a typed or a sidecar checksum and reports progress in bytes', async () => {
        const progress: number[] = [];
        const checks = await checkApks([{ path: join(dir, 'good.apk'), sha256: sha(apk).toUpperCase() }, { path: join(dir, 'side.apk') }], { onProgress: (p) => progress.push(p.bytesDone) });
        expect(checks.map((c) => [c.ok, c.source])).toEqual([[true, 'typed'], [true, 'sidecar']]);
        expect(progress).toContain(apk.length);
        expect(requireAllVerified(checks).map((v) => v.sha256)).toEqual([sha(apk), sha(apk)]);
    });

    it('refuses everything when one APK is modified, unverifiable or not an APK', async () => {
        const modified = Buffer.from(apk);
        modified[100] = (modified[100] ?? 0) ^ 1;
        writeFileSync(join(dir, 'modified.apk'), modified);
        const checks = await checkApks([
            { path: join(dir, 'good.apk'), sha256: sha(apk) },
            { path: join(dir, 'modified.apk'), sha256: sha(apk) },
            { path: join(dir, 'none.apk') },
            { path: join(dir, 'text.apk'), sha256: sha(Buffer.from('not a zip')) },
        ]);
        expect(checks.map((c) => c.ok)).toEqual([true, false, false, false]);
        expect(checks[1]?.problem).toMatch(`expected ${sha(apk)}, found ${sha(modified)}`);
        expect(checks[2]?.problem).toMatch(/No SHA-256 was given/);
        expect(checks[3]?.problem).toMatch(/not an APK/);
        expect(() => requireAllVerified(checks)).toThrow(/Nothing was installed/);
    });

    it('refuses a zip that is not an APK: no AndroidManifest.xml, or no signature (issue 13, M1)', async () => {
        const cases: Array<[string, Buffer]> = [
            ['notes.apk', await zipBytes({ 'notes.txt': Buffer.from('a zip, not an app') })],
            ['unsigned.apk', await zipBytes({ 'AndroidManifest.xml': axmlManifest('org.example.unsigned'), 'classes.dex': Buffer.alloc(100) })],
            ['v1.apk', apk],
            ['v2.apk', withSigningBlock(await zipBytes({ 'AndroidManifest.xml': axmlManifest('org.example.v2'), 'classes.dex': Buffer.alloc(100) }))],
        ];
        for (const [name, bytes] of cases) writeFileSync(join(dir, name), bytes);
        const checks = await checkApks(cases.map(([name, bytes]) => ({ path: join(dir, name), sha256: sha(bytes) })));
        expect(checks.map((c) => [c.fileName, c.ok])).toEqual([['notes.apk', false], ['unsigned.apk', false], ['v1.apk', true], ['v2.apk', true]]);
        expect(checks[0]?.problem).toMatch(/no AndroidManifest\.xml/);
        expect(checks[1]?.problem).toMatch(/not signed/);
    });
});
