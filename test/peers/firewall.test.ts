/** Acceptance against iptables: our rules scripts load, and behave as a deny-by-default owner filter. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPTABLES_FILES, createPrivateProfile, parsePackageList, renderApplyScript, renderIptablesRules } from '../../native/panels/firewall.js';

function requireTool(name: string): void {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) throw new Error(`This test needs ${name} on PATH. Install it: apt-get install -y iptables`);
}

let dir: string;
beforeAll(() => {
    for (const tool of ['iptables-restore', 'ip6tables-restore', 'unshare']) requireTool(tool);
    dir = mkdtempSync(join(tmpdir(), 'revive-fw-'));
});
afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const installed = parsePackageList(
    ['package:org.mozilla.focus uid:10071', 'package:com.wireguard.android uid:10088', 'package:com.fsck.k9 uid:10090', 'package:com.android.vending uid:10023'].join('\n'),
);
const profile = createPrivateProfile({
    allow: [{ packageName: 'org.mozilla.focus', mobile: false }, { packageName: 'com.wireguard.android', vpn: false }, { packageName: 'com.fsck.k9', wifi: false, mobile: false }],
    installed,
});

describe('iptables accepts our rules', () => {
    for (const [family, tool] of [['ipv4', 'iptables-restore'], ['ipv6', 'ip6tables-restore']] as const) {
        it(`${tool} --test --noflush accepts the ${family} script`, () => {
            const path = join(dir, `${family}.rules`);
            writeFileSync(path, renderIptablesRules(profile, family));
            const run = spawnSync(tool, ['--test', '--noflush', path], { encoding: 'utf8' });
            expect(run.stderr).toBe('');
            expect(run.status).toBe(0);
        });
    }

    it('loads into a fresh network namespace and lists one owner rule per allowed app and network', () => {
        const path = join(dir, 'load.rules');
        writeFileSync(path, renderIptablesRules(profile, 'ipv4'));
        // A private network namespace: the host's own firewall is never touched.
        const listing = execFileSync('unshare', ['--net', 'sh', '-c', `iptables-restore --noflush < '${path}' && iptables -S`], { encoding: 'utf8' });
        const rules = listing.split('\n');
        expect(rules.filter((r) => r.startsWith('-A OUTPUT'))).toEqual(['-A OUTPUT -j revive']);
        const owners = (chain: string): string[] => rules.filter((r) => r.startsWith(`-A ${chain} `) && r.includes('--uid-owner')).map((r) => /--uid-owner (\d+)/.exec(r)?.[1] ?? '');
        expect(owners('revive-wifi')).toEqual(['10071', '10088']);
        expect(owners('revive-mobile')).toEqual(['10088']);
        expect(owners('revive-vpn')).toEqual(['10071', '10090']);
        for (const chain of ['revive-wifi', 'revive-mobile', 'revive-vpn']) expect(rules.filter((r) => r.startsWith(`-A ${chain} `)).at(-1)).toBe(`-A ${chain} -j revive-reject`);
        expect(rules).toContain('-A revive -o wlan+ -j revive-wifi');
        expect(rules).toContain('-A revive -o rmnet_data+ -j revive-mobile');
        expect(rules).toContain('-A revive -o tun+ -j revive-vpn');
    });

    it('the root script, alone in its folder, replaces an earlier profile instead of stacking a second one', () => {
        const alone = mkdtempSync(join(dir, 'script-'));
        const script = join(alone, IPTABLES_FILES.apply);
        writeFileSync(script, renderApplyScript(profile));
        const out = execFileSync('unshare', ['--net', 'sh', '-c', `sh '${script}' && sh '${script}' && iptables -S OUTPUT && ip6tables -S OUTPUT`], { encoding: 'utf8' });
        expect(out.split('\n').filter((l) => l === '-A OUTPUT -j revive')).toHaveLength(2);
        expect(out).toContain('Revive firewall profile applied.');
    });
});
