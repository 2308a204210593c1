import { describe, expect, it } from 'vitest';
import { createPrivateProfile, parseDumpsysUid, parsePackageList, profileWarnings, renderAfwallImport, renderApplyScript, renderIptablesRules } from '../../../native/panels/firewall.js';

describe('package lists from the phone', () => {
    it('reads pm list packages -U, with and without UIDs', () => {
        expect(parsePackageList('package:org.mozilla.focus uid:10071\r\npackage:android uid:1000\ngarbage\npackage:com.fsck.k9\n')).toEqual([
            { packageName: 'android', uid: 1000 },
            { packageName: 'com.fsck.k9', uid: null },
            { packageName: 'org.mozilla.focus', uid: 10071 },
        ]);
        expect(parseDumpsysUid('  Package [com.fsck.k9] (4a1b):\n    userId=10090 gids=[3003]\n')).toBe(10090);
        expect(parseDumpsysUid('nothing')).toBeNull();
    });
});

describe('private profile', () => {
    const installed = parsePackageList('package:org.mozilla.focus uid:10071\npackage:com.fsck.k9 uid:10090\npackage:com.wireguard.android uid:10088');

    it('allows all three networks to picked apps unless told otherwise, and nothing else', () => {
        const profile = createPrivateProfile({ allow: [{ packageName: 'org.mozilla.focus', mobile: false }, { packageName: 'com.fsck.k9' }], installed });
        expect(profile.apps).toEqual([
            { packageName: 'com.fsck.k9', uid: 10090, wifi: true, mobile: true, vpn: true },
            { packageName: 'org.mozilla.focus', uid: 10071, wifi: true, mobile: false, vpn: true },
        ]);
        expect(JSON.parse(renderAfwallImport(profile))).toEqual([{ 'com.fsck.k9': { '0': true, '1': true, '3': true }, 'org.mozilla.focus': { '0': true, '3': true } }]);
    });

    it('refuses unknown or malformed packages and warns about a VPN without its app', () => {
        expect(() => createPrivateProfile({ allow: [{ packageName: 'org.example.absent' }], installed })).toThrow(/not installed/);
        expect(() => createPrivateProfile({ allow: [{ packageName: 'not a package' }] })).toThrow(/not an Android package name/);
        const profile = createPrivateProfile({ allow: [{ packageName: 'com.fsck.k9', wifi: false, mobile: false }], installed });
        expect(profileWarnings(profile).join(' ')).toMatch(/no VPN app/);
        expect(profileWarnings(createPrivateProfile({ allow: [{ packageName: 'com.fsck.k9' }, { packageName: 'com.wireguard.android' }], installed }))).toEqual([]);
    });

    it('needs UIDs for the iptables script but not for AFWall+', () => {
        const offline = createPrivateProfile({ allow: [{ packageName: 'org.mozilla.focus' }] });
        expect(renderAfwallImport(offline)).toContain('org.mozilla.focus');
        expect(() => renderIptablesRules(offline, 'ipv4')).toThrow(/UID of org.mozilla.focus is unknown/);
        const withUid = createPrivateProfile({ allow: [{ packageName: 'org.mozilla.focus', uid: 10071 }] });
        const v6 = renderIptablesRules(withUid, 'ipv6');
        expect(v6).toContain('--reject-with icmp6-port-unreachable');
        expect(v6).toContain('-A revive-wifi -m owner --uid-owner 10071 -j RETURN');
    });
});

describe('the root firewall script (issue 13, M4)', () => {
    const profile = createPrivateProfile({ allow: [{ packageName: 'org.mozilla.focus', mobile: false }], installed: parsePackageList('package:org.mozilla.focus uid:10071\n') });

    it('carries its rules itself and reads nothing from shared storage when root runs it', () => {
        const script = renderApplyScript(profile);
        expect(script).not.toMatch(/<\s*"?\$dir|<\s*\/|\/sdcard|\/storage/);
        expect(script).toContain(renderIptablesRules(profile, 'ipv4').trim());
        expect(script).toContain(renderIptablesRules(profile, 'ipv6').trim());
    });
});
