/**
 * The files step behind the contract: each file the person adds is hashed (or downloaded) with
 * progress and compared with the checksum the gate will hold it to; the files chosen so far are put
 * through the whole gate, so every misfit shows at once. An upgrade starts only from files checked here.
 */
import { basename } from 'node:path';
import type { CommandResult, EventName, EventPayload, FileRole, VerifiedFile } from '../api/contract.js';
import { fetchRecipeFile } from '../../native/download/fetch-file.js';
import { expectedChecksum, knownFileByDigest } from '../../native/integrity/checksums.js';
import { runGate, type GatePlanFile } from '../../native/integrity/gate.js';
import { hashFile } from '../../native/integrity/hash.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { ProgressTracker, type ProgressFacts } from '../../native/jobs/progress.js';
import type { Recipe } from '../../native/manifests/schema.js';
import { toApiError, type CommandHandlers } from './dispatch.js';
import type { UploadStore } from './uploads.js';

/** A file that passed its check, by its verification id. */
export interface VerifiedPath {
    readonly role: FileRole;
    readonly recipeId: string;
    readonly path: string;
    readonly sha256: string;
    /** Its checksum was typed by the person (the job records it so). */
    readonly typed: boolean;
}

export interface FileChecksEnvironment {
    readonly home: string;
    readonly uploads: UploadStore;
    recipeById(id: string): Recipe;
    emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
}

export type FileCheckHandlers = Pick<CommandHandlers, 'verifyFile' | 'downloadFile' | 'releaseFile' | 'checkFiles' | 'cancelVerification'>;

export interface FileChecks {
    readonly handlers: FileCheckHandlers;
    /** The file checked under this id, when it passed. */
    verified(verificationId: string): VerifiedPath | undefined;
    /** Stop every hash and download still running. */
    close(): void;
}

