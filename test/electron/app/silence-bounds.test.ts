/**
 * A silence bound's variable set wrong (native/jobs/silence-bounds.ts), in the app: a job on a phone
 * is refused in words before it starts, as the command line refuses a command. TWRP's bound is read
 * only once the phone has restarted into recovery; checked then, the refusal came with the phone moved.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import type { Device, EventName } from '../../../electron/api/contract.js';
import { callOk, callRefused } from '../../support/backend-calls.js';

let dir: string;
let backend: Backend;
const events: EventName[] = [];

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-app-silence-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
    backend.subscribe((event) => void events.push(event));
    await callOk<Device>(backend, 'startVirtualPhone', { codename: 'ks01ltexx' });
}, 60_000);

afterAll(async () => {
    delete process.env['REVIVE_TWRP_ANSWER_MS'];
    await backend?.close();
    delete process.env['REVIVE_HOME'];
    await rm(dir, { recursive: true, force: true });
});

describe('a silence bound set wrong, in the app', () => {
    it('refuses a backup in words before the phone is restarted into TWRP', async () => {
        expect(backend.virtualPhone?.mode).toBe('android');
        process.env['REVIVE_TWRP_ANSWER_MS'] = '1min';
        const refused = await callRefused(backend, 'backUpPhone', { jobId: 'silence1', deviceId: 'virtual:ks01ltexx', passphrase: 'orchard violin seventy lanterns' });
        expect(refused).toEqual({ code: 'silence-bound-invalid', facts: { variable: 'REVIVE_TWRP_ANSWER_MS', value: '1min' } });
        // No job started, and the phone still runs Android.
        expect(events).not.toContain('jobStarted');
        expect(backend.virtualPhone?.mode).toBe('android');
    });
});
