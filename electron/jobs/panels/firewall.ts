/** Firewall panel jobs: read the phone's apps, write the AFWall+ file and the iptables scripts. */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
    IPTABLES_FILES,
    afwallFileName,
    createPrivateProfile,
    parseDumpsysUid,
    parsePackageList,
    profileWarnings,
    renderAfwallImport,
    renderApplyScript,
    renderIptablesRules,
    type AppChoice,
    type FirewallProfile,
    type InstalledPackage,
} from '../../../native/panels/firewall.js';
import { shellCommand } from '../../../native/adb/shell-words.js';
import { runPanelJob, type PanelJobOptions } from './job.js';

/** What the firewall panel needs from a connected phone. */
export interface PhoneShell {
    shell(command: string): Promise<{ readonly stdout: string }>;
}

/**
 * Installed packages with their UIDs: `pm list packages -U` on Android 8+; on older phones, whose
 * pm ignores -U or rejects it, each package's UID is looked up with `dumpsys package` only when
 * `uidFor` names it (a full dumpsys of every package takes minutes on an old phone).
 */
export async function listPhonePackages(phone: PhoneShell, uidFor: readonly string[] = []): Promise<InstalledPackage[]> {
    let packages = parsePackageList((await phone.shell('pm list packages -U')).stdout);
    if (packages.length === 0) packages = parsePackageList((await phone.shell('pm list packages')).stdout);
    const wanted = new Set(uidFor);
    const out: InstalledPackage[] = [];
    for (const pkg of packages) {
        if (pkg.uid === null && wanted.has(pkg.packageName) && /^[a-zA-Z0-9_.]+$/.test(pkg.packageName)) {
            out.push({ packageName: pkg.packageName, uid: parseDumpsysUid((await phone.shell(shellCommand('dumpsys', 'package', pkg.packageName))).stdout) });
        } else out.push(pkg);
    }
    return out;
}

export interface FirewallFiles {
    readonly afwall: string;
    /** Absent when some app's UID is unknown (the AFWall+ file still works). */
    readonly ipv4: string | null;
    readonly ipv6: string | null;
    readonly apply: string | null;
}

export interface CreateFirewallResult {
    readonly jobId: string;
    readonly profile: FirewallProfile;
    readonly warnings: readonly string[];
    readonly files: FirewallFiles;
}

export async function createFirewallJob(
    input: { readonly name?: string | undefined; readonly allow: readonly AppChoice[]; readonly installed?: readonly InstalledPackage[] | undefined; readonly allowDnsViaNetd?: boolean | undefined; readonly outDir: string },
    options: PanelJobOptions = {},
): Promise<CreateFirewallResult> {
    return runPanelJob('firewall-create', { name: input.name ?? 'private', apps: input.allow.map((a) => a.packageName), outDir: input.outDir }, options, async (job) => {
        const profile = await job.step('profile', 'Build the deny-by-default profile', async () => {
            const value = createPrivateProfile(input);
            return { value, detail: `${value.apps.length} app(s) allowed; everything else is blocked.`, data: { apps: value.apps.map((a) => `${a.packageName}:${a.uid ?? '?'}:${a.wifi ? 'w' : ''}${a.mobile ? 'm' : ''}${a.vpn ? 'v' : ''}`) } };
        });
        const warnings = profileWarnings(profile);
        for (const warning of warnings) job.log(`Warning: ${warning}`);
        const files = await job.step('save', 'Write the AFWall+ import file and the iptables scripts', async () => {
            await mkdir(input.outDir, { recursive: true });
            const afwall = join(input.outDir, afwallFileName(profile));
            await writeFile(afwall, renderAfwallImport(profile));
            const known = profile.apps.every((a) => a.uid !== null);
            const value: FirewallFiles = known
                ? { afwall, ipv4: join(input.outDir, IPTABLES_FILES.ipv4), ipv6: join(input.outDir, IPTABLES_FILES.ipv6), apply: join(input.outDir, IPTABLES_FILES.apply) }
                : { afwall, ipv4: null, ipv6: null, apply: null };
            if (value.ipv4 && value.ipv6 && value.apply) {
                await writeFile(value.ipv4, renderIptablesRules(profile, 'ipv4'));
                await writeFile(value.ipv6, renderIptablesRules(profile, 'ipv6'));
                await writeFile(value.apply, renderApplyScript(profile), { mode: 0o755 });
            } else {
                job.log('The iptables scripts were not written: some apps\' UIDs are unknown. Connect the phone to read them.');
            }
            return { value, detail: `Saved ${[value.afwall, value.ipv4, value.ipv6, value.apply].filter(Boolean).join(', ')}.`, data: { ...value } };
        });
        return { jobId: job.jobId, profile, warnings, files };
    }, (r) => `Firewall profile ${r.profile.name} saved at ${r.files.afwall}.`);
}
