/**
 * Putting panel results on the phone over adb: each file is hashed first, pushed, and the phone's
 * copy checked against that hash (AdbPhone.push with `verifyOnPhone`: the phone's own sha256sum of
 * what it stored); APKs are all verified before the phone is even connected.
 */
import { basename, posix } from 'node:path';
import { connectAdb, type AdbTarget, type PushOptions } from '../../../native/adb/phone.js';
import { shellCommand } from '../../../native/adb/shell-words.js';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobContext } from '../../../native/jobs/progress.js';
import { hashFile } from '../../../native/integrity/hash.js';
import { checkApks, installVerifiedApks, requireAllVerified, type ApkRequest, type AppInstallResult } from '../../../native/panels/apps.js';
import { AFWALL_PHONE_DIR, IPTABLES_FILES, IPTABLES_PHONE_DIR } from '../../../native/panels/firewall.js';
import { PHONE_DOWNLOAD_DIR } from '../../../native/panels/wireguard.js';
import { runPanelJob, type PanelJobOptions } from './job.js';

/** What the panels need from a connected phone (AdbPhone has it). */
export interface PanelPhone {
    /** With `verifyOnPhone`, throws `push-mismatch` when the phone's copy differs from what was sent. */
    push(localPath: string, remotePath: string, ctx: JobContext, options?: PushOptions): Promise<{ readonly sha256: string; readonly checkedOn?: 'phone' | 'sent' }>;
    install(apkPath: string, ctx: JobContext): Promise<void>;
    shell(command: string): Promise<{ readonly stdout: string; readonly exitCode: number }>;
    close(): Promise<void>;
}

export type PhoneConnector = (signal?: AbortSignal) => Promise<PanelPhone>;

export function adbConnector(target: AdbTarget): PhoneConnector {
    return (signal) => connectAdb(target, { signal });
}

/**
 * OpenKeychain has no import folder of its own; /sdcard/OpenKeychain/ is where it writes its
 * backups, and its "Import from file" picker opens shared storage, so keys there are easy to find.
 */
export const OPENKEYCHAIN_PHONE_DIR = '/sdcard/OpenKeychain';

export interface PushItem {
    readonly local: string;
    readonly remote: string;
}

export interface PushResult {
    readonly local: string;
    readonly remote: string;
    readonly sha256: string;
}

export function keysPushPlan(files: { readonly publicKey: string; readonly secretKey?: string | undefined }, includeSecret: boolean): PushItem[] {
    const plan = [{ local: files.publicKey, remote: `${OPENKEYCHAIN_PHONE_DIR}/${basename(files.publicKey)}` }];
    if (includeSecret) {
        if (!files.secretKey) throw ReviveError.of('keys-no-secret', {});
        plan.push({ local: files.secretKey, remote: `${OPENKEYCHAIN_PHONE_DIR}/${basename(files.secretKey)}` });
    }
    return plan;
}

export function vpnPushPlan(config: string): PushItem[] {
    return [{ local: config, remote: `${PHONE_DOWNLOAD_DIR}/${basename(config)}` }];
}

/** The AFWall+ file to its folder; the root script (which carries its rules) where apps cannot write. */
export function firewallPushPlan(files: { readonly afwall: string; readonly apply?: string | null }): PushItem[] {
    const plan = [{ local: files.afwall, remote: `${AFWALL_PHONE_DIR}/${basename(files.afwall)}` }];
    if (files.apply) plan.push({ local: files.apply, remote: `${IPTABLES_PHONE_DIR}/${IPTABLES_FILES.apply}` });
    return plan;
}

