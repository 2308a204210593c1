/**
 * Per-app firewall profiles: which apps may use Wi-Fi, mobile data and VPN. Rendered two ways:
 * an AFWall+ rules import file (docs/afwall-format.md) and an iptables-restore script, owner-matched
 * per Android UID and per interface class, for rooted phones without AFWall+.
 */
import type { FirewallApp } from '../../common/firewall-app.js';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

export const NETWORK_CLASSES = ['wifi', 'mobile', 'vpn'] as const;
export type NetworkClass = (typeof NETWORK_CLASSES)[number];

export type { FirewallApp };

export interface FirewallProfile {
    readonly name: string;
    /** Apps not listed here (and listed apps on classes set to false) have no network. */
    readonly apps: readonly FirewallApp[];
    /** Let DNS queries made by netd (UID 0) for apps through: AFWall+'s "Allow DNS via netd". */
    readonly allowDnsViaNetd: boolean;
}

export interface InstalledPackage {
    readonly packageName: string;
    readonly uid: number | null;
}

export interface AppChoice {
    readonly packageName: string;
    readonly wifi?: boolean | undefined;
    readonly mobile?: boolean | undefined;
    readonly vpn?: boolean | undefined;
    readonly uid?: number | undefined;
}

/** Interface name patterns per class, as AFWall+ uses them (InterfaceTracker). */
export const INTERFACES: Readonly<Record<NetworkClass, readonly string[]>> = {
    wifi: ['wlan+', 'eth+', 'tiwlan+', 'ra+', 'bnep+'],
    mobile: [
        'rmnet+', 'rmnet_data+', 'rmnet_ipa+', 'rmnet_usb+', 'rmnet_sdio+', 'rmnet_smux+', 'r_rmnet_data+', 'v4-rmnet+', 'v4-rmnet_data+', 'cdma_rmnet+',
        'ccmni+', 'ccemni+', 'cc2mni+', 'ccinet+', 'pdp+', 'uwbr+', 'wimax+', 'vsnet+', 'qmi+', 'svnet0+', 'wwan+', 'clat4+', 'seth_w+',
    ],
    vpn: ['tun+', 'ppp+', 'tap+'],
};

/** AFWall+ export keys: the column index of each network class in its rules JSON. */
export const AFWALL_COLUMNS: Readonly<Record<NetworkClass, string>> = { wifi: '0', mobile: '1', vpn: '3' };

/** Where AFWall+ reads and writes its import/export files on the phone. */
export const AFWALL_PHONE_DIR = '/sdcard/afwall';
/**
 * Where the root script goes for a person to run with `su -c sh …`: adb's shell user owns
 * /data/local/tmp and apps cannot write there (shared storage, where any app with storage access
 * could replace a script root then runs, is never used for it).
 */
export const IPTABLES_PHONE_DIR = '/data/local/tmp';
/** Where earlier versions put the scripts; people are told to delete what is left there. */
export const OLD_IPTABLES_PHONE_DIR = '/sdcard/revive/firewall';

const PACKAGE = /^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)+$/;
const VPN_APPS = ['com.wireguard.android', 'de.blinkt.openvpn', 'net.openvpn.openvpn', 'org.torproject.android', 'ch.protonvpn.android'];

function bad(facts: FactsOf<'firewall-input'>): ReviveError {
    return ReviveError.of('firewall-input', facts);
}

/**
 * Parses `pm list packages [-U]`. Newer Android prints `package:NAME uid:UID`; older versions
 * print only `package:NAME` (uid null; look it up with `dumpsys package NAME`).
 */
