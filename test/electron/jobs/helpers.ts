/** Shared set-up for upgrade tests: a virtual phone, demo packages, and a job run against them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll } from 'vitest';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import type { JobEvent, JobConfirmRequest, UpgradeReport } from '../../../native/jobs/events.js';
import type { Recipe } from '../../../native/manifests/schema.js';
import { VirtualPhone, type VirtualPhoneOptions } from '../../../native/virtual/phone.js';
import { virtualPhoneSession } from '../../../electron/phone-finding/device-session.js';
import { scriptedPerson } from '../../../electron/jobs/scripted-person.js';
import type { PhoneJobEnvironment } from '../../../electron/jobs/phone-link.js';
import type { UpgradeFiles, UpgradeOptions } from '../../../electron/jobs/types.js';
import { generateIdentity, parseRecipient, type AgeIdentity } from '../../../native/backup/age/index.js';
import { runUpgrade } from '../../../electron/jobs/upgrade.js';
import { tempHome } from '../../support/temp-home.js';

export type RunResult = JobRun<UpgradeReport, JobEvent>;

/**
 * The key the upgrade tests lock their backups for, held in memory only (Revive keeps no key beside
 * an archive): `BACKUP_OPENER` opens what they wrote.
 */
const backupKey = generateIdentity();
export const BACKUP_OPENER: readonly AgeIdentity[] = [{ kind: 'x25519', secretKey: backupKey.secretKey }];
export const BACKUP_LOCK: NonNullable<UpgradeOptions['backupKeys']> = { recipients: [{ kind: 'x25519', publicKey: parseRecipient(backupKey.recipient) }], verifyWith: BACKUP_OPENER };

/** How a job run on a virtual phone ended, with every event it sent. */
export interface JobRun<Report, Event> {
    readonly report?: Report | undefined;
    readonly error?: unknown;
    readonly events: Event[];
}

/**
 * Runs a job that follows one phone (upgrade, backup, restore) against a virtual phone, with a
 * scripted person: its events are collected, its report or error returned, never thrown.
 */
export async function runOnVirtualPhone<Report, Event>(
    phone: VirtualPhone,
    job: (env: PhoneJobEnvironment<Event>) => Promise<Report>,
    options: { answer?: (request: JobConfirmRequest) => boolean; signal?: AbortSignal | undefined; onEvent?: ((event: Event) => void) | undefined; waitTimeoutMs: number },
): Promise<JobRun<Report, Event>> {
    const events: Event[] = [];
    const session = virtualPhoneSession(phone);
    try {
        const report = await job({
            recipe: phone.recipe,
            locator: session.locator,
            links: session.links,
            ui: scriptedPerson(phone, { answer: options.answer }),
            emit: (e) => {
                events.push(e);
                options.onEvent?.(e);
            },
            signal: options.signal ?? new AbortController().signal,
            waitTimeoutMs: options.waitTimeoutMs,
        });
        return { report, events };
    } catch (error) {
        return { error, events };
    } finally {
        await session.close();
    }
}

export function upgradeVirtual(
    phone: VirtualPhone,
    recipe: Recipe,
    files: UpgradeFiles,
    options: {
        home: string;
        backupTo?: string;
        noBackup?: boolean;
        /** Default BACKUP_LOCK; null gives none (the job must refuse). */
        backupKeys?: UpgradeOptions['backupKeys'] | null;
        resumeJobId?: string;
        answer?: (request: JobConfirmRequest) => boolean;
        signal?: AbortSignal;
        onEvent?: (event: JobEvent) => void;
    },
): Promise<RunResult> {
    return runOnVirtualPhone<UpgradeReport, JobEvent>(
        phone,
        (env) =>
            runUpgrade(
                {
                    device: { kind: 'virtual', codename: recipe.id },
                    files,
                    home: options.home,
                    backupTo: options.backupTo,
                    noBackup: options.noBackup,
                    backupKeys: options.backupKeys === null ? undefined : (options.backupKeys ?? BACKUP_LOCK),
                    resumeJobId: options.resumeJobId,
                },
                { ...env, recipe },
            ),
        { answer: options.answer, signal: options.signal, onEvent: options.onEvent, waitTimeoutMs: 10_000 },
    );
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

/** A test file's bench for upgrades: a temp folder, REVIVE_HOME inside it, the recipe's demo packages. */
export interface UpgradeBench {
    readonly dir: string;
    readonly home: string;
    readonly demo: DemoPackages;
    /** A virtual phone of the recipe in Android, its state in `dir/<name>`, an owner who accepts. */
    phone(name: string, options?: Partial<VirtualPhoneOptions>): Promise<VirtualPhone>;
}

/** Sets up (before the file's tests) and removes (after them) one bench; call it at the top of a test file. */
export function upgradeBench(recipe: Recipe, options: { readonly prefix: string; readonly romBytes: number }): UpgradeBench {
    const temp = tempHome(options.prefix);
    let demo: DemoPackages | undefined;
    beforeAll(async () => {
        demo = await generateDemoPackages(join(temp.dir, 'packages'), recipe, { romBytes: options.romBytes });
    });
    return {
        get dir() {
            return temp.dir;
        },
        get home() {
            return temp.home;
        },
        get demo() {
            if (!demo) throw new Error('the bench is set up in beforeAll');
            return demo;
        },
        phone: (name, extra = {}) => VirtualPhone.create({ codename: recipe.id, mode: 'android', stateDir: join(temp.dir, name), owner: 'accept', enumerationDelayMs: 20, ...extra }),
    };
}
