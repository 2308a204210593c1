/**
 * The secondary panels behind the API contract: keys, VPN, firewall and apps, on top of the panel
 * jobs in electron/jobs/panels. Files are written under the app data folder; the UI refers to them
 * by a result id (pushPanelFiles), never by a path it made up. Passphrases arrive only in the
 * command that needs them and go nowhere but into that job: panel events carry the jobs' own step
 * texts, which hold paths, fingerprints and public keys only.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { AppResult, commands, CommandResult, EventName, EventPayload, FileRef, KeysResult } from '../api/contract.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { toApiError } from './dispatch.js';
import { checkApks } from '../../native/panels/apps.js';
import type { CreateKeyOptions } from '../../native/panels/openpgp.js';
import { listPhonePackages } from '../jobs/panels/firewall.js';
import { createFirewallJob } from '../jobs/panels/firewall.js';
import type { PanelJobOptions } from '../jobs/panels/job.js';
import { createKeysJob, rotateKeysJob, type CreateKeysResult } from '../jobs/panels/keys.js';
import { firewallPushPlan, installAppsJob, keysPushPlan, pushFilesJob, removeFilesJob, vpnPushPlan, type PhoneConnector, type PushItem } from '../jobs/panels/push.js';
import { createVpnJob } from '../jobs/panels/vpn.js';
import { shortJobEvents } from './job-events.js';
import type { UploadStore } from './uploads.js';

type Request<K extends keyof typeof commands> = z.output<(typeof commands)[K]['request']>;

export type PanelCommandName = 'createKeys' | 'rotateKeys' | 'createVpn' | 'listPhoneApps' | 'createFirewall' | 'pushPanelFiles' | 'removePushedFiles' | 'installApps';

export type PanelHandlers = {
    readonly [K in PanelCommandName]: (request: Request<K>) => Promise<CommandResult<K>>;
};

export interface PanelEnvironment {
    readonly home: string;
    readonly uploads: UploadStore;
    emit<K extends EventName>(event: K, payload: EventPayload<K>): void;
    /** How to reach the phone with this id over adb; throws a ReviveError when it cannot be used now. */
    connectorFor(deviceId: string): PhoneConnector;
}

/** What a result id stands for: the files a push sends. */
type Artifact =
    | { readonly kind: 'keys'; readonly publicKey: string; readonly secretKey: string }
    | { readonly kind: 'vpn'; readonly config: string }
    | { readonly kind: 'firewall'; readonly files: { afwall: string; ipv4: string | null; ipv6: string | null; apply: string | null } };

function newKeyOptions(key: Request<'createKeys'>['key']): CreateKeyOptions {
    const userIds = key.userIds.map((u) => ({ name: u.name?.trim() || undefined, email: u.email?.trim() || undefined }));
    return { userIds, passphrase: key.passphrase, algorithm: key.algorithm, expiresInDays: key.expiresInDays === 0 ? undefined : key.expiresInDays };
}

function keysView(resultId: string, created: CreateKeysResult, rotation: KeysResult['rotation']): KeysResult {
    return {
        resultId,
        fingerprint: created.key.fingerprint,
        keyId: created.key.keyId,
        userIds: [...created.key.userIds],
        algorithm: created.key.algorithm,
        expiresAt: created.key.expiresAt,
        files: { ...created.files },
        passphraseStrength: { score: created.passphraseStrength.score, level: created.passphraseStrength.level },
        rotation,
    };
}

