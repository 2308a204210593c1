/**
 * A panel push to the built-in virtual phone, then an upgrade of the same phone on the same USB
 * appearance: the panels hang up and the job does its own adb handshake; nobody pulls the cable.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId } from '../../../common/job-id.js';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { openBackupFolder } from '../../../electron/app/open-folder.js';
import type { Device, EventName, EventPayload } from '../../../electron/api/contract.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import { agreeingPerson, callOk, createDemoVpn, sha256Of, verifyDemoFiles } from '../../support/backend-calls.js';
import { upgradeBench } from '../jobs/helpers.js';

const bench = upgradeBench(requireRecipe('ks01ltexx'), { prefix: 'revive-app-virtual-', romBytes: 256 * 1024 });
let backend: Backend;

const call = <T>(command: string, request: unknown): Promise<T> => callOk<T>(backend, command, request);

beforeAll(async () => {
    backend = createBackend({ home: bench.home, localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
});

afterAll(async () => {
    await backend?.close();
});

describe('panel push, then upgrade, on the virtual phone', () => {
    it('upgrades on the same USB appearance the panels used', async () => {
        const device = await call<Device>('startVirtualPhone', { codename: 'ks01ltexx' });
        const phone = backend.virtualPhone;
        if (!phone) throw new Error('no virtual phone');
        const vpn = await createDemoVpn(backend, 'vpn1', 'before');
        await call('pushPanelFiles', { jobId: 'push1', deviceId: device.id, resultId: vpn.resultId });
        const appearance = phone.usbDevice;

        const { files } = await verifyDemoFiles(backend, bench.demo, 'ks01ltexx', 'v');
        let firstStepDone = false;
        let appearanceAtIdentify: USBDevice | undefined;
        const ended = new Promise<{ event: EventName; payload: unknown }>((resolve) => {
            backend.subscribe((event, payload) => {
                if (event === 'jobStep') {
                    const step = payload as EventPayload<'jobStep'>;
                    if (step.step === 'identify' && step.status === 'finished' && !firstStepDone) {
                        firstStepDone = true;
                        appearanceAtIdentify = phone.usbDevice;
                    }
                }
                agreeingPerson(backend, event, payload);
                if (event === 'jobDone' || event === 'jobFailed' || event === 'jobCancelled') resolve({ event, payload });
            });
        });
        await call('startUpgrade', { jobId: newJobId(), deviceId: device.id, recipeId: 'ks01ltexx', files, backupPassphrase: 'copper lantern orchard seventy' });
        expect(await ended).toMatchObject({ event: 'jobDone', payload: { androidAfter: '8.1.0' } });
        // The job talked to the phone (identify: codename, battery) on the very appearance the panels had used.
        expect(appearanceAtIdentify).toBe(appearance);
        const state = JSON.parse(await readFile(join(phone.stateDir, 'state.json'), 'utf8')) as { mode: string; installed: Array<{ sha256: string }> };
        expect(state.mode).toBe('android');
        expect(state.installed.map((p) => p.sha256)).toEqual([bench.demo.rom, bench.demo.gapps, bench.demo.su].map(sha256Of));

        // "Open the folder": main opens this job's own backup folder, and nothing the page names.
        const done = (await ended).payload as EventPayload<'jobDone'>;
        const opened: string[] = [];
        const shell = async (path: string): Promise<string> => {
            opened.push(path);
            return '';
        };
        expect(done.backupDirectory).toMatch(/backups\/\d{8}-\d{4}-GT-I9506-/);
        expect(await openBackupFolder(backend, done.jobId, shell)).toEqual({ ok: true, value: { path: done.backupDirectory } });
        expect(opened).toEqual([done.backupDirectory]);
        expect(await openBackupFolder(backend, 'no-such-job', shell)).toMatchObject({ ok: false, error: { code: 'backup-folder-unknown' } });
        expect(await openBackupFolder(backend, { path: '/etc' }, shell)).toMatchObject({ ok: false, error: { code: 'backup-folder-unknown' } });
        expect(await openBackupFolder(backend, done.jobId, async () => 'No application is registered')).toMatchObject({ ok: false, error: { code: 'backup-folder-not-opened' } });
        await rm(done.backupDirectory ?? '', { recursive: true });
        expect(await openBackupFolder(backend, done.jobId, shell)).toMatchObject({ ok: false, error: { code: 'backup-folder-gone', facts: { path: done.backupDirectory } } });
        expect(opened).toHaveLength(1);
    });
});
