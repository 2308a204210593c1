/**
 * The app's upgrade locks its backup with the person's passphrase, as "Back up this phone" does:
 * refused with nothing started without one or with a weak one; an upgrade stopped before its
 * backup asks for it again to continue; the finished archive opens with the passphrase alone and
 * nothing that opens it (no key file) lies beside it.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '../../../common/job-id.js';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { ApiError, BackupView, Device, EventName, EventPayload, JobSummary } from '../../../electron/api/contract.js';
import { verifyArchive } from '../../../native/backup/verify.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { agreeingPerson, callOk, callRefused, verifyDemoFiles } from '../../support/backend-calls.js';

const PASS = 'copper lantern orchard seventy';
let dir: string;
let demo: DemoPackages;
let backend: Backend;


const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);
const refusal = (command: string, request: unknown): Promise<ApiError> => callRefused(backend, command, request);

/** Every file below `folder`, by path relative to it. */
function filesIn(folder: string): string[] {
    return readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(folder.length + 1));
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-app-upgrade-lock-'));
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 256 * 1024 });
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
});

afterAll(async () => {
    await backend?.close();
    await rm(dir, { recursive: true, force: true });
});

describe("the app's upgrade and its backup passphrase", () => {
    let device: Device;
    const files: Array<{ role: string; verificationId: string }> = [];

    it('is refused with nothing started without a passphrase or with a weak one', async () => {
        device = await call<Device>('startVirtualPhone', { codename: 'ks01ltexx' });
        files.push(...(await verifyDemoFiles(backend, demo, 'ks01ltexx', 'v')).files);
        const writes = backend.virtualPhone?.partitions.names().map((n) => backend.virtualPhone?.partitions.writeCount(n));
        expect(await refusal('startUpgrade', { jobId: newJobId(), deviceId: device.id, recipeId: 'ks01ltexx', files })).toMatchObject({ code: 'backup-passphrase-needed', facts: { variant: 'start' } });
        expect((await refusal('startUpgrade', { jobId: newJobId(), deviceId: device.id, recipeId: 'ks01ltexx', files, backupPassphrase: 'password1' })).code).toBe('backup-weak-passphrase');
        expect((await call<{ jobs: JobSummary[] }>('listJobs', {})).jobs).toEqual([]);
        expect(backend.virtualPhone?.partitions.names().map((n) => backend.virtualPhone?.partitions.writeCount(n))).toEqual(writes);
    }, 60_000);

    it('stopped before its backup, it asks for the passphrase again; the archive opens with it alone, no key beside it', async () => {
        const jobId = newJobId();
        const endings: Array<{ event: EventName; payload: unknown }> = [];
        let next: (() => void) | undefined;
        backend.subscribe((event, payload) => {
            if (event === 'jobStep') {
                const step = payload as EventPayload<'jobStep'>;
                // Stopped once the phone is recognised, long before the backup.
                if (step.jobId === jobId && step.step === 'identify' && step.status === 'finished' && endings.length === 0) void backend.call('cancelJob', { jobId });
            }
            agreeingPerson(backend, event, payload);
            if (event === 'jobDone' || event === 'jobFailed' || event === 'jobCancelled') {
                endings.push({ event, payload });
                next?.();
            }
        });
        const ended = (count: number): Promise<void> => (endings.length >= count ? Promise.resolve() : new Promise((resolve) => (next = () => endings.length >= count && resolve())));
        await call('startUpgrade', { jobId, deviceId: device.id, recipeId: 'ks01ltexx', files, backupPassphrase: PASS });
        await ended(1);
        expect(endings[0]?.event).toBe('jobCancelled');

        const stopped = (await call<{ jobs: JobSummary[] }>('listJobs', {})).jobs.find((j) => j.jobId === jobId);
        expect(stopped).toMatchObject({ status: 'stopped', needsBackupPassphrase: true });
        expect(await refusal('resumeJob', { jobId, deviceId: device.id })).toMatchObject({ code: 'backup-passphrase-needed', facts: { variant: 'resume' } });
        expect((await refusal('resumeJob', { jobId, deviceId: device.id, backupPassphrase: 'password1' })).code).toBe('backup-weak-passphrase');

        await call('resumeJob', { jobId, deviceId: device.id, backupPassphrase: PASS });
        await ended(2);
        expect(endings[1]).toMatchObject({ event: 'jobDone', payload: { jobId } });
        const folder = (endings[1]?.payload as EventPayload<'jobDone'>).backupDirectory ?? '';
        expect(folder).not.toBe('');
        // Two archives (internal storage copied before the unlock, then the full backup), and nothing beside them that would open them.
        const inFolder = filesIn(folder);
        expect(inFolder).toHaveLength(2);
        expect(inFolder.every((f) => f.endsWith('.tar.age'))).toBe(true);
        const full = inFolder.filter((f) => !f.endsWith('-storage.tar.age'));
        expect(full).toHaveLength(1);
        for (const name of inFolder) {
            const listed = (await call<{ backups: BackupView[] }>('listBackups', {})).backups.find((b) => b.path === join(folder, name));
            expect(listed, name).toMatchObject({ lockedWith: 'passphrase' });
            expect(listed?.lastVerifiedAt, name).not.toBeNull();
        }
        const checked = await verifyArchive(join(folder, full[0] ?? ''), [{ kind: 'scrypt', passphrase: PASS }]);
        expect(checked.parts.map((p) => p.path)).toEqual(expect.arrayContaining(['twrp/system.ext4.win', 'raw/efs.emmc.win']));
        for (const name of inFolder) await expect(verifyArchive(join(folder, name), [{ kind: 'scrypt', passphrase: 'not the passphrase at all' }])).rejects.toThrow();
        expect(filesIn(join(dir, 'home')).filter((f) => f.endsWith('.key'))).toEqual([]);
    }, 240_000);
});
