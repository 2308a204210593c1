/**
 * `revive apps install`: hardening apps the person brings as APK files. Every APK is checked
 * against its SHA-256 (typed, or a `.sha256` / sha256sum-style file next to it) before the phone
 * is contacted at all; then each is installed over adb with a result per app.
 */
import { basename, resolve } from 'node:path';
import { installAppsJob } from '../jobs/panels/push.js';
import type { ApkRequest } from '../../native/panels/apps.js';
import { CliUsageError, parseCliArgs, type CliCommand } from './command.js';
import { panelProgress } from './keys.js';
import { DEVICE_USAGE, deviceOptions } from './device-options.js';
import { withPanelTarget } from './panel-target.js';

/**
 * Pairs APKs with `--sha256` values: either one bare digest per APK, in the same order, or
 * `NAME=HEX` naming the APK (its file name or path); APKs without one use their sidecar file.
 */
export function pairChecksums(apks: readonly string[], checksums: readonly string[]): ApkRequest[] {
    if (checksums.length === 0) return apks.map((path) => ({ path }));
    const named = checksums.filter((c) => c.includes('='));
    if (named.length === 0) {
        if (checksums.length !== apks.length) {
            throw new CliUsageError(`${apks.length} APK(s) but ${checksums.length} --sha256: give one per APK in the same order, or write --sha256 NAME.apk=HEX.`);
        }
        return apks.map((path, i) => ({ path, sha256: checksums[i] }));
    }
    if (named.length !== checksums.length) throw new CliUsageError('Write every --sha256 either as a bare digest (one per APK, in order) or as NAME.apk=HEX, not both ways.');
    const byApk = new Map<string, string>();
    for (const entry of named) {
        const at = entry.lastIndexOf('=');
        const name = entry.slice(0, at);
        const apk = apks.find((path) => path === name || basename(path) === name || resolve(path) === resolve(name));
        if (!apk) throw new CliUsageError(`--sha256 ${name}=…: no APK called ${name} is in the list.`);
        if (byApk.has(apk)) throw new CliUsageError(`${name} has two --sha256 values.`);
        byApk.set(apk, entry.slice(at + 1));
    }
    return apks.map((path) => ({ path, sha256: byApk.get(path) }));
}

export const commands: readonly CliCommand[] = [
    {
        name: 'apps install',
        usage:
            `revive apps install APK… [--sha256 HEX …] ${DEVICE_USAGE}\n` +
            '  --sha256: one per APK in the same order, or NAME.apk=HEX; without it, NAME.apk.sha256 or SHA256SUMS next to the APK is used.\n' +
            '  Nothing is installed unless every APK matches.',
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { sha256: { type: 'string', multiple: true }, ...deviceOptions }, allowPositionals: true, strict: true });
            if (positionals.length === 0) throw new CliUsageError('Give the APK files to install.');
            const requests = pairChecksums(positionals, values.sha256 ?? []);
            return withPanelTarget(values, io, async (target) => {
                io.err(`Checking ${requests.length} APK(s), then installing them on the phone (${target.label}).\n`);
                const { results } = await installAppsJob(target.connect, requests, { onEvent: panelProgress(io), signal: io.signal });
                for (const result of results) {
                    const mark = result.status === 'installed' ? '✓' : '✗';
                    io.out(`${mark} ${result.fileName}: ${result.status} (SHA-256 ${result.sha256})${result.status === 'installed' ? '' : ` — ${result.message}`}\n`);
                }
                const installed = results.filter((r) => r.status === 'installed').length;
                io.out(`${installed} of ${results.length} app(s) installed.\n`);
                return installed === results.length ? 0 : 1;
            });
        },
    },
];
