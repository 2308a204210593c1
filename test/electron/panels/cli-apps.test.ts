/**
 * `revive apps install` through the CLI entry point: good APKs install on an in-process virtual
 * phone (its `pm install`), a modified APK is refused before any adb traffic, results per app.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { V1_SIGNATURE_FILES, axmlManifest, zipBytes } from '../../native/adb/apk-manifest.js';
import { revive } from '../../support/run-cli.js';
import { tempHome } from '../../support/temp-home.js';
import { watchedPort } from '../../support/watched-port.js';

const temp = tempHome('revive-cli-apps-');
const phonePort = watchedPort();

/** A signed-shaped zip with the entries the virtual phone's pm looks for. */
async function apk(name: string, entries: Record<string, Buffer>): Promise<{ path: string; sha256: string }> {
    const bytes = await zipBytes({ ...V1_SIGNATURE_FILES, ...entries });
    const path = join(temp.dir, name);
    writeFileSync(path, bytes);
    return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface InstalledApp {
    readonly sha256: string;
}

function installedOn(state: string): InstalledApp[] {
    const file = JSON.parse(readFileSync(join(state, 'state.json'), 'utf8')) as { extra?: { apps?: InstalledApp[] } };
    return file.extra?.apps ?? [];
}

describe('revive apps install', () => {
    it('installs APKs checked by a typed SHA-256 or a sidecar file, with a result per app', async () => {
        const focus = await apk('focus.apk', { 'AndroidManifest.xml': axmlManifest('org.mozilla.focus'), 'classes.dex': randomBytes(300_000) });
        const wireguard = await apk('wireguard.apk', { 'AndroidManifest.xml': axmlManifest('com.wireguard.android'), 'classes.dex': randomBytes(2000) });
        writeFileSync(`${wireguard.path}.sha256`, `${wireguard.sha256}  wireguard.apk\n`);
        const state = join(temp.dir, 'phone');
        const run = await revive('apps', 'install', focus.path, wireguard.path, '--sha256', `focus.apk=${focus.sha256}`, '--virtual', 'ks01ltexx', '--virtual-state', state);
        expect(run.code, run.err).toBe(0);
        expect(run.out).toContain(`✓ focus.apk: installed (SHA-256 ${focus.sha256})`);
        expect(run.out).toContain(`✓ wireguard.apk: installed (SHA-256 ${wireguard.sha256})`);
        expect(run.out).toContain('2 of 2 app(s) installed.');
        expect(run.err).toMatch(/focus\.apk: SHA-256 \S+ matches \(typed\)/);
        expect(run.err).toMatch(/wireguard\.apk: SHA-256 \S+ matches \(sidecar\)/);
        expect(run.err).toMatch(/push:focus\.apk: 100% of \d+ bytes/);
        expect(installedOn(state).map((a) => a.sha256).sort()).toEqual([focus.sha256, wireguard.sha256].sort());
    });

    it('reports an app the phone refuses and still installs the others', async () => {
        const good = await apk('k9.apk', { 'AndroidManifest.xml': axmlManifest('com.fsck.k9') });
        // APK-shaped (manifest, signature files), but the phone's package manager cannot parse the manifest.
        const noManifest = await apk('broken.apk', { 'AndroidManifest.xml': randomBytes(64), 'classes.dex': randomBytes(100) });
        const state = join(temp.dir, 'phone2');
        const run = await revive('apps', 'install', noManifest.path, good.path, '--sha256', noManifest.sha256, '--sha256', good.sha256, '--virtual', 'ks01ltexx', '--virtual-state', state);
        expect(run.code).toBe(1);
        expect(run.out).toMatch(/✗ broken\.apk: failed .*— broken\.apk was not installed: The phone refused to install broken\.apk: INSTALL_PARSE_FAILED_MANIFEST_MALFORMED/);
        expect(run.out).toContain('✓ k9.apk: installed');
        expect(run.out).toContain('1 of 2 app(s) installed.');
        expect(installedOn(state).map((a) => a.sha256)).toEqual([good.sha256]);
    });

    it('refuses a modified APK before adb is used: no TCP connection, no virtual phone started', async () => {
        const original = await apk('snoopsnitch.apk', { 'AndroidManifest.xml': axmlManifest('de.srlabs.snoopsnitch'), 'classes.dex': randomBytes(5000) });
        const bytes = readFileSync(original.path);
        bytes[bytes.length - 30] = (bytes[bytes.length - 30] ?? 0) ^ 0xff;
        writeFileSync(original.path, bytes);
        const other = await apk('focus2.apk', { 'AndroidManifest.xml': axmlManifest('org.mozilla.focus2') });
        const port = phonePort.port;

        const overTcp = await revive('apps', 'install', other.path, original.path, '--sha256', other.sha256, '--sha256', original.sha256, '-s', `tcp:127.0.0.1:${port}`);
        expect(overTcp.code).toBe(1);
        expect(overTcp.err).toContain(`Nothing was installed: snoopsnitch.apk does not match its checksum: expected ${original.sha256}, found ${sha(bytes)}`);
        expect(overTcp.err).toMatch(/snoopsnitch\.apk: refused\./);
        expect(overTcp.out).not.toMatch(/installed/);
        expect(phonePort.connections).toBe(0);

        const state = join(temp.dir, 'never-started');
        const virtual = await revive('apps', 'install', original.path, '--sha256', original.sha256, '--virtual', 'ks01ltexx', '--virtual-state', state);
        expect(virtual.code).toBe(1);
        expect(existsSync(state)).toBe(false);

        // No checksum at all is a refusal too, not a silent install.
        const unchecked = await apk('unchecked.apk', { 'AndroidManifest.xml': axmlManifest('org.example.unchecked') });
        const none = await revive('apps', 'install', unchecked.path, '-s', `tcp:127.0.0.1:${port}`);
        expect(none.code).toBe(1);
        expect(none.err).toMatch(/No SHA-256 was given for unchecked\.apk/);
        expect(phonePort.connections).toBe(0);
    });

    it('rejects --sha256 lists that do not pair with the APKs', async () => {
        expect((await revive('apps', 'install', 'a.apk', 'b.apk', '--sha256', 'a'.repeat(64))).code).toBe(2);
        expect((await revive('apps', 'install', 'a.apk', '--sha256', `c.apk=${'a'.repeat(64)}`)).code).toBe(2);
        expect((await revive('apps', 'install', 'a.apk', 'b.apk', '--sha256', 'a'.repeat(64), '--sha256', `b.apk=${'a'.repeat(64)}`)).code).toBe(2);
        expect((await revive('apps', 'install')).code).toBe(2);
    });
});
