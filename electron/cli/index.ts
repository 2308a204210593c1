/**
 * Every `revive` command with its one-line summary, and where its code lives. A group's module (with
 * its dependencies: adb, OpenPGP, the virtual phone…) is imported only when one of its commands
 * runs, so `revive help` and a usage mistake answer at once.
 */
import type { CliCommand } from './command.js';

type GroupModule = { readonly commands: readonly CliCommand[] };

export interface CatalogEntry {
    /** Words after `revive`, e.g. `pit print` or `devices`. */
    readonly name: string;
    readonly summary: string;
    readonly load: () => Promise<GroupModule>;
}

const groups = {
    devices: (): Promise<GroupModule> => import('./devices.js'),
    virtualPhone: (): Promise<GroupModule> => import('./virtual-phone.js'),
    pit: (): Promise<GroupModule> => import('./pit.js'),
    odin: (): Promise<GroupModule> => import('./odin.js'),
    fastboot: (): Promise<GroupModule> => import('./fastboot.js'),
    adb: (): Promise<GroupModule> => import('./adb.js'),
    twrp: (): Promise<GroupModule> => import('./twrp.js'),
    backup: (): Promise<GroupModule> => import('./backup.js'),
    upgrade: (): Promise<GroupModule> => import('./upgrade.js'),
    demo: (): Promise<GroupModule> => import('./demo.js'),
    keys: (): Promise<GroupModule> => import('./keys.js'),
    vpn: (): Promise<GroupModule> => import('./vpn.js'),
    firewall: (): Promise<GroupModule> => import('./firewall.js'),
    apps: (): Promise<GroupModule> => import('./apps.js'),
    shop: (): Promise<GroupModule> => import('./shop.js'),
    fetch: (): Promise<GroupModule> => import('./fetch.js'),
    identify: (): Promise<GroupModule> => import('./identify.js'),
} as const;

