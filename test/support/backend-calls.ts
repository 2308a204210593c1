/** The app's backend as the tests drive it: commands that must succeed, and the demo files checked through it. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ApiError, EventName, EventPayload, FileRole, VpnResult } from '../../electron/api/contract.js';
import type { Backend } from '../../electron/app/backend.js';
import type { DemoPackages } from '../../native/integrity/demo-packages.js';

export const sha256Of = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A command's value; a refusal is thrown, naming its code and facts. */
export async function callOk<T>(backend: Backend, command: string, request: unknown): Promise<T> {
    const result = await backend.call(command, request);
    if (!result.ok) throw new Error(`${command} failed: ${result.error.code}: ${JSON.stringify(result.error.facts)}`);
    return result.value as T;
}

/** A command's refusal; a success is thrown. */
export async function callRefused(backend: Backend, command: string, request: unknown): Promise<ApiError> {
    const result = await backend.call(command, request);
    if (result.ok) throw new Error(`${command} was expected to fail`);
    return result.error;
}

export interface VerifiedDemoFiles {
    /** The upgrade request's files. */
    readonly files: Array<{ role: FileRole; verificationId: string }>;
    /** verifyFile's verdict on each, in the same order. */
    readonly ok: boolean[];
}

/** The recipe's four demo files, verified as the file step does (granted, typed SHA-256), ids `<prefix>-<role>`. */
export async function verifyDemoFiles(backend: Backend, demo: DemoPackages, recipeId: string, prefix: string): Promise<VerifiedDemoFiles> {
    const verified: VerifiedDemoFiles = { files: [], ok: [] };
    for (const role of ['recovery', 'rom', 'gapps', 'su'] as const) {
        const path = demo[role];
        const verificationId = `${prefix}-${role}`;
        const result = await callOk<{ ok: boolean }>(backend, 'verifyFile', { file: await backend.uploads.grant(path), role, recipeId, verificationId, expectedSha256: sha256Of(path) });
        verified.files.push({ role, verificationId });
        verified.ok.push(result.ok);
    }
    return verified;
}

/** A WireGuard profile for the VPN panel (a made-up server), under the given job id and name. */
export function createDemoVpn(backend: Backend, jobId: string, name: string): Promise<VpnResult> {
    return callOk<VpnResult>(backend, 'createVpn', {
        jobId,
        name,
        addresses: ['10.8.0.2/32'],
        dns: [],
        serverPublicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
        endpoint: 'vpn.example.org:51820',
        allowedIps: ['0.0.0.0/0'],
        persistentKeepalive: 25,
    });
}

/**
 * The person at the page, for a backend subscriber: a moment after each instruction the virtual
 * phone's buttons are pressed, and each question is answered yes.
 */
export function agreeingPerson(backend: Backend, event: EventName, payload: unknown): void {
    if (event === 'jobInstruction') {
        const instruction = payload as EventPayload<'jobInstruction'>;
        setTimeout(() => void backend.call('pressVirtualButtons', { jobId: instruction.jobId, instructionId: instruction.id }), 20);
    }
    if (event === 'jobConfirm') {
        const question = payload as EventPayload<'jobConfirm'>;
        setTimeout(() => void backend.call('answerConfirm', { jobId: question.jobId, requestId: question.id, yes: true }), 20);
    }
}
