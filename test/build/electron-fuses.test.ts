/**
 * The packaged app's Electron fuses (issue 13, L1): no running as plain Node, no NODE_OPTIONS, no
 * inspector flags, no extra privileges for file://; ASAR integrity checked and the app loaded only
 * from its ASAR. electron-builder flips them from build/electron-builder.yml.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The `electronFuses:` block as key → value (the YAML file keeps it flat: `  key: true|false`). */
function fuses(): Record<string, string> {
    const lines = readFileSync(new URL('../../build/electron-builder.yml', import.meta.url), 'utf8').split('\n');
    const start = lines.findIndex((line) => /^electronFuses:\s*$/.test(line));
    const found: Record<string, string> = {};
    if (start < 0) return found;
    for (const line of lines.slice(start + 1)) {
        const match = /^ {2}(\w+):\s*(\S+)\s*(#.*)?$/.exec(line);
        if (!match?.[1] || !match[2]) break;
        found[match[1]] = match[2];
    }
    return found;
}

describe('build/electron-builder.yml', () => {
    it('sets the fuses Electron\'s security checklist asks for', () => {
        expect(fuses()).toEqual({
            runAsNode: 'false',
            enableCookieEncryption: 'true',
            enableNodeOptionsEnvironmentVariable: 'false',
            enableNodeCliInspectArguments: 'false',
            enableEmbeddedAsarIntegrityValidation: 'true',
            onlyLoadAppFromAsar: 'true',
            grantFileProtocolExtraPrivileges: 'false',
        });
    });
});
