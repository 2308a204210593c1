/** Shared set-up for upgrade tests: a virtual phone, demo packages, and a job run against them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobEvent, JobConfirmRequest, UpgradeReport } from '../../../native/jobs/events.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { scriptedPerson } from '../../../electron/jobs/scripted-person.js';
import type { UpgradeFiles } from '../../../electron/jobs/types.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';

export interface RunResult {
    readonly report?: UpgradeReport | undefined;
    readonly error?: unknown;
    readonly events: JobEvent[];
}

export async function upgradeVirtual(
    phone: VirtualPhone,
    recipe: Recipe,
    files: UpgradeFiles,
    options: { home: string; backupTo?: string; noBackup?: boolean; resumeJobId?: string; answer?: (request: JobConfirmRequest) => boolean; signal?: AbortSignal; onEvent?: (event: JobEvent) => void },
): Promise<RunResult> {
    const events: JobEvent[] = [];
    const session = virtualPhoneSession(phone);
    try {
        const report = await runUpgrade(
            { device: { kind: 'virtual', codename: recipe.id }, files, home: options.home, backupTo: options.backupTo, noBackup: options.noBackup, resumeJobId: options.resumeJobId },
            {
                recipe,
                locator: session.locator,
                links: session.links,
                ui: scriptedPerson(phone, { answer: options.answer }),
                emit: (e) => {
                    events.push(e);
                    options.onEvent?.(e);
                },
                signal: options.signal ?? new AbortController().signal,
                waitTimeoutMs: 10_000,
            },
        );
        return { report, events };
    } catch (error) {
        return { error, events };
    } finally {
        await session.close();
    }
}

export interface PhoneStateFile {
    mode: string;
    androidVersion: string;
    buildFingerprint: string;
    bootloaderLocked: boolean;
    installed: Array<{ fileName: string; sha256: string; id: string }>;
    writeCounts: Record<string, number>;
}

export function phoneState(stateDir: string): PhoneStateFile {
    return JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as PhoneStateFile;
}

export function totalWrites(phone: VirtualPhone): number {
    return phone.partitions.names().reduce((sum, name) => sum + phone.partitions.writeCount(name), 0);
}
