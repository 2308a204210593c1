/**
 * What every upgrade step shares: the recipe, the person's choices, the job run (events and
 * journal), the way to the phone, and the facts earlier steps found (the file check, the serial,
 * where the backup goes).
 */
import { join } from 'node:path';
import { ReviveError } from '../../../native/jobs/errors.js';
import type { JobEvent } from '../../../native/jobs/events.js';
import { appHome } from '../../../native/jobs/journal.js';
import type { JobRun } from '../../../native/jobs/runner.js';
import type { GateReport } from '../../../native/integrity/gate.js';
import type { FileRole, Recipe } from '../../../native/manifests/schema.js';
import type { PhoneJobEnvironment } from '../phone-link.js';
import type { UpgradeOptions } from '../types.js';
import { PhoneModes } from './modes.js';

export type UpgradeEnvironment = PhoneJobEnvironment<JobEvent>;

/** The phone as the first look found it (re-detected on every run). */
export interface FoundFacts {
    readonly codename: string;
    readonly serial: string;
    readonly model: string;
    readonly battery: number | undefined;
    readonly androidVersion: string;
    readonly fingerprint: string;
}

export class UpgradeJob {
    readonly env: UpgradeEnvironment;
    readonly options: UpgradeOptions;
    readonly run: JobRun;
    readonly recipe: Recipe;
    readonly modes: PhoneModes;
    gate: GateReport | undefined;
    found: FoundFacts | undefined;

    constructor(env: UpgradeEnvironment, options: UpgradeOptions, run: JobRun) {
        this.env = env;
        this.options = options;
        this.run = run;
        this.recipe = env.recipe;
        this.modes = new PhoneModes({ recipe: env.recipe, locator: env.locator, links: env.links, run, timeoutMs: env.waitTimeoutMs ?? 10 * 60_000, personTimeoutMs: env.personTimeoutMs });
    }

    get home(): string {
        return this.options.home ?? appHome();
    }

    file(role: FileRole): string {
        const path = this.options.files[role];
        if (!path) throw new Error(`no ${role} file in the plan`);
        return path;
    }

    /**
     * The job's backup folder on the computer, chosen once and kept in the journal so a resumed job
     * adds to the same folder: `<app data>/backups/<date>-<model>-<serial>`, so a person can tell
     * their backups apart in a file manager.
     */
    backupDir(): string {
        if (this.options.backupTo) return this.options.backupTo;
        const noted = this.run.journal.note('backup-dir')?.['path'];
        if (typeof noted === 'string') return noted;
        const started = this.run.journal.entries[0]?.at ?? new Date().toISOString();
        const stamp = started.replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
        const model = (this.found?.model ?? this.recipe.models[0] ?? this.recipe.id).replace(/[^A-Za-z0-9]+/g, '-');
        const serial = (this.found?.serial ?? 'unknown').replace(/[^A-Za-z0-9]+/g, '');
        const path = join(this.home, 'backups', `${stamp}-${model}-${serial}`);
        this.run.journal.append({ t: 'note', key: 'backup-dir', data: { path } });
        return path;
    }

    /**
     * Who can open the job's archives, and what reads them back: the person's passphrase or the
     * shop's recipients, as the caller gave them. There is no other: a key made for the backup and
     * kept beside it would open it for whoever can read the folder. runUpgrade refuses to start
     * without one, so this fails only for a caller that went around it.
     */
    backupLock(): NonNullable<UpgradeOptions['backupKeys']> {
        const given = this.options.backupKeys;
        if (!given || given.recipients.length === 0) throw ReviveError.of('backup-lock-needed', { variant: 'job' });
        return given;
    }

    assertUnchanged(role: FileRole, sha256: string): void {
        const gated = this.gate?.files.find((f) => f.role === role);
        if (gated && gated.sha256 !== sha256) {
            throw ReviveError.of('file-changed', { file: gated.name, path: gated.path, expected: gated.sha256, found: sha256 });
        }
    }

    /** Journal that a step is about to change the phone (so "the phone now" can say what may be half done). */
    touch(what: string): void {
        this.run.journal.append({ t: 'note', key: `touch:${what}`, data: { step: this.run.currentStep ?? '' } });
    }
}

export function firstError(text: string): string {
    return (text.split('\n').find((l) => /^E|ERROR|Error/.test(l)) ?? '').trim();
}
