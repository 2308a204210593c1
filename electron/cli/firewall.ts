/** `revive firewall …`: deny-by-default app firewall profiles (AFWall+ file and iptables scripts). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createFirewallJob, listPhonePackages } from '../jobs/panels/firewall.js';
import { firewallPushPlan } from '../jobs/panels/push.js';
import { readLimitedText, unreadableAs } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { AFWALL_PHONE_DIR, IPTABLES_FILES, IPTABLES_PHONE_DIR, OLD_IPTABLES_PHONE_DIR, parsePackageList, type AppChoice, type InstalledPackage } from '../../native/panels/firewall.js';
import { pushToPhone } from './keys.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { DEVICE_USAGE, deviceOptions, type DeviceValues } from './device-options.js';
import { withPanelTarget } from './panel-target.js';

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

function hasDevice(values: DeviceValues): boolean {
    return [values.serial, values.usbip, values.virtual, values['virtual-state'], values.owner].some((v) => v !== undefined);
}

/** The phone's installed apps over adb, with the UIDs of the allowed ones (looked up on old Android). */
async function packagesFromPhone(device: DeviceValues, allow: readonly AppChoice[], io: CliIo): Promise<InstalledPackage[]> {
    return withPanelTarget(device, io, async (target) => {
        io.err(`Reading the installed apps from the phone (${target.label}).\n`);
        const phone = await target.connect(io.signal);
        try {
            const packages = await listPhonePackages(phone, allow.map((a) => a.packageName));
            if (packages.length === 0) {
                throw ReviveError.of('firewall-no-packages', {});
            }
            const withUid = packages.filter((p) => p.uid !== null).length;
            io.err(`✓ ${packages.length} app(s) installed on the phone, ${withUid} with their UID.\n`);
            return packages;
        } finally {
            await phone.close();
        }
    });
}

/** AFWall+'s export and `pm list packages -U` of even a crowded phone stay far below this. */
const FIREWALL_INPUT_MAX_BYTES = 4 * 1024 * 1024;

async function readAfwallFile(file: string): Promise<void> {
    const text = await unreadableAs(readLimitedText(file, { what: 'afwall-rules', maxBytes: FIREWALL_INPUT_MAX_BYTES }), (cause) => ReviveError.of('cli-file-unreadable', { variant: 'afwall', file }, { cause }));
    try {
        JSON.parse(text);
    } catch (error) {
        throw ReviveError.of('firewall-not-afwall', { file }, { cause: error });
    }
}

export const commands: readonly CliCommand[] = [
    {
        name: 'firewall create',
        usage:
            'revive firewall create --allow PKG[:wmv][=UID] [--allow …] [--packages PM-LIST.txt | --from-phone ' +
            `${DEVICE_USAGE}] [--name NAME] [--no-dns] [--out DIR]\n` +
            '  PM-LIST.txt: the output of `adb shell pm list packages -U` (gives the UIDs the iptables scripts need)\n' +
            '  --from-phone: read the installed apps and their UIDs from the connected phone over adb',
        async run(args, io) {
            const { values } = parseCliArgs({
                args: [...args],
                options: {
                    allow: { type: 'string', multiple: true }, packages: { type: 'string' }, 'from-phone': { type: 'boolean' }, name: { type: 'string' }, 'no-dns': { type: 'boolean' }, out: { type: 'string' },
                    ...deviceOptions,
                },
                strict: true,
            });
            if (values['from-phone'] && values.packages) throw new CliUsageError('Use either --packages FILE or --from-phone, not both.');
            if (!values['from-phone'] && hasDevice(values)) throw new CliUsageError('A phone (-s, --virtual) is only used with --from-phone.');
            const allow = (values.allow ?? []).map(parseAllow);
            const installed = values['from-phone'] ? await packagesFromPhone(values, allow, io) : values.packages ? parsePackageList(await readLimitedText(values.packages, { what: 'package-list', maxBytes: FIREWALL_INPUT_MAX_BYTES })) : undefined;
            const result = await createFirewallJob(
                { name: values.name, allow, installed, allowDnsViaNetd: !values['no-dns'], outDir: values.out ?? '.' },
                { signal: io.signal },
            );
            io.out(`Profile "${result.profile.name}": ${result.profile.apps.length} app(s) allowed, everything else blocked.\n`);
            for (const app of result.profile.apps) io.out(`  ${app.packageName}${app.uid === null ? '' : ` (uid ${app.uid})`}: ${[app.wifi && 'Wi-Fi', app.mobile && 'mobile data', app.vpn && 'VPN'].filter(Boolean).join(', ') || 'nothing'}\n`);
            io.out(`AFWall+ import file: ${result.files.afwall} (AFWall+ in "Allow selected" mode → Export/Import → Import rules)\n`);
            if (result.files.apply) io.out(`iptables scripts:    ${result.files.ipv4}, ${result.files.ipv6}, ${result.files.apply} (rooted phones: su -c sh ${IPTABLES_FILES.apply}; it carries the rules itself)\n`);
            else io.out('iptables scripts:    not written (app UIDs unknown: use --from-phone, pass --packages with `pm list packages -U` output, or PKG=UID)\n');
            for (const warning of result.warnings) io.out(`Warning: ${warning}\n`);
            return 0;
        },
    },
    {
        name: 'firewall push',
        usage: `revive firewall push AFWALL.json [--no-iptables] ${DEVICE_USAGE}\n  The root script ${IPTABLES_FILES.apply} next to AFWALL.json goes too, unless --no-iptables.`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { 'no-iptables': { type: 'boolean' }, ...deviceOptions }, allowPositionals: true, strict: true });
            const afwall = positionals[0];
            if (!afwall || positionals.length > 1) throw new CliUsageError('Give one AFWall+ file (afwall-NAME.json).');
            await readAfwallFile(afwall);
            const apply = join(dirname(afwall), IPTABLES_FILES.apply);
            const scripts = !values['no-iptables'] && existsSync(apply);
            const status = await pushToPhone(io, values, firewallPushPlan(scripts ? { afwall, apply } : { afwall }));
            io.out(`In AFWall+: ⋮ → Export/Import → Import rules, and pick the file in ${AFWALL_PHONE_DIR} (set AFWall+ to "Allow selected" first).\n`);
            if (scripts) io.out(`Rooted phones without AFWall+: adb shell "su -c 'sh ${IPTABLES_PHONE_DIR}/${IPTABLES_FILES.apply}'"\n`);
            if (scripts) io.out(`If an earlier Revive left ${OLD_IPTABLES_PHONE_DIR} on the phone, delete that folder: any app could change what is in it.\n`);
            return status;
        },
    },
];