export function createPanelHandlers(env: PanelEnvironment): PanelHandlers {
    const artifacts = new Map<string, Artifact>();
    let counter = 0;
    const remember = (artifact: Artifact): string => {
        const id = `r${Date.now().toString(36)}${(counter++).toString(36)}`;
        artifacts.set(id, artifact);
        return id;
    };

    /** A panel job under the id the page chose: its steps, progress and log as the contract's job events. */
    const jobOptions = (jobId: string): PanelJobOptions => ({ jobId, home: env.home, onEvent: shortJobEvents(jobId, env.emit) });

    const localPath = (file: FileRef): Promise<string> => env.uploads.resolve(file);

    return {
        async createKeys({ jobId, key }) {
            const created = await createKeysJob({ ...newKeyOptions(key), outDir: join(env.home, 'keys') }, jobOptions(jobId));
            const resultId = remember({ kind: 'keys', publicKey: created.files.publicKey, secretKey: created.files.secretKey });
            return keysView(resultId, created, null);
        },
        async rotateKeys({ jobId, oldSecretKey, oldPassphrase, key }) {
            const oldSecretKeyPath = await localPath(oldSecretKey);
            const rotated = await rotateKeysJob({ oldSecretKeyPath, oldPassphrase, newKey: newKeyOptions(key), outDir: join(env.home, 'keys') }, jobOptions(jobId));
            const resultId = remember({ kind: 'keys', publicKey: rotated.files.publicKey, secretKey: rotated.files.secretKey });
            return keysView(resultId, rotated, { oldFingerprint: rotated.oldKey.fingerprint, oldKeyRevocation: rotated.oldKeyRevocation, transitionStatement: rotated.transitionStatement });
        },
        async createVpn({ jobId, ...profile }) {
            const created = await createVpnJob({ ...profile, outDir: join(env.home, 'vpn') }, jobOptions(jobId));
            const resultId = remember({ kind: 'vpn', config: created.files.config });
            // The QR holds the phone's private key, like the .conf: it goes only to the screen that shows it.
            const qr = await readFile(created.files.qr);
            return {
                resultId,
                name: created.name,
                publicKey: created.publicKey,
                serverPeerBlock: created.serverPeerBlock,
                phonePath: created.phonePath,
                files: { ...created.files },
                qrDataUrl: `data:image/png;base64,${qr.toString('base64')}`,
            };
        },
        async listPhoneApps({ deviceId }) {
            const phone = await env.connectorFor(deviceId)();
            try {
                const packages = await listPhonePackages(phone);
                return { packages: packages.map((p) => ({ packageName: p.packageName, uid: p.uid })).sort((a, b) => a.packageName.localeCompare(b.packageName)) };
            } finally {
                await phone.close();
            }
        },
        async createFirewall({ jobId, apps }) {
            const allow = apps.map((a) => ({ packageName: a.packageName, wifi: a.wifi, mobile: a.mobile, vpn: a.vpn, ...(a.uid === null ? {} : { uid: a.uid }) }));
            const created = await createFirewallJob({ allow, outDir: join(env.home, 'firewall') }, jobOptions(jobId));
            const resultId = remember({ kind: 'firewall', files: { ...created.files } });
            return { resultId, name: created.profile.name, allowedApps: created.profile.apps.length, warnings: [...created.warnings], files: { ...created.files } };
        },
        async pushPanelFiles({ jobId, deviceId, resultId, includeSecretKey }) {
            const artifact = artifacts.get(resultId);
            if (!artifact) throw ReviveError.of('panel-result-unknown', { variant: 'send' });
            let plan: PushItem[];
            if (artifact.kind === 'keys') plan = keysPushPlan(artifact, includeSecretKey);
            else if (includeSecretKey) throw ReviveError.of('bad-request', { command: 'pushPanelResult', problems: 'includeSecretKey' });
            else plan = artifact.kind === 'vpn' ? vpnPushPlan(artifact.config) : firewallPushPlan(artifact.files);
            const connect = env.connectorFor(deviceId);
            const { pushed } = await pushFilesJob(connect, plan, jobOptions(jobId));
            return { pushed: pushed.map((p) => ({ local: p.local, remote: p.remote, sha256: p.sha256 })) };
        },
        async removePushedFiles({ jobId, deviceId, resultId }) {
            const artifact = artifacts.get(resultId);
            if (!artifact) throw ReviveError.of('panel-result-unknown', { variant: 'remove' });
            const plan = artifact.kind === 'keys' ? keysPushPlan(artifact, artifact.secretKey !== undefined) : artifact.kind === 'vpn' ? vpnPushPlan(artifact.config) : firewallPushPlan(artifact.files);
            const { removed } = await removeFilesJob(env.connectorFor(deviceId), plan.map((item) => item.remote), jobOptions(jobId));
            return { removed: [...removed] };
        },
        async installApps({ jobId, deviceId, apps }) {
            const requests = await Promise.all(apps.map(async (app) => ({ path: await localPath(app.file), sha256: app.sha256 })));
            const connect = env.connectorFor(deviceId);
            try {
                const { results } = await installAppsJob(connect, requests, jobOptions(jobId));
                return { results: results.map((r) => ({ fileName: r.fileName, sha256: r.sha256, status: r.status, problem: r.problem ? toApiError(r.problem) : null })), error: null };
            } catch (error) {
                const failure = ReviveError.from(error);
                if (failure.code !== 'apk-checksum') throw failure;
                // Say per app which one was refused; the job already stopped before adb was used.
                const checks = await checkApks(requests);
                const results: AppResult[] = checks.map((c) => ({
                    fileName: c.fileName,
                    sha256: c.sha256,
                    status: c.ok ? 'not-attempted' : 'refused',
                    problem: toApiError(c.refusal ?? ReviveError.of('apk-not-attempted', { file: c.fileName, variant: 'other-refused' })),
                }));
                return { results, error: toApiError(failure) };
            }
        },
    };
}
