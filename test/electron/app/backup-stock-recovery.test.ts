/**
 * "Back up this phone" in the app on a virtual Galaxy S4 whose recovery is still Samsung's own and
 * whose TWRP is not in the download cache: the job's question says so (fileNeeded), and its yes
 * carries the TWRP image the person gave on the page (checked by verifyFile, as the upgrade's Files
 * step does). A "no" writes nothing and leaves the phone in Android; a yes writes TWRP to RECOVERY
 * over Odin, starts it, and the backup archive is made and read back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupView, Device, EventName, EventPayload } from '../../../electron/api/contract.js';
import { createBackend, type Backend } from '../../../electron/app/backend.js';
import { generateDemoPackages, type DemoPackages } from '../../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../../native/manifests/load.js';
import type { VirtualPhone } from '../../../native/virtual/phone.js';
import { callOk, callRefused, sha256Of } from '../../support/backend-calls.js';

const PASS = 'orchard violin seventy lanterns';
let dir: string;
let backend: Backend;
let demo: DemoPackages;
const questions: Array<EventPayload<'jobConfirm'>> = [];
/** The page's answers to the write-twrp question, in turn: no, or yes with the TWRP image checked under this id. */
let answers: Array<{ yes: false } | { yes: true; verificationId: string }> = [];
/** What answerConfirm said to each answer. */
const replies: Array<{ ok: boolean; code?: string }> = [];

const phone = (): VirtualPhone => {
    const p = backend.virtualPhone;
    if (!p) throw new Error('no virtual phone');
    return p;
};
const writes = (): Record<string, number> => Object.fromEntries(phone().partitions.names().map((n) => [n, phone().partitions.writeCount(n)]));

/** The person at the page: presses the virtual phone's keys when told, answers the question as `answer` says. */
function person(event: EventName, payload: unknown): void {
    if (event === 'jobInstruction') {
        const instruction = payload as EventPayload<'jobInstruction'>;
        setTimeout(() => void backend.call('pressVirtualButtons', { jobId: instruction.jobId, instructionId: instruction.id }), 20);
    }
    if (event === 'jobConfirm') {
        const question = payload as EventPayload<'jobConfirm'>;
        questions.push(question);
        const reply = async (): Promise<void> => {
            for (const answer of answers) {
                const result = await backend.call('answerConfirm', { jobId: question.jobId, requestId: question.id, ...answer });
                replies.push(result.ok ? { ok: true } : { ok: false, code: result.error.code });
                if (result.ok) return;
            }
        };
        setTimeout(() => void reply(), 20);
    }
}

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-app-stock-'));
    process.env['REVIVE_HOME'] = join(dir, 'home');
    demo = await generateDemoPackages(join(dir, 'packages'), requireRecipe('ks01ltexx'), { romBytes: 64 * 1024 });
    backend = createBackend({ home: join(dir, 'home'), localUsb: false, waitTimeoutMs: 15_000, onNotice: () => undefined });
    backend.subscribe(person);
    await callOk<Device>(backend, 'startVirtualPhone', { codename: 'ks01ltexx' });
    // Samsung's firmware as it leaves the factory: its own recovery, the KNOX fuse intact.
    phone().state.extra['recovery'] = 'stock';
    await phone().saveState();
}, 60_000);

afterAll(async () => {
    await backend?.close();
    delete process.env['REVIVE_HOME'];
    await rm(dir, { recursive: true, force: true });
});

describe('Back up this phone: a Samsung with its stock recovery, TWRP not downloaded yet', () => {
    it('"no": nothing written, the phone never left Android', async () => {
        answers = [{ yes: false }];
        const before = writes();
        const refused = await callRefused(backend, 'backUpPhone', { jobId: 'stock-no', deviceId: 'virtual:ks01ltexx', passphrase: PASS });
        expect(refused.code).toBe('twrp-write-declined');
        // The question asks for the image along with the yes: none is in the download cache.
        expect(questions.at(-1)).toMatchObject({ jobId: 'stock-no', id: 'write-twrp', facts: { partition: 'RECOVERY', fileNeeded: 'yes' } });
        expect(writes()).toEqual(before);
        expect(phone().mode).toBe('android');
        expect(phone().state.extra['recovery']).toBe('stock');
    }, 120_000);

    it('a yes with a file the files step did not pass is refused; the question stays open for the next answer', async () => {
        answers = [{ yes: true, verificationId: 'never-checked' }, { yes: false }];
        replies.length = 0;
        const before = writes();
        const refused = await callRefused(backend, 'backUpPhone', { jobId: 'stock-unchecked', deviceId: 'virtual:ks01ltexx', passphrase: PASS });
        expect(replies).toEqual([{ ok: false, code: 'question-file-unchecked' }, { ok: true }]);
        expect(refused.code).toBe('twrp-write-declined');
        expect(writes()).toEqual(before);
        expect(phone().mode).toBe('android');
    }, 120_000);

    it('yes with the image the person gave: TWRP written to RECOVERY, started, and the backup archive made', async () => {
        const checked = await callOk<{ ok: boolean }>(backend, 'verifyFile', { file: await backend.uploads.grant(demo.recovery), role: 'recovery', recipeId: 'ks01ltexx', verificationId: 'twrp-own', expectedSha256: sha256Of(demo.recovery) });
        expect(checked.ok).toBe(true);
        answers = [{ yes: true, verificationId: 'twrp-own' }];
        const before = writes();
        const made = await callOk<BackupView>(backend, 'backUpPhone', { jobId: 'stock-yes', deviceId: 'virtual:ks01ltexx', passphrase: PASS });
        expect(existsSync(made.path)).toBe(true);
        expect(made.lastVerifiedAt).not.toBeNull();
        expect(questions.at(-1)).toMatchObject({ jobId: 'stock-yes', id: 'write-twrp', facts: { fileNeeded: 'yes' } });
        const after = writes();
        expect(Object.keys(after).filter((k) => after[k] !== before[k])).toEqual(['RECOVERY']);
        expect(phone().state.extra['recovery']).toBe('twrp');
        // Found in Android, left in Android.
        expect(phone().mode).toBe('android');
    }, 180_000);
});