export async function pushFilesJob(connect: PhoneConnector, items: readonly PushItem[], options: PanelJobOptions = {}): Promise<{ readonly jobId: string; readonly pushed: readonly PushResult[] }> {
    return runPanelJob('panel-push', { files: items.map((i) => `${i.local} -> ${i.remote}`) }, options, async (job) => {
        const ctx = job.context();
        const local = await job.step('hash', 'Check the files to send', async () => {
            const value = [];
            for (const item of items) value.push({ ...item, sha256: (await hashFile(item.local, ctx)).sha256 });
            return { value, detail: `${value.length} file(s) ready.`, data: { sha256: value.map((v) => v.sha256) } };
        });
        const phone = await job.step('connect', 'Connect to the phone', async () => ({ value: await connect(options.signal), detail: 'Connected.' }));
        try {
            const pushed: PushResult[] = [];
            for (const item of local) {
                await job.step(`push:${basename(item.local)}`, `Send ${basename(item.local)}`, async () => {
                    await phone.shell(shellCommand('mkdir', '-p', posix.dirname(item.remote)));
                    const { sha256, checkedOn } = await phone.push(item.local, item.remote, ctx, { verifyOnPhone: true });
                    if (sha256 !== item.sha256) {
                        throw ReviveError.of('push-file-changed', { file: basename(item.local), path: item.local, remote: item.remote, expected: item.sha256, found: sha256 });
                    }
                    pushed.push({ local: item.local, remote: item.remote, sha256 });
                    const how = checkedOn === 'sent' ? 'checked as sent; the phone cannot compute SHA-256' : "checked on the phone's copy";
                    return { value: undefined, detail: `${item.remote} (SHA-256 ${sha256}, ${how}).`, data: { remote: item.remote, sha256, checkedOn: checkedOn ?? 'phone' } };
                });
            }
            return { jobId: job.jobId, pushed };
        } finally {
            await phone.close();
        }
    }, (r) => `${r.pushed.length} file(s) on the phone.`);
}

/**
 * Delete pushed files from the phone again (a WireGuard profile holds the phone's private key and
 * sits in shared storage, readable by apps, until the person has imported it), and check they are gone.
 */
export async function removeFilesJob(connect: PhoneConnector, remotes: readonly string[], options: PanelJobOptions = {}): Promise<{ readonly jobId: string; readonly removed: readonly string[] }> {
    return runPanelJob('panel-remove', { files: [...remotes] }, options, async (job) => {
        const phone = await job.step('connect', 'Connect to the phone', async () => ({ value: await connect(options.signal), detail: 'Connected.' }));
        try {
            for (const remote of remotes) {
                await job.step(`remove:${posix.basename(remote)}`, `Delete ${remote}`, async () => {
                    await phone.shell(shellCommand('rm', '-f', remote));
                    const left = await phone.shell(shellCommand('ls', remote));
                    if (left.exitCode === 0) {
                        throw ReviveError.of('remove-failed', { remote });
                    }
                    return { value: undefined, detail: `${remote} deleted.` };
                });
            }
            return { jobId: job.jobId, removed: [...remotes] };
        } finally {
            await phone.close();
        }
    }, (r) => `${r.removed.length} file(s) deleted from the phone.`);
}

export async function installAppsJob(connect: PhoneConnector, requests: readonly ApkRequest[], options: PanelJobOptions = {}): Promise<{ readonly jobId: string; readonly results: readonly AppInstallResult[] }> {
    return runPanelJob('apps-install', { apks: requests.map((r) => r.path) }, options, async (job) => {
        const ctx = job.context();
        // All checksums first: a modified APK stops everything before adb is touched.
        const verified = await job.step('verify', 'Check every APK against its SHA-256', async () => {
            const checks = await checkApks(requests, ctx);
            const value = requireAllVerified(checks);
            return { value, detail: `${value.length} APK(s) match their checksums.`, data: { sha256: value.map((v) => `${v.fileName}:${v.sha256}`) } };
        });
        const phone = await job.step('connect', 'Connect to the phone', async () => ({ value: await connect(options.signal), detail: 'Connected.' }));
        try {
            const results = await job.step('install', 'Install the apps', async () => {
                const value = await installVerifiedApks(phone, verified, ctx);
                return { value, detail: value.map((r) => `${r.fileName}: ${r.status}`).join(', '), data: { results: value.map((r) => `${r.fileName}:${r.status}`) } };
            });
            return { jobId: job.jobId, results };
        } finally {
            await phone.close();
        }
    }, (r) => `${r.results.filter((x) => x.status === 'installed').length} of ${r.results.length} app(s) installed.`);
}