export const catalog: readonly CatalogEntry[] = [
    { name: 'devices', summary: 'List connected phones (local USB, USB/IP servers, a virtual phone) with mode and state.', load: groups.devices },
    { name: 'virtual-phone serve', summary: 'Run a virtual phone (USB/IP, adb and fastboot over TCP) until interrupted.', load: groups.virtualPhone },
    { name: 'pit print', summary: 'Print a PIT (Samsung partition table) file, exactly as `heimdall print-pit --file` does', load: groups.pit },
    { name: 'odin print-pit', summary: 'Print the partition table of a phone in download mode (as heimdall print-pit)', load: groups.odin },
    { name: 'odin download-pit', summary: 'Save the partition table (PIT) of a phone in download mode to a file', load: groups.odin },
    { name: 'odin flash', summary: 'Flash images into partitions of a phone in download mode (by PIT name, or from Samsung firmware .tar/.tar.md5)', load: groups.odin },
    { name: 'odin reboot', summary: 'Restart a phone out of download mode', load: groups.odin },
    { name: 'fastboot getvar', summary: 'Read a bootloader variable (or all of them)', load: groups.fastboot },
    { name: 'fastboot flash', summary: 'Write an image (raw or sparse) to a partition; large images are split like fastboot does', load: groups.fastboot },
    { name: 'fastboot boot', summary: 'Start an image (e.g. TWRP) from RAM without flashing it', load: groups.fastboot },
    { name: 'fastboot erase', summary: 'Erase a partition', load: groups.fastboot },
    { name: 'fastboot unlock', summary: 'Unlock the bootloader (the phone asks its owner and erases all data)', load: groups.fastboot },
    { name: 'fastboot lock', summary: 'Lock the bootloader again (the phone asks its owner and erases all data)', load: groups.fastboot },
    { name: 'fastboot reboot', summary: 'Restart the phone (into Android, or the bootloader, recovery or fastbootd)', load: groups.fastboot },
    { name: 'fastboot set-active', summary: 'Choose the slot an A/B phone starts from', load: groups.fastboot },
    { name: 'adb devices', summary: 'List phones with adb: on USB, or the one given with -s / --virtual', load: groups.adb },
    { name: 'adb shell', summary: 'Run a shell command on the phone; exits with its exit status', load: groups.adb },
    { name: 'adb push', summary: "Copy a file to the phone and check the phone's copy by its SHA-256", load: groups.adb },
    { name: 'adb pull', summary: 'Copy a file from the phone (prints the SHA-256 of what arrived)', load: groups.adb },
    { name: 'adb install', summary: 'Install an APK on the phone', load: groups.adb },
    { name: 'adb reboot', summary: 'Reboot the phone: system, bootloader, recovery, sideload or download (Samsung)', load: groups.adb },
    { name: 'adb sideload', summary: 'Sideload a flashable zip in recovery (checked first; --sha256 to compare with the published digest)', load: groups.adb },
    { name: 'twrp wipe', summary: 'Wipe a partition in TWRP: cache, system, data (keeps internal storage) or dalvik', load: groups.twrp },
    { name: 'twrp format-data', summary: 'Format /data in TWRP (removes encryption and ALL user files, internal storage too)', load: groups.twrp },
    { name: 'twrp backup', summary: 'Make a TWRP backup: letters S system, D data, C cache, R recovery, B boot', load: groups.twrp },
    { name: 'twrp restore', summary: 'Restore a TWRP backup (digests are checked first)', load: groups.twrp },
    { name: 'twrp pull-backup', summary: 'Copy a TWRP backup to the computer and verify every file against its digest', load: groups.twrp },
    { name: 'backup create', summary: 'Back up a phone in TWRP to one encrypted archive (TWRP backup, raw EFS/persist, internal storage)', load: groups.backup },
    { name: 'backup verify', summary: 'Decrypt a backup and check every part against its manifest (no phone needed)', load: groups.backup },
    { name: 'backup import', summary: 'Turn a TWRP backup folder (from a phone or SD card) into an encrypted, verifiable archive', load: groups.backup },
    { name: 'restore', summary: 'Restore a backup onto its phone in TWRP (every part is checked before the first write)', load: groups.backup },
    { name: 'upgrade', summary: 'Upgrade a phone to LineageOS: check every file, flash TWRP, back up, install ROM, Gapps and su', load: groups.upgrade },
    { name: 'demo', summary: 'Watch a full upgrade on a virtual Galaxy S4 (no real phone needed, nothing on this computer changes)', load: groups.demo },
    { name: 'keys create', summary: 'Create an OpenPGP key pair (Curve25519, or RSA 4096) with its revocation certificate', load: groups.keys },
    { name: 'keys rotate', summary: 'Replace an OpenPGP key: new key certified by the old one, old key revoked as superseded, a signed note for contacts', load: groups.keys },
    { name: 'keys revoke', summary: 'Make a revocation certificate for an OpenPGP key (compromised, superseded, retired)', load: groups.keys },
    { name: 'keys push', summary: "Send a public key (and, only if asked, the secret key) to the phone's /sdcard/OpenKeychain/ for OpenKeychain", load: groups.keys },
    { name: 'vpn create', summary: "Create a WireGuard profile for the phone (keys, PSK, wg-quick .conf, QR PNG) and the server's [Peer] block", load: groups.vpn },
    { name: 'vpn qr', summary: 'Show a WireGuard .conf as a QR code in the terminal, or save it as PNG', load: groups.vpn },
    { name: 'vpn push', summary: "Send a WireGuard .conf to the phone's /sdcard/Download/ for the WireGuard app to import", load: groups.vpn },
    { name: 'firewall create', summary: 'Write a deny-by-default firewall profile: an AFWall+ import file and iptables scripts for rooted phones', load: groups.firewall },
    { name: 'firewall push', summary: 'Send a firewall profile to the phone: the AFWall+ file to /sdcard/afwall/, the root script to /data/local/tmp/', load: groups.firewall },
    { name: 'apps install', summary: 'Install APK files (AFWall+, WireGuard, OpenKeychain, …), each checked against its SHA-256 before the phone is touched', load: groups.apps },
    { name: 'shop init', summary: "Create a repair shop's folder with its Ed25519 signing key", load: groups.shop },
    { name: 'shop purge', summary: 'Delete the backups and journals of old jobs, with a signed deletion record', load: groups.shop },
    { name: 'receipt verify', summary: "Check that a receipt (or deletion record) is untampered and signed by a shop's key", load: groups.shop },
    { name: 'receipt pdf', summary: "Print receipt pages to PDF with the system's Chromium", load: groups.shop },
    { name: 'history', summary: "Search the shop's jobs by ticket, serial, IMEI and date", load: groups.shop },
    { name: 'identify', summary: '"Which phone is this?": in Android the phone opens its About phone screen; nothing is changed', load: groups.identify },
    { name: 'fetch', summary: 'Download the files a phone\'s recipe names (TWRP, ROM, Gapps, su), verified and cached', load: groups.fetch },
];

/** The command a catalog entry names, from its group's module. */
export async function loadCommand(entry: CatalogEntry): Promise<CliCommand> {
    const command = (await entry.load()).commands.find((candidate) => candidate.name === entry.name);
    if (!command) throw new Error(`The module for \`revive ${entry.name}\` does not define it.`);
    return command;
}