export function parsePackageList(output: string): InstalledPackage[] {
    const packages: InstalledPackage[] = [];
    for (const line of output.split(/\r?\n/)) {
        // Android package names only (they reach the shell and the firewall script).
        const match = /^package:([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(?:\s+uid:(\d+)(?:,\d+)*)?\s*$/.exec(line.trim());
        if (!match?.[1]) continue;
        packages.push({ packageName: match[1], uid: match[2] === undefined ? null : Number(match[2]) });
    }
    return packages.sort((a, b) => a.packageName.localeCompare(b.packageName));
}

/** The UID from `dumpsys package NAME` (`userId=10057`, on old Android `userId=10057 gids=[…]`). */
export function parseDumpsysUid(output: string): number | null {
    const match = /\buserId=(\d+)/.exec(output) ?? /\bappId=(\d+)/.exec(output);
    return match?.[1] ? Number(match[1]) : null;
}

function checkProfileName(name: string): void {
    if (!/^[a-zA-Z0-9_.-]{1,32}$/.test(name)) throw bad({ variant: 'profile-name', name });
}

/**
 * The private profile: deny everything by default and let only the chosen apps out, on the
 * network classes chosen for each (all three when not said otherwise).
 */
export function createPrivateProfile(options: { readonly name?: string | undefined; readonly allow: readonly AppChoice[]; readonly installed?: readonly InstalledPackage[] | undefined; readonly allowDnsViaNetd?: boolean | undefined }): FirewallProfile {
    const name = options.name ?? 'private';
    checkProfileName(name);
    const installed = new Map((options.installed ?? []).map((p) => [p.packageName, p.uid]));
    const seen = new Set<string>();
    const apps = options.allow.map((choice): FirewallApp => {
        if (!PACKAGE.test(choice.packageName)) throw bad({ variant: 'not-package', packageName: choice.packageName });
        if (seen.has(choice.packageName)) throw bad({ variant: 'listed-twice', packageName: choice.packageName });
        seen.add(choice.packageName);
        if (options.installed && !installed.has(choice.packageName)) {
            throw bad({ variant: 'not-installed', packageName: choice.packageName });
        }
        const uid = choice.uid ?? installed.get(choice.packageName) ?? null;
        if (uid !== null && (!Number.isInteger(uid) || uid < 0)) throw bad({ variant: 'bad-uid', uid: String(uid), packageName: choice.packageName });
        return { packageName: choice.packageName, uid, wifi: choice.wifi ?? true, mobile: choice.mobile ?? true, vpn: choice.vpn ?? true };
    });
    return { name, apps: apps.sort((a, b) => a.packageName.localeCompare(b.packageName)), allowDnsViaNetd: options.allowDnsViaNetd ?? true };
}

/** Plain-language warnings about a profile that will not do what the person probably wants. */
export function profileWarnings(profile: FirewallProfile): string[] {
    const warnings: string[] = [];
    const usesVpn = profile.apps.some((a) => a.vpn);
    const vpnApp = profile.apps.find((a) => VPN_APPS.includes(a.packageName));
    if (usesVpn && !vpnApp) {
        warnings.push('Apps are allowed through the VPN, but no VPN app (such as WireGuard) is in the profile: the tunnel itself cannot connect until the VPN app is allowed on Wi-Fi and/or mobile data.');
    }
    if (vpnApp && !vpnApp.wifi && !vpnApp.mobile) warnings.push(`${vpnApp.packageName} may use neither Wi-Fi nor mobile data, so the VPN cannot connect.`);
    if (profile.apps.length === 0) warnings.push('No app may use the network at all.');
    const byUid = new Map<number, string[]>();
    for (const app of profile.apps) if (app.uid !== null) byUid.set(app.uid, [...(byUid.get(app.uid) ?? []), app.packageName]);
    for (const [uid, names] of byUid) if (names.length > 1) warnings.push(`${names.join(' and ')} share UID ${uid}: the iptables script cannot tell them apart, so they get the union of their permissions.`);
    return warnings;
}

/** AFWall+'s rules export format: a one-element array of { package: { column: true } }. */
export function renderAfwallImport(profile: FirewallProfile): string {
    const rules: Record<string, Record<string, boolean>> = {};
    for (const app of profile.apps) {
        const columns: Record<string, boolean> = {};
        for (const network of NETWORK_CLASSES) if (app[network]) columns[AFWALL_COLUMNS[network]] = true;
        if (Object.keys(columns).length > 0) rules[app.packageName] = columns;
    }
    return `${JSON.stringify([rules], null, 2)}\n`;
}

export function afwallFileName(profile: FirewallProfile): string {
    return `afwall-revive-${profile.name}.json`;
}

export const IP_FAMILIES = ['ipv4', 'ipv6'] as const;
export type IpFamily = (typeof IP_FAMILIES)[number];

export const CHAIN = 'revive';

/**
 * iptables-restore input for `--noflush`: (re)creates the revive chains and hooks them first in
 * OUTPUT. Without --noflush iptables-restore would flush the whole filter table, including
 * Android's own chains; the root script uses it correctly.
 */
export function renderIptablesRules(profile: FirewallProfile, family: IpFamily): string {
    const missing = profile.apps.filter((a) => a.uid === null).map((a) => a.packageName);
    if (missing.length > 0) {
        throw bad({ variant: 'uid-unknown', packages: missing.join(', ') });
    }
    const reject = family === 'ipv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
    const lines = [
        `# Revive firewall profile "${profile.name}" (${family === 'ipv4' ? 'IPv4: iptables' : 'IPv6: ip6tables'}), deny by default.`,
        `# Load with ${family === 'ipv4' ? 'iptables' : 'ip6tables'}-restore --noflush (the root script does it), never without --noflush.`,
        '*filter',
        ...[CHAIN, ...NETWORK_CLASSES.map((n) => `${CHAIN}-${n}`), `${CHAIN}-reject`].map((chain) => `:${chain} - [0:0]`),
        `-A ${CHAIN} -o lo -j RETURN`,
    ];
    if (profile.allowDnsViaNetd) {
        lines.push('# DNS that netd (UID 0) resolves on behalf of apps');
        for (const proto of ['udp', 'tcp']) lines.push(`-A ${CHAIN} -p ${proto} --dport 53 -m owner --uid-owner 0 -j RETURN`);
    }
    for (const network of NETWORK_CLASSES) {
        for (const iface of INTERFACES[network]) lines.push(`-A ${CHAIN} -o ${iface} -j ${CHAIN}-${network}`);
    }
    for (const network of NETWORK_CLASSES) {
        const uids = new Map<number, string[]>();
        for (const app of profile.apps) if (app[network] && app.uid !== null) uids.set(app.uid, [...(uids.get(app.uid) ?? []), app.packageName]);
        for (const [uid, names] of [...uids].sort((a, b) => a[0] - b[0])) {
            lines.push(`# ${names.join(', ')}`, `-A ${CHAIN}-${network} -m owner --uid-owner ${uid} -j RETURN`);
        }
        lines.push(`-A ${CHAIN}-${network} -j ${CHAIN}-reject`);
    }
    lines.push(`-A ${CHAIN}-reject -j REJECT --reject-with ${reject}`, `-I OUTPUT 1 -j ${CHAIN}`, 'COMMIT', '');
    return lines.join('\n');
}

export const IPTABLES_FILES = { ipv4: 'revive-iptables.rules', ipv6: 'revive-ip6tables.rules', apply: 'revive-firewall.sh' } as const;

/**
 * The root shell script that loads both rule sets, replacing an earlier Revive profile. The rules
 * are inside it, fed to iptables-restore over stdin: root reads no other file, so nothing beside
 * the script can be swapped for something else.
 */
export function renderApplyScript(profile: FirewallProfile): string {
    const heredoc = (family: IpFamily): string[] => [`${family === 'ipv4' ? 'iptables' : 'ip6tables'}-restore --noflush <<'REVIVE_RULES'`, renderIptablesRules(profile, family).trimEnd(), 'REVIVE_RULES'];
    return [
        '#!/system/bin/sh',
        `# Revive firewall profile "${profile.name}". Run as root: su -c sh ${IPTABLES_PHONE_DIR}/${IPTABLES_FILES.apply}`,
        '# Rules do not survive a reboot; run it again after restarting (or from an init.d/Magisk service script).',
        'set -e',
        `while iptables -D OUTPUT -j ${CHAIN} 2>/dev/null; do :; done`,
        ...heredoc('ipv4'),
        `while ip6tables -D OUTPUT -j ${CHAIN} 2>/dev/null; do :; done`,
        ...heredoc('ipv6'),
        'echo "Revive firewall profile applied."',
        '',
    ].join('\n');
}
