/** `revive firewall …`: deny-by-default app firewall profiles (AFWall+ file and iptables scripts). */
import { readFile } from 'node:fs/promises';
import { createFirewallJob } from '../jobs/panels/firewall.js';
import { parsePackageList, type AppChoice } from '../../native/panels/firewall.js';
import { parseCliArgs } from './keys.js';
import { CliUsageError, type CliCommand } from './command.js';

/** `PKG`, `PKG:wmv` (letters: w Wi-Fi, m mobile data, v VPN) or `PKG:wmv=UID`. */
export function parseAllow(text: string): AppChoice {
    const match = /^([^:=]+)(?::([wmv]*))?(?:=(\d+))?$/.exec(text.trim());
    if (!match?.[1]) throw new CliUsageError(`--allow "${text}": write PACKAGE, PACKAGE:wmv or PACKAGE:wmv=UID (w Wi-Fi, m mobile data, v VPN).`);
    const nets = match[2];
    return {
        packageName: match[1],
        ...(nets === undefined ? {} : { wifi: nets.includes('w'), mobile: nets.includes('m'), vpn: nets.includes('v') }),
        ...(match[3] ? { uid: Number(match[3]) } : {}),
    };
}

export const commands: readonly CliCommand[] = [
    {
        name: 'firewall create',
        summary: 'Write a deny-by-default firewall profile: an AFWall+ import file and iptables scripts for rooted phones',
        usage: 'revive firewall create --allow PKG[:wmv][=UID] [--allow …] [--packages PM-LIST.txt] [--name NAME] [--no-dns] [--out DIR]\n  PM-LIST.txt: the output of `adb shell pm list packages -U` (gives the UIDs the iptables scripts need)',
        async run(args, io) {
            const { values } = parseCliArgs({
                args: [...args],
                options: { allow: { type: 'string', multiple: true }, packages: { type: 'string' }, name: { type: 'string' }, 'no-dns': { type: 'boolean' }, out: { type: 'string' } },
                strict: true,
            });
            const installed = values.packages ? parsePackageList(await readFile(values.packages, 'utf8')) : undefined;
            const result = await createFirewallJob(
                { name: values.name, allow: (values.allow ?? []).map(parseAllow), installed, allowDnsViaNetd: !values['no-dns'], outDir: values.out ?? '.' },
                { signal: io.signal },
            );
            io.out(`Profile "${result.profile.name}": ${result.profile.apps.length} app(s) allowed, everything else blocked.\n`);
            for (const app of result.profile.apps) io.out(`  ${app.packageName}${app.uid === null ? '' : ` (uid ${app.uid})`}: ${[app.wifi && 'Wi-Fi', app.mobile && 'mobile data', app.vpn && 'VPN'].filter(Boolean).join(', ') || 'nothing'}\n`);
            io.out(`AFWall+ import file: ${result.files.afwall} (AFWall+ in "Allow selected" mode → Export/Import → Import rules)\n`);
            if (result.files.apply) io.out(`iptables scripts:    ${result.files.ipv4}, ${result.files.ipv6}, ${result.files.apply} (rooted phones: su -c sh apply.sh)\n`);
            else io.out('iptables scripts:    not written (app UIDs unknown: pass --packages with `pm list packages -U` output, or PKG=UID)\n');
            for (const warning of result.warnings) io.out(`Warning: ${warning}\n`);
            return 0;
        },
    },
];