export function createFileChecks(env: FileChecksEnvironment): FileChecks {
    const verifications = new Map<string, VerifiedPath>();
    /** Hashes running now, by verification id, so the person can stop one. */
    const verifying = new Map<string, AbortController>();

    /** A file's hashing or download progress as verifyProgress events, at most every 100 ms, with rate and time left. */
    const verifyProgress = (verificationId: string): ((facts: ProgressFacts) => void) => {
        const tracker = new ProgressTracker(
            (p) => env.emit('verifyProgress', { verificationId, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, rate: p.rate, etaSeconds: p.rate > 0 ? p.etaSeconds : null }),
            { intervalMs: 100 },
        );
        return (facts) => tracker.report(facts);
    };

    const handlers: FileCheckHandlers = {
        async verifyFile({ file, role, recipeId, verificationId, expectedSha256 }) {
            const recipe = env.recipeById(recipeId);
            const path = await env.uploads.resolve(file);
            const controller = new AbortController();
            verifying.get(verificationId)?.abort();
            verifying.set(verificationId, controller);
            const digest = await hashFile(path, { signal: controller.signal, onProgress: verifyProgress(verificationId) })
                .catch((error: unknown) => {
                    if (!controller.signal.aborted) throw error;
                    throw ReviveError.of('cancelled', { variant: 'check', what: basename(path) }, { cause: error });
                })
                .finally(() => {
                    if (verifying.get(verificationId) === controller) verifying.delete(verificationId);
                });
            const name = basename(path);
            // The gate's own decision (a file named like a known one is held to the recipe's checksum,
            // whatever was typed), so a green tick here means the gate will agree.
            const expectation = expectedChecksum(recipe, role, path, expectedSha256);
            const known = expectation?.source === 'recipe' ? expectation.known : knownFileByDigest(recipe, role, digest.sha256);
            const expected = expectation?.sha256 ?? known?.sha256 ?? null;
            let problem: VerifiedFile['problem'] = null;
            if (expected === null) {
                problem = toApiError(ReviveError.of('checksum-missing', { variant: 'files', file: name, phone: recipe.name }));
            } else if (expected !== digest.sha256) {
                const variant = expectation?.source === 'typed' ? 'typed' : expectation?.source === 'sidecar' ? 'sidecar' : 'recipe';
                problem = toApiError(ReviveError.of('checksum-mismatch', { variant, file: name, found: digest.sha256, expected }));
            }
            if (!problem) verifications.set(verificationId, { role, recipeId, path, sha256: digest.sha256, typed: expectation?.source === 'typed' });
            return { verificationId, role, fileName: name, sizeBytes: digest.sizeBytes, sha256: digest.sha256, expectedSha256: known?.sha256 ?? null, ok: !problem, problem, origin: expectation?.source === 'download' ? (expectation.from ?? null) : null };
        },
        async downloadFile({ role, recipeId, verificationId }) {
            const recipe = env.recipeById(recipeId);
            const download = recipe.downloads.find((d) => d.role === role);
            if (!download) throw ReviveError.of('download-unknown', { role, phone: recipe.name });
            const controller = new AbortController();
            verifying.get(verificationId)?.abort();
            verifying.set(verificationId, controller);
            try {
                const got = await fetchRecipeFile(recipe, download, { home: env.home, signal: controller.signal, onProgress: verifyProgress(verificationId) });
                verifications.set(verificationId, { role, recipeId, path: got.path, sha256: got.sha256, typed: false });
                const pinned = download.sources.find((s) => s.url === got.source)?.sha256 ?? null;
                return { verificationId, role, fileName: got.name, sizeBytes: got.sizeBytes, sha256: got.sha256, expectedSha256: pinned, ok: true, problem: null, origin: got.source };
            } catch (error) {
                if (controller.signal.aborted) throw ReviveError.of('cancelled', { variant: 'download', what: download.name }, { cause: error });
                return { verificationId, role, fileName: download.name, sizeBytes: 0, sha256: '', expectedSha256: null, ok: false, problem: toApiError(error), origin: null };
            } finally {
                if (verifying.get(verificationId) === controller) verifying.delete(verificationId);
            }
        },
        async releaseFile({ file }) {
            const path = await env.uploads.resolve(file).catch(() => undefined);
            // Started jobs keep their own copies (keepForResume); checks of this file are forgotten.
            for (const [id, verified] of verifications) if (verified.path === path) verifications.delete(id);
            return { released: await env.uploads.release(file) };
        },
        async checkFiles({ recipeId, files }) {
            const recipe = env.recipeById(recipeId);
            const plan: GatePlanFile[] = [];
            for (const { role, verificationId } of files) {
                const verified = verifications.get(verificationId);
                if (verified && verified.role === role && verified.recipeId === recipe.id) plan.push({ role, path: verified.path, typedSha256: verified.typed ? verified.sha256 : undefined });
            }
            const order: FileRole[] = ['recovery', ...recipe.installOrder];
            plan.sort((a, b) => order.indexOf(a.role) - order.indexOf(b.role));
            const problems: CommandResult<'checkFiles'>['problems'] = [];
            // The whole gate, as the job runs it before touching the phone: each refusal names its file;
            // that file is set aside and the rest checked again, so every misfit shows at once.
            let rest = plan;
            while (rest.length > 0) {
                try {
                    await runGate({ files: rest }, recipe, recipe.codenames[0] ?? recipe.id);
                    break;
                } catch (error) {
                    const failure = ReviveError.from(error);
                    const file = failure.details?.['path'] ?? failure.details?.['file'];
                    const culprit = rest.find((f) => f.path === file) ?? (failure.code === 'gate-no-rom' ? undefined : rest.at(-1));
                    if (!culprit) break;
                    problems.push({ role: culprit.role, problem: toApiError(failure) });
                    rest = rest.filter((f) => f !== culprit);
                }
            }
            return { problems };
        },
        async cancelVerification({ verificationId }) {
            const controller = verifying.get(verificationId);
            controller?.abort();
            return { cancelling: controller !== undefined };
        },
    };

    return {
        handlers,
        verified: (verificationId) => verifications.get(verificationId),
        close() {
            for (const controller of verifying.values()) controller.abort();
        },
    };
}
